// Loaded before every unit test file (npm run test:unit): validation checks hosts against the
// Public Suffix List, which a browser reads from the extension's file and Node from tldts.
import { readPublicSuffixListFromTldts } from '../../src/build/public-suffix-list.js';
import { publicSuffixListReady } from '../../src/core/public-suffix.js';

readPublicSuffixListFromTldts();
await publicSuffixListReady();
