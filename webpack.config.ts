// Builds the one source manifest and the TypeScript entries into an unpacked extension per browser
// (dist/chrome, dist/firefox) and a zip of each in dist/.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import CopyPlugin from 'copy-webpack-plugin';
import { zipSync } from 'fflate';
import webpack, { type Compiler, type Configuration } from 'webpack';
import { publicSuffixListText } from './src/build/public-suffix-list.js';
import { PUBLIC_SUFFIX_FILE } from './src/core/public-suffix.js';

const root = path.dirname(fileURLToPath(import.meta.url));
type Target = 'chrome' | 'firefox';

/** The manifest differences between the browsers, in one place. */
export function manifestFor(target: Target): Record<string, unknown> {
  const manifest = JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8'));
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  // package.json holds the version (`npm version` writes it into manifest.json): a package never
  // ships with a version its release does not say.
  if (manifest.version !== version)
    throw new Error(
      `manifest.json's version ${manifest.version} is not package.json's ${version}: npm version ${version}`,
    );
  if (target === 'chrome') {
    delete manifest.browser_specific_settings;
    // Chrome validates enterprise policy for the extension against this schema; Firefox reads
    // the same `profileFile` from policies.json's "3rdparty" section without one.
    manifest.storage = { managed_schema: 'managed-schema.json' };
  } else {
    // Firefox MV3 runs the background as an event page, not a service worker.
    manifest.background = { scripts: ['background.js'] };
    delete manifest.minimum_chrome_version;
  }
  return manifest;
}

/**
 * The build's identity: a digest of what it is made from (its sources, the locked dependencies,
 * the Public Suffix List). The background checks stored profiles again when it changes.
 */
function buildId(): string {
  const hash = createHash('sha256');
  const src = path.join(root, 'src');
  for (const name of readdirSync(src, { recursive: true, encoding: 'utf8' }).sort()) {
    const file = path.join(src, name);
    if (statSync(file).isFile()) hash.update(name.split(path.sep).join('/')).update(readFileSync(file));
  }
  hash.update(readFileSync(path.join(root, 'package-lock.json'))).update(publicSuffixListText());
  return hash.digest('hex').slice(0, 16);
}
const BUILD_ID = buildId();

/** Writes files made at build time into the package. */
class GeneratedFilesPlugin {
  constructor(private readonly files: Record<string, () => string>) {}
  apply(compiler: Compiler): void {
    const { Compilation, sources } = compiler.webpack;
    compiler.hooks.thisCompilation.tap('GeneratedFilesPlugin', (compilation) => {
      const stage = Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL;
      compilation.hooks.processAssets.tap({ name: 'GeneratedFilesPlugin', stage }, () => {
        for (const [name, make] of Object.entries(this.files))
          compilation.emitAsset(name, new sources.RawSource(make()));
      });
    });
  }
}

/**
 * The time every zip entry carries: the earliest a zip can say, in local time because zip stores
 * local time, so that the same files zip to the same bytes on any day, in any time zone.
 */
export const ZIP_ENTRY_TIME = new Date(1980, 0, 1, 0, 0, 0);

/**
 * Zips the finished output folder to dist/autobearer-<target>.zip, reproducibly: entries in one
 * sorted order, each with the same time and no file system attributes.
 */
class ZipPlugin {
  constructor(private readonly target: Target) {}
  apply(compiler: Compiler): void {
    compiler.hooks.afterEmit.tap('ZipPlugin', (compilation) => {
      const outputDir = compilation.outputOptions.path as string;
      const files: Record<string, Uint8Array> = {};
      const names = readdirSync(outputDir, { recursive: true, encoding: 'utf8' })
        .map((name) => name.split(path.sep).join('/'))
        .sort();
      for (const name of names) {
        const file = path.join(outputDir, name);
        if (statSync(file).isFile()) files[name] = readFileSync(file);
      }
      const zip = zipSync(files, { level: 9, mtime: ZIP_ENTRY_TIME });
      writeFileSync(path.join(root, 'dist', `autobearer-${this.target}.zip`), zip);
    });
  }
}

const configFor = (target: Target, mode: Configuration['mode']): Configuration => ({
  name: target,
  mode,
  devtool: false,
  entry: {
    background: './src/background/index.ts',
    popup: './src/popup/index.ts',
    options: './src/options/index.ts',
  },
  // A page's parts loaded later (the options page's validation) get their chunk's name: the same
  // file names every build.
  output: {
    path: path.join(root, 'dist', target),
    filename: '[name].js',
    chunkFilename: '[name].js',
    clean: true,
  },
  // `symlinks: false`: a module's id derives from the path (its loader's too) that it was found
  // at, so a build whose node_modules is a link (the reproducibility test's) gives the ids a
  // plain checkout gives.
  resolve: { extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] }, symlinks: false },
  resolveLoader: { symlinks: false },
  module: { rules: [{ test: /\.ts$/, loader: 'esbuild-loader', options: { target: 'es2022' } }] },
  performance: { hints: false },
  // No shared chunks: each page and the background stay one file each, and what a page loads later
  // (the options page's validation) is one file with its libraries, named for what it holds.
  optimization: { splitChunks: false },
  plugins: [
    new CopyPlugin({
      patterns: [
        { from: 'extension', to: '.' },
        {
          from: 'manifest.json',
          to: 'manifest.json',
          transform: () => `${JSON.stringify(manifestFor(target), null, 2)}\n`,
        },
      ],
    }),
    // Data that validation reads when it first runs, not code that every start parses.
    new webpack.DefinePlugin({ BUILD_ID: JSON.stringify(BUILD_ID) }),
    new GeneratedFilesPlugin({ [PUBLIC_SUFFIX_FILE]: publicSuffixListText }),
    new ZipPlugin(target),
  ],
});

/**
 * The `autobearer` command (src/terminal/cli.ts), which is also the native messaging host: one
 * file for Node with nothing to install beside it (package.json's bin runs it).
 */
const cliConfig = (mode: Configuration['mode']): Configuration => ({
  name: 'cli',
  mode,
  devtool: false,
  target: 'node20',
  entry: { autobearer: './src/terminal/cli.ts' },
  output: { path: path.join(root, 'dist', 'cli'), filename: '[name].cjs', clean: true },
  resolve: { extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] }, symlinks: false },
  resolveLoader: { symlinks: false },
  module: { rules: [{ test: /\.ts$/, loader: 'esbuild-loader', options: { target: 'node20' } }] },
  performance: { hints: false },
  // Readable: a user may want to see what the program that hands out tokens does.
  optimization: { minimize: false },
});

export default (_env: unknown, argv: { mode?: Configuration['mode'] }): Configuration[] => [
  configFor('chrome', argv.mode ?? 'production'),
  configFor('firefox', argv.mode ?? 'production'),
  cliConfig(argv.mode ?? 'production'),
];
