/**
 * The SDK under test: the built package in dist/ (what users run), typed from src/. `npm run bench`
 * builds first. Not src/ under tsx: tsx compiles with esbuild's keepNames, which wraps every
 * closure the client creates per request in a `__name()` call the real build does not have.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as Sdk from '../../../src/index.js';
import type * as SdkTesting from '../../../src/testing/index.js';
import type * as SdkOip from '../../../src/oip/index.js';
import type * as SdkLegacy from '../../../src/legacy/index.js';

const root = new URL('../../../', import.meta.url);
const entry = new URL('dist/index.js', root);
const testingEntry = new URL('dist/testing/index.js', root);

if (!existsSync(entry) || !existsSync(testingEntry)) {
  throw new Error('dist/ is missing: run `npm run build` first (`npm run bench` does)');
}

export const sdk = (await import(entry.href)) as typeof Sdk;
export const sdkTesting = (await import(testingEntry.href)) as typeof SdkTesting;
export const sdkOip = (await import(new URL('dist/oip/index.js', root).href)) as typeof SdkOip;
export const sdkLegacy = (await import(new URL('dist/legacy/index.js', root).href)) as typeof SdkLegacy;

/** Source files newer than the build, if any (a stale dist/ would benchmark old code). */
export function staleSources(): string[] {
  const built = statSync(entry).mtimeMs;
  const stale: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && statSync(p).mtimeMs > built) stale.push(p);
    }
  };
  walk(fileURLToPath(new URL('src', root)));
  return stale;
}
