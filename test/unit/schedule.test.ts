import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dropAt, EXPIRY_MARGIN_MS, refreshDueAt, retryAt } from '../../src/core/schedule.js';

const T0 = 1_700_000_000_000;

describe('schedule', () => {
  it('refreshes leadSeconds before expiry for an hour-long token', () => {
    assert.equal(refreshDueAt(T0, T0 + 3_600_000, 300), T0 + 3_300_000);
  });

  it('scales the lead down for short-lived tokens, so the refresh still comes well before expiry', () => {
    assert.equal(refreshDueAt(T0, T0 + 45_000, 300), T0 + 30_000);
    assert.equal(refreshDueAt(T0, T0 + 60_000, 300), T0 + 40_000);
    assert.equal(refreshDueAt(T0, T0 + 3_600_000, 0), T0 + 3_600_000);
  });

  it('drops a token before it expires', () => {
    assert.equal(dropAt(T0), T0 - EXPIRY_MARGIN_MS);
  });

  it('backs off exponentially but keeps one last try before the token is dropped', () => {
    const expiresAt = T0 + 600_000;
    assert.equal(retryAt(T0, 0, expiresAt), T0 + 5_000);
    assert.equal(retryAt(T0, 1, expiresAt), T0 + 10_000);
    assert.equal(retryAt(T0, 10, expiresAt), T0 + 300_000);
    assert.equal(retryAt(T0, 10, T0 + 60_000), dropAt(T0 + 60_000) - 1_000);
    assert.equal(retryAt(T0 + 120_000, 0, T0 + 60_000), T0 + 125_000, 'after expiry it keeps trying');
  });
});
