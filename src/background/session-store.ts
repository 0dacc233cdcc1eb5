// Sessions at rest: in storage.local, with both tokens encrypted (AES-GCM, a fresh IV per write)
// under a non-extractable key that lives in IndexedDB. A copy of the extension's storage.local
// (its settings database in the browser profile) alone does not yield a token; see README
// "Tokens at rest" for what this does and does not protect against.
import { type Session, SIGNED_OUT } from '../core/session.js';
import type { Tokens } from '../core/token-answer.js';
import type { Storage } from '../platform/browser.js';
import { type Queue, queue } from './queue.js';
import { open, type Sealed, seal } from './sealing.js';

const PREFIX = 'session:';
/** The tokens, sealed; the times beside them stay readable. */
type SealedKey = 'accessToken' | 'refreshToken' | 'idToken';

export interface SessionStore {
  get(id: string): Promise<Session | undefined>;
  /** Many sessions in one storage read (a reconciliation reads every account's). */
  getMany(ids: readonly string[]): Promise<Map<string, Session | undefined>>;
  /**
   * Changes one profile's session, after every earlier change to it (a refresh's answer and a
   * sign-out in the same moment); `change` gets the stored one (or SIGNED_OUT), and `undefined`
   * deletes it.
   */
  update(id: string, change: (current: Session) => Session | undefined): Promise<void>;
}

type StoredSession = Omit<Session, 'tokens'> & {
  readonly tokens?: Omit<Tokens, SealedKey> & { readonly sealed: Sealed };
};

/** Sessions a key can no longer open (the key's database was cleared) read as signed out, with the reason. */
export const UNREADABLE =
  'Signed out: the stored sign-in could not be read back (its key is gone). Sign in again.';

export function encryptedSessionStore(
  area: Pick<Storage.StorageArea, 'get' | 'set' | 'remove'>,
  key: () => Promise<CryptoKey>,
): SessionStore {
  const queues = new Map<string, Queue>();
  const unsealed = async (stored: StoredSession | undefined): Promise<Session | undefined> => {
    if (!stored) return undefined;
    const { tokens, ...rest } = stored;
    if (!tokens) return rest;
    const { sealed, ...times } = tokens;
    try {
      const secrets = JSON.parse(await open(await key(), sealed)) as Pick<Tokens, SealedKey>;
      return { ...rest, tokens: { ...times, ...secrets } };
    } catch {
      return { failures: 0, error: UNREADABLE };
    }
  };
  const get = async (id: string): Promise<Session | undefined> =>
    unsealed((await area.get(PREFIX + id))[PREFIX + id] as StoredSession | undefined);
  const set = async (id: string, session: Session): Promise<void> => {
    const { tokens, ...rest } = session;
    let stored: StoredSession = rest;
    if (tokens) {
      const { accessToken, refreshToken, idToken, ...times } = tokens;
      const sealed = await seal(await key(), JSON.stringify({ accessToken, refreshToken, idToken }));
      stored = { ...rest, tokens: { ...times, sealed } };
    }
    await area.set({ [PREFIX + id]: stored });
  };
  return {
    get,
    async getMany(ids) {
      if (!ids.length) return new Map();
      const stored = await area.get(ids.map((id) => PREFIX + id));
      const sessions = await Promise.all(
        ids.map((id) => unsealed(stored[PREFIX + id] as StoredSession | undefined)),
      );
      return new Map(ids.map((id, i) => [id, sessions[i]]));
    },
    update(id, change) {
      const inTurn = queues.get(id) ?? queue();
      queues.set(id, inTurn);
      return inTurn(async () => {
        const current = (await get(id)) ?? SIGNED_OUT;
        const updated = change(current);
        if (updated === undefined) await area.remove(PREFIX + id);
        else if (updated !== current) await set(id, updated);
      });
    },
  };
}
