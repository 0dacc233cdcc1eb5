// Sends sign-in and refresh requests and sorts every outcome into tokens or a failure the user
// can read. `fetch` and the clock are parameters so the network seam can be tested.
import type { HttpRequest } from '../core/auth-requests.js';
import { t } from '../core/text.js';
import { type AnswerPaths, parseTokenAnswer, serverMessage, type Tokens } from '../core/token-answer.js';

export const REQUEST_TIMEOUT_MS = 15_000;

/**
 * - `transient`: the endpoint could not be reached, timed out, or had a server error: worth retrying.
 * - `rejected`: the endpoint said no (wrong password, invalid_grant, 401): the user must sign in.
 * - `invalid-answer`: the endpoint said yes but the answer holds no usable token.
 */
export type FailureKind = 'transient' | 'rejected' | 'invalid-answer';

export class TokenRequestError extends Error {
  override readonly name = 'TokenRequestError';
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface TokenClientDeps {
  readonly fetch: typeof fetch;
  readonly now: () => number;
  readonly timeoutMs?: number;
}

function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

export async function requestTokens(
  request: HttpRequest,
  paths: AnswerPaths,
  defaultLifetimeSeconds: number,
  deps: TokenClientDeps,
): Promise<Tokens> {
  const where = new URL(request.url).host;
  const timeoutMs = deps.timeoutMs ?? REQUEST_TIMEOUT_MS;
  let response: Response;
  let body: string;
  try {
    response = await deps.fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      credentials: 'omit',
      cache: 'no-store',
      // Credentials are never forwarded to wherever a redirect points.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    body = await response.text();
  } catch (error) {
    const name = (error as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new TokenRequestError('transient', t('noAnswerWithin', where, Math.round(timeoutMs / 1000)));
    }
    throw new TokenRequestError(
      'transient',
      t('cannotReach', where, (error as Error)?.message ?? t('networkError')),
    );
  }
  if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
    throw new TokenRequestError('rejected', t('answeredRedirect', where));
  }
  if (!response.ok) {
    const said = serverMessage(body, response.headers.get('content-type'));
    const message = said
      ? t('answeredStatusSaying', where, response.status, said)
      : t('answeredStatus', where, response.status);
    throw new TokenRequestError(
      isTransientStatus(response.status) ? 'transient' : 'rejected',
      message,
      response.status,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new TokenRequestError('invalid-answer', t('answeredNotJson', where, response.status));
  }
  try {
    return parseTokenAnswer(json, paths, deps.now(), defaultLifetimeSeconds);
  } catch (error) {
    throw new TokenRequestError('invalid-answer', t('answeredButWith', where, (error as Error).message));
  }
}
