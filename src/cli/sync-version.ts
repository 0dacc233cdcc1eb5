// Run by `npm version <version>` (package.json's "version" script), after npm wrote the new
// version into package.json and package-lock.json: writes it into manifest.json too, so the
// version is bumped in one place and one command. npm then commits the three files and tags
// the commit v<version>, which `npm run release` asks for.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const manifestFile = path.join(root, 'manifest.json');
const text = readFileSync(manifestFile, 'utf8');
const next = text.replace(/("version":\s*")[^"]*(")/, `$1${version}$2`);
if (JSON.parse(next).version !== version) throw new Error('manifest.json has no "version" to set');
writeFileSync(manifestFile, next);
console.log(`manifest.json: version ${version}`);
