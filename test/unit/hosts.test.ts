import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type HostPattern,
  hostsRegex,
  pageReach,
  parseHostPattern,
  permissionOrigins,
} from '../../src/core/hosts.js';
import '../support/messages.js'; // the English messages

function host(text: string): HostPattern {
  const parsed = parseHostPattern(text);
  assert.ok(parsed.ok, `${text} parses`);
  return parsed.host;
}
const matches = (pattern: string, url: string): boolean =>
  new RegExp(hostsRegex([host(pattern)])).test(new URL(url).href);

describe('host patterns', () => {
  it('an exact host matches itself over https on any port, and nothing else', () => {
    assert.ok(matches('api.example.com', 'https://api.example.com/v1/x'));
    assert.ok(matches('api.example.com', 'https://api.example.com:8443/'));
    assert.ok(matches('api.example.com', 'https://API.Example.com/'));
    for (const url of [
      'http://api.example.com/',
      'https://eu.api.example.com/',
      'https://api.example.com.evil.net/',
      'https://evilapi.example.com/',
      'https://api.example.co/',
      'https://api.example.com@evil.net/',
      'https://evil.net/?https://api.example.com/',
    ]) {
      assert.ok(!matches('api.example.com', url), url);
    }
  });

  it('*.example.com matches subdomains at any depth but not example.com itself', () => {
    assert.ok(matches('*.example.com', 'https://a.example.com/'));
    assert.ok(matches('*.example.com', 'https://a.b.example.com/x'));
    assert.ok(!matches('*.example.com', 'https://example.com/'));
    assert.ok(!matches('*.example.com', 'https://badexample.com/'));
    assert.ok(!matches('*.example.com', 'https://a.example.com.evil.net/'));
  });

  it('a leading http:// also allows plain http; without it plain http never matches', () => {
    assert.ok(matches('http://localhost', 'http://localhost:3000/'));
    assert.ok(matches('http://localhost', 'https://localhost/'));
    assert.ok(!matches('localhost', 'http://localhost/'));
  });

  it(':PORT limits the match to that port, default ports included', () => {
    assert.ok(matches('http://127.0.0.1:8080', 'http://127.0.0.1:8080/x'));
    assert.ok(!matches('http://127.0.0.1:8080', 'http://127.0.0.1:8081/x'));
    assert.ok(!matches('http://127.0.0.1:8080', 'http://127.0.0.1/x'));
    assert.ok(matches('api.example.com:443', 'https://api.example.com/'));
    assert.ok(!matches('api.example.com:443', 'https://api.example.com:8443/'));
    assert.ok(matches('[::1]:8080', 'https://[::1]:8080/'));
  });

  it('refuses what is not a host, saying so', () => {
    for (const bad of [
      'exa mple.com',
      '',
      'api.example.com/path',
      '-a.com',
      'a..com',
      'https://api.example.com',
      'a.com:0',
      'a.com:70000',
      '*.[::1]',
      'ex*ample.com',
    ]) {
      const parsed = parseHostPattern(bad);
      assert.equal(parsed.ok, false, bad);
      if (!parsed.ok)
        assert.match(
          parsed.error,
          new RegExp(`^${JSON.stringify(bad).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `),
        );
    }
    const parsed = parseHostPattern('exa mple.com');
    assert.deepEqual(parsed, { ok: false, error: '"exa mple.com" is not a host name' });
  });

  it('takes host names in the browser’s own form: IDN to punycode, numeric IPv4 to dotted', () => {
    assert.equal(host('bücher.example').hostname, 'xn--bcher-kva.example');
    assert.ok(matches('bücher.example', 'https://bücher.example/'));
    assert.equal(host('API.Example.COM').hostname, 'api.example.com');
    assert.equal(host('http://0:8080').hostname, '0.0.0.0');
  });

  it('asks for permission per host, never for all URLs', () => {
    assert.deepEqual(permissionOrigins(host('api.example.com')), ['https://api.example.com/*']);
    assert.deepEqual(permissionOrigins(host('http://localhost:8080')), [
      'https://localhost/*',
      'http://localhost/*',
    ]);
    assert.deepEqual(permissionOrigins(host('*.example.com')), ['https://*.example.com/*']);
  });
});

describe('what a page entry lets in', () => {
  it('says where it is wider than written: subdomains, both schemes, every port', () => {
    assert.equal(
      pageReach(host('app.example')),
      'page "app.example" lets in app.example and every subdomain of it, over http or https, on any port',
    );
    assert.match(
      pageReach(host('http://localhost:3000')) ?? '',
      /^page "http:\/\/localhost:3000" lets in localhost and every subdomain/,
    );
    assert.equal(
      pageReach(host('127.0.0.1')),
      'page "127.0.0.1" lets in 127.0.0.1 over http or https, on any port',
    );
    assert.equal(
      pageReach(host('http://127.0.0.1:8080')),
      'page "http://127.0.0.1:8080" lets in 127.0.0.1 over http or https, on any port',
    );
  });
});
