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

// Answers from sign-in, refresh and discovery endpoints are read to a fixed size: a hostile or
// broken server that streams without end must not fill the background's memory or keep it busy.
/** Far above any token answer or discovery document (a few KB), far below a memory problem. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/** The body as text, at most `limit` bytes of it; `truncated` when the server sent more. */
export async function readBounded(
  response: Response,
  limit = MAX_ANSWER_BYTES,
): Promise<{ text: string; truncated: boolean }> {
  const { bytes, truncated } = await readBoundedBytes(response, limit);
  return { text: new TextDecoder().decode(bytes), truncated };
}

/** The body's bytes as sent (a signature covers them), at most `limit`; `truncated` when more came. */
export async function readBoundedBytes(
  response: Response,
  limit = MAX_ANSWER_BYTES,
): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  if (!response.body) return { bytes: new Uint8Array(), truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = limit - size;
    chunks.push(value.byteLength > room ? value.subarray(0, room) : value);
    size += Math.min(value.byteLength, room);
    if (value.byteLength > room) {
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { bytes, truncated };
}

/**
 * The answer for oauth4webapi, its body read to the limit: a good answer that is larger is
 * refused, an error's is cut (only its start is summarized anyway).
 */
export async function boundedResponse(response: Response, where: string): Promise<Response> {
  if (!response.body || response.type === 'opaqueredirect' || response.status < 200) return response;
  const { text, truncated } = await readBounded(response);
  if (truncated && response.ok) {
    throw new TokenRequestError('invalid-answer', t('answerTooLarge', where, MAX_ANSWER_BYTES / 1024));
  }
  return new Response(text, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
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
  let truncated: boolean;
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
    ({ text: body, truncated } = await readBounded(response));
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
  if (truncated) {
    throw new TokenRequestError('invalid-answer', t('answerTooLarge', where, MAX_ANSWER_BYTES / 1024));
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
