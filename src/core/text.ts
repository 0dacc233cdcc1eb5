// Every user-visible string comes from _locales. The core names a message and its substitutions;
// the browser's i18n (registered by src/browser-api/i18n.ts) or, in tests, the English file turns it
// into words. Messages are looked up when they are shown, never at module load, so the
// translator registered at start is the one used.

/** The keys of the English messages, which are complete: a typo fails the type check. */
export type MessageKey = Exclude<keyof typeof import('../../extension/_locales/en/messages.json'), 'default'>;

export type Translate = (key: MessageKey, ...substitutions: Array<string | number>) => string;

/** Until a translator is registered, a message shows as its key: visible, never silently English. */
let translate: Translate = (key) => `[${key}]`;

export function useTranslate(translator: Translate): void {
  translate = translator;
}

/** The message for `key`, with `$1`… replaced by `substitutions`. */
export const t: Translate = (key, ...substitutions) => translate(key, ...substitutions);
