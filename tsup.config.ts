import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'testing/index': 'src/testing/index.ts',
    'oip/index': 'src/oip/index.ts',
    'legacy/index': 'src/legacy/index.ts',
    'diagnostics/index': 'src/diagnostics/index.ts',
    'redis/index': 'src/stores/redis/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: false,
  shims: true,
  external: ['gun', 'ioredis'],
});
