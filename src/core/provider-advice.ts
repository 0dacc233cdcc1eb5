// What to change when a sign-in service refuses a token request for a reason that is a setting
// on the user's side (the app's registration, a profile key), not a wrong password or an expired
// grant. The service's own words stay first; the advice is added after them. Matched on the error
// codes the services document, never on free text that could change with a translation.
import { type MessageKey, t } from './text.js';

/** Microsoft Entra ID writes its code first in `error_description`: `AADSTS9002326: …`. */
const ENTRA: ReadonlyArray<readonly [code: RegExp, advice: MessageKey]> = [
  // Every token request from an extension carries its Origin: only a "Single-page application"
  // redirect URL takes it (docs/providers.md, Microsoft Entra ID).
  [/\bAADSTS9002326\b/, 'adviceEntraRegisterSpa'],
  // A public client (SPA, mobile and desktop) given a client secret.
  [/\bAADSTS700025\b/, 'adviceEntraNoSecret'],
  // A refresh without `scope`: "requesting a token for itself" / "only policy offers".
  [/\bAADSTS(?:90009|90023)\b/, 'adviceScopeOnRefresh'],
];

/** Advice for what a token endpoint said, or nothing when the words name no known setting. */
export function adviceFor(said: string): string | undefined {
  for (const [code, advice] of ENTRA) if (code.test(said)) return t(advice);
  return undefined;
}

/** The provider's words, with the advice after them when there is one. */
export function withAdvice(said: string): string {
  const advice = adviceFor(said);
  return advice ? `${said} ${advice}` : said;
}
