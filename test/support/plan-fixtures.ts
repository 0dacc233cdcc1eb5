// What the pure background tests share: a clock start, and a valid json-login profile to vary.
import assert from 'node:assert/strict';
import { type Profile, validateProfile } from '../../src/core/profile.js';
import type { HeaderRule } from '../../src/core/rules.js';

export const T0 = 1_700_000_000_000;
export const HOUR = 3_600_000;

/** "API" on api.example.com, called from app.example.com, with login and refresh; `overrides` replace keys. */
export function profile(overrides: Record<string, unknown> = {}): Profile {
  const valid = validateProfile({
    name: 'API',
    hosts: ['api.example.com'],
    pages: ['app.example.com'],
    auth: {
      kind: 'json-login',
      login: { url: 'https://api.example.com/login' },
      refresh: { url: 'https://api.example.com/refresh' },
    },
    ...overrides,
  });
  assert.ok(valid.ok, JSON.stringify(valid));
  return valid.value;
}

/** The value a header rule sets first; none for a tab's guard, which removes headers. */
export function setValue(rule: HeaderRule): string | undefined {
  const first = rule.action.requestHeaders[0];
  return first && 'value' in first ? first.value : undefined;
}
