// Builds the one source manifest and the TypeScript entries into an unpacked extension per browser
// (dist/chrome, dist/firefox) and a zip of each in dist/.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import CopyPlugin from 'copy-webpack-plugin';
import { zipSync } from 'fflate';
import type { Compiler, Configuration } from 'webpack';

const root = path.dirname(fileURLToPath(import.meta.url));
type Target = 'chrome' | 'firefox';

/** The manifest differences between the browsers, in one place. */
export function manifestFor(target: Target): Record<string, unknown> {
  const manifest = JSON.parse(readFileSync(path.join(root, 'manifest.json'), 'utf8'));
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

/** Zips the finished output folder to dist/autobearer-<target>.zip. */
class ZipPlugin {
  constructor(private readonly target: Target) {}
  apply(compiler: Compiler): void {
    compiler.hooks.afterEmit.tap('ZipPlugin', (compilation) => {
      const outputDir = compilation.outputOptions.path as string;
      const files: Record<string, Uint8Array> = {};
      for (const name of readdirSync(outputDir, { recursive: true, encoding: 'utf8' })) {
        const file = path.join(outputDir, name);
        if (statSync(file).isFile()) files[name.split(path.sep).join('/')] = readFileSync(file);
      }
      writeFileSync(path.join(root, 'dist', `autobearer-${this.target}.zip`), zipSync(files, { level: 9 }));
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
  output: { path: path.join(root, 'dist', target), filename: '[name].js', clean: true },
  resolve: { extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } },
  module: { rules: [{ test: /\.ts$/, loader: 'esbuild-loader', options: { target: 'es2022' } }] },
  performance: { hints: false },
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
    new ZipPlugin(target),
  ],
});

export default (_env: unknown, argv: { mode?: Configuration['mode'] }): Configuration[] => [
  configFor('chrome', argv.mode ?? 'production'),
  configFor('firefox', argv.mode ?? 'production'),
];
