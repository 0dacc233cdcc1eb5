// The Public Suffix List as the extension ships it (written at build time from tldts's trie, read
// as data) gives the answers tldts itself gives, for every rule of the list.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'tldts';
import { publicSuffixListText } from '../../src/build/public-suffix-list.js';
import { listedPublicSuffix, parsePublicSuffixList } from '../../src/core/public-suffix.js';

/** tldts's answer, the one the extension gave before the list became data. */
const tldtsListed = (hostname: string): string | undefined => {
  const parsed = parse(hostname, { allowPrivateDomains: true });
  const listed = parsed.isIcann === true || parsed.isPrivate === true;
  return listed && parsed.domain === null && parsed.publicSuffix === hostname ? hostname : undefined;
};

describe('the Public Suffix List as data', () => {
  const text = publicSuffixListText();
  const list = parsePublicSuffixList(text);

  it('holds the whole list: both sections, wildcards and exceptions', () => {
    assert.ok(list.rules.size > 9_000, `${list.rules.size} rules`);
    for (const rule of ['com', 'co.uk', 'github.io', 'herokuapp.com', '*.ck', '*.compute.herokuapp.com'])
      assert.ok(list.rules.has(rule), rule);
    assert.ok(list.exceptions.has('www.ck'));
    assert.ok(!list.rules.has('test') && !list.rules.has('localhost'));
  });

  it('answers as tldts does for every rule, a name under it, and every exception', () => {
    const names = new Set<string>(['test', 'localhost', 'api.test', 'intranet', 'a.b.ck', 'foo.www.ck']);
    for (const rule of list.rules) {
      const name = rule.replace(/^\*\./, 'x.');
      names.add(name);
      names.add(`app.${name}`);
    }
    for (const exception of list.exceptions) {
      names.add(exception);
      names.add(`app.${exception}`);
    }
    const differ = [...names].filter((name) => listedPublicSuffix(name) !== tldtsListed(name));
    assert.deepEqual(differ.slice(0, 10), [], `${differ.length} of ${names.size} names differ`);
  });

  it('is the same text every build: sorted, one rule a line', () => {
    assert.equal(publicSuffixListText(), text);
    const rules = text.split('\n').filter((line) => line && !line.startsWith('//'));
    assert.deepEqual(rules, [...rules].sort());
  });
});
