// What each built page or the background loads first, at most (issue #28): the popup opens dozens
// of times a day and the background starts whenever the browser wakes it. Minified bytes, in each
// browser's package; test/e2e/bundles.test.ts holds the build to them, BENCHMARKS.md shows them.
const KiB = 1024;
export const BUNDLE_BUDGETS = {
  'popup.js': 40 * KiB,
  'options.js': 100 * KiB,
  'background.js': 160 * KiB,
} as const;
