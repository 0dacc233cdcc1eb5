// The one message protocol between the extension's pages and its background. A renamed field
// fails the type check on both sides. No message ever carries a token back to a page.
import type { ImportPreview } from '../core/import-preview.js';
import type { AppState } from '../core/view.js';

export type { AccountView, AppState, ProfileView, SubscriptionView, SyncWaitingView } from '../core/view.js';

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
  /**
   * Turns terminal access on for a profile (docs/terminal.md), for `hours` (null: until the
   * browser closes); the popup asks for the `nativeMessaging` permission first.
   */
  setTerminalAccess: { request: { id: string; hours: number | null }; response: AppState };
  endTerminalAccess: { request: { id: string }; response: AppState };
  /** "Copy as curl": a curl command for the profile's test URL with its headers as they are now. */
  curlCommand: { request: AccountTarget; response: { command: string } };
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
