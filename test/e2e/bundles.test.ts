// What each built page loads, against its budget (issue #28): the popup opens dozens of times a
// day and the background starts whenever the browser wakes it, so what they parse is what they
// cost. Read from the built files, in both browsers' packages; sizes, not timings.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { BUNDLE_BUDGETS } from '../support/budgets.js';

const KiB = 1024;

for (const target of ['chrome', 'firefox'] as const) {
  describe(`the ${target} package’s bundles`, () => {
    const dir = `dist/${target}`;
    const size = (file: string): number => statSync(`${dir}/${file}`).size;

    it('is built (npm run build)', () => {
      assert.ok(existsSync(`${dir}/manifest.json`), `${dir} is missing: run npm run build first`);
    });

    for (const [file, budget] of Object.entries(BUNDLE_BUDGETS)) {
      it(`${file} is within its budget of ${budget / KiB} KiB`, () => {
        assert.ok(size(file) <= budget, `${file}: ${(size(file) / KiB).toFixed(1)} KiB`);
      });
    }

    it('each page loads its one script; the popup’s holds no schema, and no script the Public Suffix List', () => {
      for (const page of ['popup', 'options']) {
        const html = readFileSync(`${dir}/${page}.html`, 'utf8');
        const scripts = [...html.matchAll(/<script[^>]*\ssrc=["']?([^"'\s>]+)/g)].map((m) => m[1]);
        assert.deepEqual(scripts, [`${page}.js`], page);
      }
      const popup = readFileSync(`${dir}/popup.js`, 'utf8');
      // The schema by a message key only it names; the list by a suffix it lists.
      assert.doesNotMatch(popup, /badParameterName|herokuapp/);
      for (const file of ['options.js', 'background.js', 'validation.js'])
        assert.doesNotMatch(readFileSync(`${dir}/${file}`, 'utf8'), /herokuapp/, file);
      // It is data, read when validation first runs.
      const list = readFileSync(`${dir}/public-suffix-list.txt`, 'utf8').split('\n');
      for (const rule of ['com', 'co.uk', 'herokuapp.com', '*.ck', '!www.ck'])
        assert.ok(list.includes(rule), rule);
    });

    it('the options page’s validation is a chunk of its own, loaded when the form needs it', () => {
      const options = readFileSync(`${dir}/options.js`, 'utf8');
      assert.doesNotMatch(options, /badParameterName/, 'no schema on open');
      assert.match(readFileSync(`${dir}/validation.js`, 'utf8'), /badParameterName/);
    });
  });
}

// No remote code (issue #29, item 5): what runs is what the package holds. Profile files, recipes
// and team files are data; no bundle evaluates text as code or loads a script from elsewhere.
for (const target of ['chrome', 'firefox'] as const) {
  describe(`the ${target} package runs only its own code`, () => {
    const dir = `dist/${target}`;
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' });

    it('no bundle evaluates text or imports a script from a URL', () => {
      const scripts = files.filter((file) => file.endsWith('.js'));
      assert.ok(scripts.includes('background.js') && scripts.includes('popup.js'), scripts.join(', '));
      for (const file of scripts) {
        const code = readFileSync(`${dir}/${file}`, 'utf8');
        assert.doesNotMatch(
          code,
          /\beval\s*\(|\bnew\s+Function\s*\(|\bFunction\s*\(\s*["'`]/,
          `${file}: eval`,
        );
        assert.doesNotMatch(code, /\bimport\s*\(\s*["'`]\s*(?:https?:)?\/\//, `${file}: import() of a URL`);
        assert.doesNotMatch(
          code,
          /\bimportScripts\s*\(\s*["'`]\s*(?:https?:)?\/\//,
          `${file}: importScripts of a URL`,
        );
        assert.doesNotMatch(code, /["'`](?:https?:)?\/\/[^"'`\s]+\.m?js["'`]/, `${file}: a script URL`);
      }
    });

    it('every page loads scripts from the package only', () => {
      for (const page of files.filter((file) => file.endsWith('.html'))) {
        const html = readFileSync(`${dir}/${page}`, 'utf8');
        for (const [, src] of html.matchAll(/<script[^>]*\ssrc=["']?([^"'\s>]+)/g))
          assert.doesNotMatch(src ?? '', /^(?:[a-z]+:)?\/\//, `${page}: ${src}`);
        assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>\s*\S/, `${page}: an inline script`);
      }
    });

    it("the manifest's policy allows scripts from the package only", () => {
      const manifest = JSON.parse(readFileSync(`${dir}/manifest.json`, 'utf8'));
      assert.equal(manifest.content_security_policy?.extension_pages, "script-src 'self'; object-src 'self'");
      assert.equal(manifest.content_security_policy?.sandbox, undefined);
      assert.equal(manifest.sandbox, undefined);
    });
  });
}
