// The background's unit tests start from here: a fresh test API and a fresh in-memory background
// for each test, with one json-login profile ("API" on http://api.test) signed in as bob.
import { afterEach, beforeEach } from 'node:test';
import { background, FakePlatform } from './fake-platform.js';
import './messages.js'; // the English messages
import { setValue } from './plan-fixtures.js';
import { TestApi } from './test-api.js';

export const USER = 'bob';
// Spaces keep it from ever turning up by chance inside base64 ciphertext (a two-letter one did).
export const PASSWORD = 'correct horse battery staple';

export type Background = ReturnType<typeof background>;

/** The session stored for an account (by key). */
export const stored = (platform: FakePlatform, id: string) => platform.sessions.get(id);

/** The profile "API": a json-login against the test API, with a refresh endpoint unless `refresh` is false. */
export const apiProfile = (api: TestApi, refresh = true) => ({
  name: 'API',
  hosts: ['http://api.test'],
  auth: {
    kind: 'json-login',
    login: {
      url: `http://127.0.0.1:${api.port}/v2/login`,
      body: { email: '{username}', password: '{password}' },
    },
    ...(refresh
      ? {
          refresh: { url: `http://127.0.0.1:${api.port}/v2/refresh`, body: { refresh: '{refresh_token}' } },
        }
      : {}),
    response: { accessToken: 'data.token', refreshToken: 'data.refresh', expiresIn: 'data.ttl' },
  },
});

// The fixture of the test running now: live bindings, set before each test by eachSignedIn().
/** A new test API for each test: no fault, call or token carries over. */
export let api: TestApi;
export let platform: FakePlatform;
export let controller: Background;
/** The profile's id. */
export let id: string;

/** Before each test of the file: a fresh API and background, "API" saved and signed in. */
export function eachSignedIn(): void {
  beforeEach(async () => {
    api = new TestApi({ ttlSeconds: 3600, users: { [USER]: PASSWORD } });
    await api.start();
    platform = new FakePlatform();
    controller = background(platform);
    ({ id } = await controller.handlers.saveProfile({ profile: apiProfile(api) }));
    await controller.handlers.signIn({ id, username: USER, password: PASSWORD });
  });
  afterEach(() => api.stop());
}

/** The background stops and starts again, on what it stored. */
export function restartBackground(): Background {
  controller = background(platform);
  return controller;
}

/** "API" as the test API of this test serves it. */
export const profile = (refresh = true) => apiProfile(api, refresh);

/** The value the first rule sets (the header a request gets). */
export const headerValue = () => platform.rules[0] && setValue(platform.rules[0]);

/** The first profile's status, as the pages see it. */
export const phase = async () => (await controller.handlers.getState({})).profiles[0]?.status;
