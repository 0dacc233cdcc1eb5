// Every user-visible string of the pages comes from _locales: the HTML's keys all exist, and the
// pages hold no text outside them. (TypeScript checks the keys used in code.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const messages = JSON.parse(readFileSync('extension/_locales/en/messages.json', 'utf8')) as Record<
  string,
  unknown
>;

describe('locales', () => {
  for (const page of ['popup.html', 'options.html']) {
    it(`${page}: every data-i18n key is in _locales/en`, () => {
      const html = readFileSync(`extension/${page}`, 'utf8');
      const keys = [...html.matchAll(/data-i18n(?:-[a-z-]+)?="([A-Za-z]+)"/g)].map((m) => m[1] as string);
      assert.ok(keys.length > 0);
      for (const key of keys) assert.ok(key in messages, `${page}: ${key}`);
    });

    it(`${page}: no visible text outside a data-i18n element`, () => {
      const body = readFileSync(`extension/${page}`, 'utf8')
        .replace(/<script[\s\S]*?<\/script>/g, '')
        .replace(/<textarea[^>]*>[\s\S]*?<\/textarea>/g, '') // example JSON, not words
        .replace(/<([a-z0-9]+)[^>]*data-i18n="[^"]+"[^>]*>[\s\S]*?<\/\1>/g, '');
      const text = body
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim();
      assert.equal(text, '', `untranslated text in ${page}: ${text}`);
    });
  }
});
