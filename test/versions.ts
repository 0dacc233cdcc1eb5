// Prints what the tests run with, first thing in `npm test`: Node and each browser's version
// against the manifest's minimum. Fails when a browser is missing or too old.
import { assertSupported, CHROMIUM, FIREFOX, manifestMinimum } from './support/browsers.js';

console.log(`Node ${process.version}`);
let failed = false;
for (const [target, executable] of [
  ['chrome', CHROMIUM],
  ['firefox', FIREFOX],
] as const) {
  try {
    const { text } = assertSupported(target, executable);
    console.log(`${text} (${executable}; the extension needs ${manifestMinimum(target)} or later)`);
  } catch (error) {
    console.error(String(error instanceof Error ? error.message : error));
    failed = true;
  }
}
process.exitCode = failed ? 1 : 0;
