import assert from 'node:assert/strict';
import { TokenRequestError } from '../../src/background/token-client.js';

/** The TokenRequestError a promise must fail with; anything else fails the test. */
export async function failure(promise: Promise<unknown>): Promise<TokenRequestError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TokenRequestError, String(error));
    return error;
  }
  assert.fail('expected a failure');
}
