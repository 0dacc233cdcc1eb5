// The one message protocol between the extension's pages and its background. A renamed field
// fails the type check on both sides. No message ever carries a token back to a page.
import type { TabChoice } from '../core/accounts.js';
import type { ImportPreview, ImportPreviewItem } from '../core/import-preview.js';
import type { Profile } from '../core/profile.js';
import type { PublicStatus } from '../core/session.js';

export interface ProfileView {
  readonly id: string;
  /** Without its client secret, which never leaves the background. */
  readonly profile: Profile;
  /** A client secret is stored (sealed) for it. */
  readonly hasClientSecret: boolean;
  /** The plain-http endpoints it signs in or refreshes at: configured, and found by discovery. */
  readonly plainHttp: readonly string[];
  /** Pushed by the organization's policy: shown, used, but not editable here. */
  readonly managed: boolean;
  /** The subscription (a team's file) it comes from: shown, used, but not editable here either. */
  readonly subscription?: string;
  readonly status: PublicStatus;
  /** Host-permission match patterns the profile needs and the browser has not granted. */
  readonly missingOrigins: readonly string[];
  /** All the match patterns the profile needs, to ask for them with a user gesture. */
  readonly origins: readonly string[];
  /** The default account's state is `status`; these are the accounts the user added. */
  readonly accounts: readonly AccountView[];
}

/** An account the user added to a profile (src/core/accounts.ts). */
export interface AccountView {
  readonly accountId: string;
  readonly status: PublicStatus;
}

export interface AppState {
  readonly profiles: readonly ProfileView[];
  /** Why the organization's profile file was refused, when it was. */
  readonly managedProblems: readonly string[];
  /** The tabs that use another account than a profile's default. */
  readonly tabChoices: readonly TabChoice[];
  readonly subscriptions: readonly SubscriptionView[];
  /** Whether this browser syncs the user's own profiles, and how the last sync went. */
  readonly sync: {
    readonly enabled: boolean;
    readonly last?: { readonly at: number; readonly ok: boolean; readonly message?: string };
    /** Other browsers' versions that widen a profile here: each waits for Accept (acceptSyncedChange). */
    readonly waiting?: readonly SyncWaitingView[];
  };
}

/** Another browser's version of a profile here, waiting: what it changes, as an import's preview. */
export interface SyncWaitingView {
  readonly name: string;
  /** When the other browser changed it: Accept names it, so that it applies the version shown. */
  readonly changedAt: number;
  readonly item: ImportPreviewItem;
  readonly widening: readonly string[];
}

/** A subscription to a team's profile file, as the pages show it. */
export interface SubscriptionView {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  /** The pinned key (public), where one is. */
  readonly publicKey?: string;
  readonly everyHours: number;
  /** When the file in force was fetched, and its profiles' names. */
  readonly fetchedAt?: number;
  /** The file in force's serial, and when it stops vouching for itself: `expired` once past. */
  readonly serial?: number;
  readonly expiresAt?: number;
  readonly expired?: boolean;
  readonly profiles: readonly string[];
  readonly lastCheck?: { readonly at: number; readonly ok: boolean; readonly message?: string };
  /** An update that waits for the user: what it changes (as an import's preview) and what widens. */
  readonly pending?: {
    readonly at: number;
    /** Names this very file: Apply sends it back (acceptSubscriptionUpdate). */
    readonly digest: string;
    readonly preview: ImportPreview;
    readonly widening: readonly string[];
  };
}

/**
 * Which account of a profile a message is about: `account` absent or '' is the default one (the
 * only one most profiles ever have).
 */
interface AccountTarget {
  id: string;
  account?: string;
}

/** Where the background publishes the state (storage.session): the open pages follow its changes. */
export const PUBLISHED_STATE_KEY = 'appState';

export interface Protocol {
  getState: { request: Record<string, never>; response: AppState };
  signIn: { request: AccountTarget & { username: string; password: string }; response: AppState };
  /** The provider's own sign-in page (authorization code), or "Connect" (client credentials). */
  signInWithProvider: { request: AccountTarget & { clientSecret?: string }; response: AppState };
  useToken: { request: AccountTarget & { token: string; lifetimeSeconds?: number }; response: AppState };
  signOut: { request: AccountTarget; response: AppState };
  refreshNow: { request: AccountTarget; response: AppState };
  /** Adds a (signed-out) account to a profile, to sign in as another user beside the first. */
  addAccount: { request: { id: string }; response: { account: string; state: AppState } };
  /** Signs an added account out and forgets it; the tabs that used it go back to the default. */
  removeAccount: { request: { id: string; account: string }; response: AppState };
  /** Has the tab's requests to the profile's hosts carry this account's token ('' the default). */
  useInTab: { request: { id: string; account: string; tabId: number }; response: AppState };
  setEnabled: { request: { id: string; enabled: boolean }; response: AppState };
  /** Adds (no id) or replaces a profile; the profile is validated again in the background. */
  saveProfile: { request: { id?: string; profile: unknown }; response: { id: string; state: AppState } };
  /** Removes a profile at once; `undoDelete` brings it back, with its sign-in, for a short while. */
  deleteProfile: { request: { id: string }; response: AppState };
  undoDelete: { request: Record<string, never>; response: AppState };
  /**
   * Subscribes to a team's profile file: fetched at once; its profiles apply once the user
   * accepts them (`acceptSubscriptionUpdate`), as every later update that widens anything.
   */
  subscribe: {
    request: { name: string; url: string; publicKey?: string; everyHours?: number };
    response: AppState;
  };
  /** Turns the sync of the user's own profiles on or off, in this browser. */
  setSync: { request: { enabled: boolean }; response: AppState };
  /** "Update now". */
  checkSubscription: { request: { id: string }; response: AppState };
  /** Applies the waiting file only if it is still the one `digest` names (the one the user saw). */
  /** Another browser's waiting version of a profile replaces this one's, signed out. */
  acceptSyncedChange: { request: { name: string; changedAt: number }; response: AppState };
  /** Keeps this browser's version of the profile instead; it goes to the other browsers. */
  discardSyncedChange: { request: { name: string }; response: AppState };
  acceptSubscriptionUpdate: { request: { id: string; digest: string }; response: AppState };
  discardSubscriptionUpdate: { request: { id: string }; response: AppState };
  /** Removes the subscription, and its profiles with their sign-ins. */
  unsubscribe: { request: { id: string }; response: AppState };
  /** What importing this file would change; nothing is stored until `importFile`. */
  previewImport: { request: { text: string }; response: ImportPreview };
  importFile: { request: { text: string }; response: AppState };
  /** `withoutSecret`: the profiles whose client secret the file leaves out, to be entered again. */
  exportFile: { request: Record<string, never>; response: { text: string; withoutSecret: string[] } };
  /**
   * Opens the profile's API in a new tab whose top-level navigations to the profile's hosts get
   * the header (a typed URL in any other tab does not), until the tab leaves those hosts.
   */
  openInTab: { request: AccountTarget; response: AppState };
  /**
   * Runs an issuer's discovery (the options form, as the issuer is typed), so that saving can ask
   * access to a token endpoint on another host; nothing when it fails (the sign-in says why).
   */
  discover: { request: { issuer: string }; response: { tokenEndpoint?: string } };
  /** The popup's "Test": one GET to the profile's testUrl with the current header. */
  testRequest: {
    request: AccountTarget;
    /** `redirected`: the answer was a redirect, not followed; browsers hide its status. */
    response: { status: number; statusText: string; ms: number; redirected?: boolean };
  };
}

export type MessageType = keyof Protocol;

export interface Envelope<T extends MessageType = MessageType> {
  readonly type: T;
  readonly payload: Protocol[T]['request'];
}

/** Errors cross the boundary as data; `problems` lists a refused file's or form's issues. */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: string; problems?: string[] };

export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    message: string,
    readonly problems?: string[],
  ) {
    super(message);
  }
}
