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
  return {
    entry: {
      index: 'src/index.ts',
      'testing/index': 'src/testing/index.ts',
      'oip/index': 'src/oip/index.ts',
      'legacy/index': 'src/legacy/index.ts',
      'diagnostics/index': 'src/diagnostics/index.ts',
      'redis/index': 'src/stores/redis/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: !jsOnly,
    sourcemap: false,
    clean: !jsOnly,
    target: 'node20',
    splitting: false,
    shims: true,
    external: ['gun', 'ioredis'],
  };
});
