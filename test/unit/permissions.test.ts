// Which of a profile's match patterns the browser has not granted, decided from the granted list
// (permissions.getAll) in one question, as permissions.contains would answer for each.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { patternCovers, uncoveredOrigins } from '../../src/core/permissions.js';

describe('granted host permissions', () => {
  it('a pattern covers itself, and what is wider covers what is narrower, never the reverse', () => {
    const covered: Array<[string, string]> = [
      ['https://api.test/*', 'https://api.test/*'],
      ['<all_urls>', 'http://api.test/*'],
      ['*://*/*', 'https://*.example.com/*'],
      ['*://api.test/*', 'http://api.test/*'],
      ['https://*/*', 'https://api.test/*'],
      ['https://*.example.com/*', 'https://example.com/*'],
      ['https://*.example.com/*', 'https://a.b.example.com/*'],
      ['https://*.example.com/*', 'https://*.api.example.com/*'],
      ['https://*.example.com/*', 'https://*.example.com/*'],
    ];
    for (const [granted, wanted] of covered)
      assert.ok(patternCovers(granted, wanted), `${granted} ⊇ ${wanted}`);
    const notCovered: Array<[string, string]> = [
      ['https://api.test/*', 'http://api.test/*'],
      ['https://api.test/*', 'https://*.api.test/*'],
      ['https://a.example.com/*', 'https://*.example.com/*'],
      ['https://*.example.com/*', 'https://badexample.com/*'],
      ['https://*.example.com/*', 'https://example.com.evil.test/*'],
      ['https://api.test/v1/*', 'https://api.test/*'],
      ['http://localhost:8080/*', 'http://localhost/*'],
      ['*://*/*', 'ftp://api.test/*'],
      ['not a pattern', 'https://api.test/*'],
    ];
    for (const [granted, wanted] of notCovered)
      assert.ok(!patternCovers(granted, wanted), `${granted} does not cover ${wanted}`);
  });

  it('lists what no granted pattern covers, in the order asked', () => {
    const granted = ['https://*.example.com/*', 'http://api.test/*'];
    const wanted = [
      'https://api.test/*',
      'http://api.test/*',
      'https://x.example.com/*',
      'https://other.test/*',
    ];
    assert.deepEqual(uncoveredOrigins(granted, wanted), ['https://api.test/*', 'https://other.test/*']);
    assert.deepEqual(uncoveredOrigins([], wanted), wanted);
  });
});

describe('granted host permissions, many of them', () => {
  it('answers as pattern by pattern would, for grants of one host, of a path, and wildcards', () => {
    const granted = [
      'https://a.test/*',
      'http://b.test/v1/*',
      'https://*.wide.test/*',
      '*://any.test/*',
      ...Array.from({ length: 300 }, (_, i) => `https://h${i}.test/*`),
    ];
    const wanted = [
      'https://a.test/*',
      'http://a.test/*',
      'http://b.test/*',
      'https://*.a.test/*',
      'https://x.wide.test/*',
      'https://*.x.wide.test/*',
      'http://any.test/*',
      'https://h7.test/*',
      'https://h300.test/*',
    ];
    const oneByOne = wanted.filter((origin) => !granted.some((pattern) => patternCovers(pattern, origin)));
    assert.deepEqual(uncoveredOrigins(granted, wanted), oneByOne);
    assert.deepEqual(oneByOne, [
      'http://a.test/*',
      'http://b.test/*',
      'https://*.a.test/*',
      'https://h300.test/*',
    ]);
  });
});
