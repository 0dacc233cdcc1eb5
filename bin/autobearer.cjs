#!/usr/bin/env node
// `autobearer` (docs/terminal.md): runs the command `npm run build` made, dist/cli/autobearer.cjs.
const path = require('node:path');
const built = path.join(__dirname, '..', 'dist', 'cli', 'autobearer.cjs');
try {
  require.resolve(built);
} catch {
  console.error('autobearer: not built yet: run `npm ci && npm run build` in', path.join(__dirname, '..'));
  process.exit(1);
}
process.argv[1] = built;
require(built);
