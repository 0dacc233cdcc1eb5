// Sessions at rest: in storage.local, as one record, with every session's tokens sealed together
// (AES-GCM, a fresh IV per write) under a non-extractable key that lives in IndexedDB. A copy of
// the extension's storage.local (its settings database in the browser profile) alone does not
// yield a token; see README "Tokens at rest" for what this does and does not protect against.
//
// One record, not one per session: a background start reads every account's session, and one
// storage read and one decryption cost a browser far less than two hundred of each (BENCHMARKS.md,
// section 6). Sessions change seldom (a sign-in, a refresh), and each change writes the record.

import type { Storage } from '../browser-api/browser.js';
import { type Session, SIGNED_OUT } from '../core/session.js';
import type { Tokens } from '../core/token-answer.js';
import { queue } from './queue.js';
import { open, type Sealed, seal } from './sealing.js';

const RECORD_KEY = 'sessions';
/** Where an earlier version kept each session, its tokens sealed one by one. */
const LEGACY_PREFIX = 'session:';
/** The tokens, sealed; the times beside them stay readable. */
type SealedKey = 'accessToken' | 'refreshToken' | 'idToken';
type Secrets = Pick<Tokens, SealedKey>;

export interface SessionStore {
  get(id: string): Promise<Session | undefined>;
  /** Every session stored, by id (a reconciliation reads them alongside the profiles). */
  all(): Promise<ReadonlyMap<string, Session>>;
  /**
   * Changes one profile's session, after every earlier change (a refresh's answer and a sign-out
   * in the same moment); `change` gets the stored one (or SIGNED_OUT), and `undefined` deletes it.
   */
  update(id: string, change: (current: Session) => Session | undefined): Promise<void>;
}

type StoredSession = Omit<Session, 'tokens'> & { readonly tokens?: Omit<Tokens, SealedKey> };

interface SessionsRecord {
  /** Each session without its tokens' secrets, by id. */
  readonly sessions: Record<string, StoredSession>;
  /** The secrets of every session that holds tokens, by id, sealed together. */
  readonly sealed?: Sealed;
}

type LegacySession = Omit<Session, 'tokens'> & {
  readonly tokens?: Omit<Tokens, SealedKey> & { readonly sealed: Sealed };
};

/** Sessions a key can no longer open (the key's database was cleared) read as signed out, with the reason. */
export const UNREADABLE =
  'Signed out: the stored sign-in could not be read back (its key is gone). Sign in again.';
const unreadable: Session = { failures: 0, error: UNREADABLE };

export function encryptedSessionStore(
  area: Pick<Storage.StorageArea, 'get' | 'set' | 'remove'>,
  key: () => Promise<CryptoKey>,
): SessionStore {
  const inTurn = queue();
  /** The last secrets opened, by the IV they were sealed with: a record read again opens at once. */
  let opened: { iv: string; secrets: Record<string, Secrets> | undefined } | undefined;

  const openSecrets = async (sealed: Sealed): Promise<Record<string, Secrets> | undefined> => {
    if (opened?.iv !== sealed.iv) {
      let secrets: Record<string, Secrets> | undefined;
      try {
        secrets = JSON.parse(await open(await key(), sealed));
      } catch {
        secrets = undefined;
      }
      opened = { iv: sealed.iv, secrets };
    }
    return opened.secrets;
  };

  const readAll = async (): Promise<Map<string, Session>> => {
    const record =
      ((await area.get(RECORD_KEY))[RECORD_KEY] as SessionsRecord | undefined) ?? (await migrated());
    const secrets = record.sealed ? await openSecrets(record.sealed) : {};
    const sessions = new Map<string, Session>();
    for (const [id, { tokens, ...rest }] of Object.entries(record.sessions)) {
      const mine = secrets?.[id];
      if (!tokens) sessions.set(id, rest);
      else sessions.set(id, mine ? { ...rest, tokens: { ...tokens, ...mine } } : unreadable);
    }
    return sessions;
  };

  const writeAll = async (sessions: ReadonlyMap<string, Session>): Promise<void> => {
    const stored: Record<string, StoredSession> = {};
    const secrets: Record<string, Secrets> = {};
    for (const [id, { tokens, ...rest }] of sessions) {
      if (!tokens) {
        stored[id] = rest;
        continue;
      }
      const { accessToken, refreshToken, idToken, ...times } = tokens;
      stored[id] = { ...rest, tokens: times };
      secrets[id] = { accessToken, refreshToken, idToken };
    }
    const plain = JSON.stringify(secrets);
    const record: SessionsRecord = Object.keys(secrets).length
      ? { sessions: stored, sealed: await seal(await key(), plain) }
      : { sessions: stored };
    await area.set({ [RECORD_KEY]: record });
    // As a read would open them (JSON leaves out a missing ID token).
    opened = record.sealed && { iv: record.sealed.iv, secrets: JSON.parse(plain) };
  };

  /** The record, made once from an earlier version's per-session keys (none: an empty one). */
  let migration: Promise<SessionsRecord> | undefined;
  const migrated = (): Promise<SessionsRecord> => {
    // Not in the update queue: an update waiting for the record would wait for itself.
    migration ??= (async () => {
      const everything = await area.get(null);
      const legacy = Object.keys(everything).filter((name) => name.startsWith(LEGACY_PREFIX));
      const sessions = new Map<string, Session>();
      for (const name of legacy) {
        const { tokens, ...rest } = everything[name] as LegacySession;
        if (!tokens) {
          sessions.set(name.slice(LEGACY_PREFIX.length), rest);
          continue;
        }
        const { sealed, ...times } = tokens;
        try {
          const secrets = JSON.parse(await open(await key(), sealed)) as Secrets;
          sessions.set(name.slice(LEGACY_PREFIX.length), { ...rest, tokens: { ...times, ...secrets } });
        } catch {
          sessions.set(name.slice(LEGACY_PREFIX.length), unreadable);
        }
      }
      await writeAll(sessions);
      if (legacy.length) await area.remove(legacy);
      return (await area.get(RECORD_KEY))[RECORD_KEY] as SessionsRecord;
    })();
    migration.catch(() => {
      migration = undefined; // tried again at the next read
    });
    return migration;
  };

  return {
    get: async (id) => (await readAll()).get(id),
    all: readAll,
    update(id, change) {
      return inTurn(async () => {
        const all = await readAll();
        const current = all.get(id) ?? SIGNED_OUT;
        const updated = change(current);
        if (updated === current) return;
        if (updated === undefined) {
          if (!all.has(id)) return;
          all.delete(id);
        } else all.set(id, updated);
        await writeAll(all);
      });
    },
  };
}
