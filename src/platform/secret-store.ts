// Tokens live in the extension's own IndexedDB, through idb-keyval: unlike storage.local, no
// content script can read it, and no web page can reach the extension's origin.
import { createStore, del, get, set, type UseStore } from 'idb-keyval';

export interface SecretStore<T> {
  get(key: string): Promise<T | undefined>;
  set(key: string, value: T): Promise<void>;
  delete(key: string): Promise<void>;
}

export function indexedDbStore<T>(dbName = 'autobearer', storeName = 'sessions'): SecretStore<T> {
  let store: UseStore | undefined;
  const open = (): UseStore => {
    store ??= createStore(dbName, storeName);
    return store;
  };
  return {
    get: (key) => get<T>(key, open()),
    set: (key, value) => set(key, value, open()),
    delete: (key) => del(key, open()),
  };
}
