// In an extension page or the background, validation reads the Public Suffix List from the
// extension's own package (core/public-suffix.ts), when it first needs it.
import { PUBLIC_SUFFIX_FILE, readPublicSuffixListFrom } from '../core/public-suffix.js';
import { browser } from './browser.js';

readPublicSuffixListFrom(async () => {
  const response = await fetch(browser.runtime.getURL(PUBLIC_SUFFIX_FILE));
  if (!response.ok) throw new Error(`AutoBearer: ${PUBLIC_SUFFIX_FILE} is missing from the package`);
  return response.text();
});
