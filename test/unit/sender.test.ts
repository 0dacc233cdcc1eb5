import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOwnPage } from '../../src/core/sender.js';

const ID = 'abcdefghijklmnopabcdefghijklmnop';
const ORIGIN = `chrome-extension://${ID}/`;

describe('message sender check', () => {
  it('answers the extension’s own pages, in a tab or in the popup', () => {
    assert.ok(isOwnPage({ id: ID, url: `${ORIGIN}popup.html` }, ID, ORIGIN));
    assert.ok(isOwnPage({ id: ID, url: `${ORIGIN}options.html#x` }, ID, ORIGIN));
    const firefox = 'moz-extension://6a1f0c52-54d2-4f6e-9f0e-4b1a1e0c7a11/';
    assert.ok(
      isOwnPage(
        { id: 'autobearer@autobearer.dev', url: `${firefox}popup.html` },
        'autobearer@autobearer.dev',
        firefox,
      ),
    );
  });

  it('refuses a content script, a web page, another extension, and a look-alike origin', () => {
    const refused = [
      // A content script: this extension's id, the web page's URL.
      { id: ID, url: 'https://evil.test/' },
      // A web page (no id) and a message without a URL.
      { url: 'https://evil.test/' },
      { id: ID },
      {},
      // Another extension, from its own pages, or naming this one's origin in its path.
      { id: 'other', url: 'chrome-extension://other/popup.html' },
      { id: 'other', url: `${ORIGIN}popup.html` },
      // An origin that only starts like this one.
      { id: ID, url: `chrome-extension://${ID}.evil.test/popup.html` },
      { id: ID, url: `https://evil.test/${ORIGIN}` },
    ];
    for (const sender of refused) assert.equal(isOwnPage(sender, ID, ORIGIN), false, JSON.stringify(sender));
  });
});
