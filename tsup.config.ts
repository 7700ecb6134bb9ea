import { copyFile, mkdir } from 'node:fs/promises';
import { defineConfig } from 'tsup';

/**
 * `tsup` builds the package (JavaScript and declarations); `tsup --env.JS_ONLY 1` (npm run
 * build:js) builds the JavaScript only, in about a second, for `npm run demo`: it leaves existing
 * declarations in place instead of cleaning them.
 * No source maps are shipped: dist/ is not minified, so stack traces already point at readable
 * code, and maps of sources the package does not ship would double its size for nothing.
 */
export default defineConfig((cli) => {
  const jsOnly = cli.env?.['JS_ONLY'] !== undefined;
  return [{
    entry: {
      index: 'src/index.ts',
      'testing/index': 'src/testing/index.ts',
      'oip/index': 'src/oip/index.ts',
      'legacy/index': 'src/legacy/index.ts',
      'diagnostics/index': 'src/diagnostics/index.ts',
      'redis/index': 'src/stores/redis/index.ts',
      'status/index': 'src/status/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: !jsOnly,
    sourcemap: false,
    // dist/cli is the second build's (the two run at once).
    clean: jsOnly ? false : ['!cli/**'],
    target: 'node20',
    splitting: false,
    shims: true,
    // OipSyncWorker.serve() loads the status subpath by name, so the board stays out of the oip bundle.
    external: ['gun', 'ioredis', 'gun-relay-client/status'],
    // zod/mini is bundled, tree-shaken to the parts the schemas use: loading the whole of zod costs
    // about 50 ms and 11 MiB at import (src/zod.ts).
    noExternal: ['zod'],
    // Bundled from zod's ES modules in both formats (tree-shaking needs them).
    esbuildOptions(options) {
      options.conditions = ['import', 'module'];
    },
    // The status page is one static file, read by dist/status at run time.
    onSuccess: async () => {
      await mkdir('dist/status', { recursive: true });
      await copyFile('src/status/page.html', 'dist/status/page.html');
    },
  }, {
    // The `gun-relay-client` command (package `bin`): ESM only, no declarations; it imports the
    // package's own exports by name (resolved by Node's self-reference), so none of it is bundled twice.
    entry: { index: 'src/cli/index.ts' },
    outDir: 'dist/cli',
    format: ['esm'],
    dts: false,
    sourcemap: false,
    clean: !jsOnly,
    target: 'node20',
    splitting: false,
    external: ['gun', 'ioredis', /^gun-relay-client(\/|$)/],
  }];
});
