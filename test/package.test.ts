/**
 * The published shape: `npm pack`, then a plain .cjs and a plain .mjs file outside the repo
 * require/import the tarball's contents and use GunRelayClient against the local relay, and a
 * TypeScript consumer type-checks in both module kinds.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { codeBlocks } from './helpers/codeBlocks.js';

const repo = path.resolve(import.meta.dirname, '..');
let consumer: string;

const script = (kind: 'cjs' | 'mjs') => `
${kind === 'cjs'
  ? "const { GunRelayClient, isGunRelayError } = require('gun-relay-client');\nconst { startLocalRelay } = require('gun-relay-client/testing');"
  : "import { GunRelayClient, isGunRelayError } from 'gun-relay-client';\nimport { startLocalRelay } from 'gun-relay-client/testing';"}
(async () => {
  const relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 500 });
  const client = new GunRelayClient({ baseUrl: relay.url });
  const out = {};
  out.put = (await client.put('abc:1', { n: 1 })).outcome;
  out.get = (await client.get('abc:1')).n;
  out.del = (await client.delete('abc:1')).outcome;
  out.after = await client.get('abc:1');
  try { await client.put('abc:2', []); } catch (e) { out.invalid = isGunRelayError(e) && e.code; }
  client.close();
  await relay.close();
  console.log(JSON.stringify(out));
})();
`;

/** The README's copy line, as a user writes it (no cast). */
const README_COPY = 'const node = await from.get(soul, { resolveLinks: 8 }); if (node) await to.put(soul, node);';

/**
 * Every read's node is writable as it is, strict mode: `get` (with its `null`), `getMany`'s
 * values into `putMany`, `list` entries' `data`, and README's copy line verbatim.
 */
const copyFixture = `import { GunRelayClient, type GetResult, type ListEntry, type PutEntry, type RelayNode } from 'gun-relay-client';
export async function copy(from: GunRelayClient, to: GunRelayClient, soul: string): Promise<void> {
  ${README_COPY}
  await to.put(soul, (await from.get(soul)) ?? {});
  const read: RelayNode = { a: 1, link: { '#': 'a/link' }, nested: { b: null } };
  await to.put(soul, read);
}
export async function copyMany(from: GunRelayClient, to: GunRelayClient, souls: string[]): Promise<number> {
  const found: PutEntry[] = [];
  for await (const o of from.getMany(souls)) {
    if (o.ok && o.value.outcome === 'found') found.push({ soul: o.soul, node: o.value.node });
  }
  let written = 0;
  for await (const o of to.putMany(found)) if (o.ok) written++;
  return written;
}
export async function copyListed(from: GunRelayClient, to: GunRelayClient, publisher: string): Promise<void> {
  const entries: ListEntry[] = await from.list(publisher, { decode: true });
  for (const e of entries) await to.put(e.soul, e.data);
  const r: GetResult = await from.lookup('a:b');
  if (r.outcome === 'found') await to.put(r.soul, r.node);
}
`;

describe('packed tarball', () => {
  before(() => {
    consumer = fs.mkdtempSync(path.join(os.tmpdir(), 'grc-consumer-'));
    // dist/ is fresh (npm test builds first); skip prepack's second build, whose output would
    // also mix into --json.
    const packOut = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', consumer], { cwd: repo, encoding: 'utf8' });
    const tarball = path.join(consumer, (JSON.parse(packOut) as Array<{ filename: string }>)[0]!.filename);
    const target = path.join(consumer, 'node_modules', 'gun-relay-client');
    fs.mkdirSync(target, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
    // The tarball's dependencies (and gun for the testing subpath) come from this repo's install.
    for (const dep of ['axios', 'axios-retry', 'lru-cache', 'eventemitter3', 'zod', 'commander', 'yocto-spinner', 'yoctocolors', 'gun', '@types']) {
      const link = path.join(consumer, 'node_modules', dep);
      if (!fs.existsSync(link)) fs.symlinkSync(path.join(repo, 'node_modules', dep), link);
    }
  });
  after(() => {
    fs.rmSync(consumer, { recursive: true, force: true });
  });

  const packed = (): string => path.join(consumer, 'node_modules', 'gun-relay-client');
  const packedFiles = (): Set<string> =>
    new Set(execFileSync('find', ['.', '-type', 'f'], { cwd: packed(), encoding: 'utf8' }).trim().split('\n').map((f) => f.slice(2)));

  it('ships dist, docs, examples, README and CHANGELOG; no sources, tests or source maps', () => {
    const files = [...packedFiles()].join('\n');
    assert.match(files, /^dist\/index\.cjs$/m);
    assert.match(files, /^dist\/index\.d\.cts$/m);
    assert.match(files, /^README\.md$/m);
    assert.match(files, /^docs\/guarantees\.md$/m);
    assert.match(files, /^examples\/quickstart\.mjs$/m);
    assert.doesNotMatch(files, /^(src|test)\//m);
    assert.doesNotMatch(files, /\.map$/m);
  });

  it("the packed README's links work in the installed package: anchors, absolute URLs, and relative links to files in the tarball", () => {
    const readme = fs.readFileSync(path.join(packed(), 'README.md'), 'utf8');
    const files = packedFiles();
    const prose = readme.replace(/^```[\s\S]*?^```/gm, '');
    const headings = new Set([...prose.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')));
    const links = [...prose.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    let packageLinks = 0;
    for (const link of links) {
      if (link.startsWith('#')) assert.ok(headings.has(link.slice(1)), `no heading for ${link}`);
      else if (/^https:\/\//.test(link)) assert.doesNotMatch(link, /unpkg\.com\/gun-relay-client|npmjs\.com\/package\/gun-relay-client/, `${link} is an unpublished registry page`);
      else {
        packageLinks++;
        assert.ok(files.has(link.split('#')[0]!), `${link} is not in the tarball`);
      }
    }
    assert.ok(packageLinks >= 5, `${packageLinks} links to package files`);
  });

  it("the packed README's quick start runs against the tarball, as an ES module and as CommonJS", () => {
    const blocks = codeBlocks(fs.readFileSync(path.join(packed(), 'README.md'), 'utf8'));
    const esm = blocks.find((b) => b.marker === 'example: examples/quickstart.mjs')!;
    const cjs = blocks.find((b) => b.marker === 'commonjs-of: examples/quickstart.mjs')!;
    const body = esm.code.split('\n').filter((l) => !l.startsWith('import ')).join('\n');
    fs.writeFileSync(path.join(consumer, 'quickstart.mjs'), esm.code);
    fs.writeFileSync(path.join(consumer, 'quickstart.cjs'), `${cjs.code}\n${body}`);
    for (const file of ['quickstart.mjs', 'quickstart.cjs']) {
      const out = execFileSync(process.execPath, [file], { cwd: consumer, encoding: 'utf8', timeout: 60_000 });
      assert.match(out, /title: 'Leg day'/, file);
      assert.match(out, /3 SOUL_REJECTED 500/, file);
      assert.match(out, /4 skipped/, file);
    }
  });

  for (const kind of ['cjs', 'mjs'] as const) {
    it(`a plain .${kind} file uses the client and exits by itself`, () => {
      const file = path.join(consumer, `consumer.${kind}`);
      fs.writeFileSync(file, script(kind));
      const out = execFileSync(process.execPath, [file], { cwd: consumer, encoding: 'utf8', timeout: 30_000 });
      assert.deepEqual(JSON.parse(out.trim().split('\n').pop()!), { put: 'written', get: 1, del: 'deleted', after: null, invalid: 'INVALID_INPUT' });
    });
  }

  it('gun-relay-client/redis loads without ioredis installed (it only uses the caller\'s connection)', () => {
    assert.equal(fs.existsSync(path.join(consumer, 'node_modules', 'ioredis')), false);
    const file = path.join(consumer, 'redis.cjs');
    fs.writeFileSync(file, "const r = require('gun-relay-client/redis'); console.log(typeof r.RedisLedgerStore, typeof r.RedisLeaseStore);");
    assert.equal(execFileSync(process.execPath, [file], { cwd: consumer, encoding: 'utf8', timeout: 30_000 }).trim(), 'function function');
  });

  it('the library entries never load the command line\'s dependencies (commander, yocto-spinner)', () => {
    const file = path.join(consumer, 'entries.cjs');
    const entries = ['gun-relay-client', 'gun-relay-client/legacy', 'gun-relay-client/oip', 'gun-relay-client/redis', 'gun-relay-client/diagnostics', 'gun-relay-client/status', 'gun-relay-client/testing'];
    fs.writeFileSync(
      file,
      `for (const e of ${JSON.stringify(entries)}) require(e);\n` +
        "const cli = Object.keys(require.cache).filter((k) => /node_modules[\\\\/](commander|yocto-spinner|yoctocolors)[\\\\/]/.test(k));\n" +
        'console.log(JSON.stringify({ loaded: Object.keys(require.cache).length, cli }));',
    );
    const out = JSON.parse(execFileSync(process.execPath, [file], { cwd: consumer, encoding: 'utf8', timeout: 30_000 }).trim().split('\n').pop()!) as { loaded: number; cli: string[] };
    assert.ok(out.loaded > entries.length, `the entries loaded their own modules (${out.loaded})`);
    assert.deepEqual(out.cli, []);
  });

  it('npx gun-relay-client runs the packed bin (linked as npm links it), which loads the package by its own name', () => {
    const binDir = path.join(consumer, 'node_modules', '.bin');
    fs.mkdirSync(binDir, { recursive: true });
    fs.symlinkSync('../gun-relay-client/dist/cli/index.js', path.join(binDir, 'gun-relay-client'));
    const version = (JSON.parse(fs.readFileSync(path.join(packed(), 'package.json'), 'utf8')) as { version: string }).version;
    const out = execFileSync('npx', ['--no-install', 'gun-relay-client', '--version'], { cwd: consumer, encoding: 'utf8', timeout: 60_000 });
    assert.equal(out.trim(), version);
    const help = execFileSync('npx', ['--no-install', 'gun-relay-client', 'diagnose', '--help'], { cwd: consumer, encoding: 'utf8', timeout: 60_000 });
    assert.match(help, /record types, comma-separated/);
    assert.ok(packedFiles().has('dist/status/page.html'), 'the status page ships');
  });

  it("README's copy line is the one the type checks below compile", () => {
    assert.ok(fs.readFileSync(path.join(packed(), 'README.md'), 'utf8').includes(README_COPY));
  });
  it('types check from a TypeScript consumer in both module kinds', () => {
    const body = `
      const client = new GunRelayClient({ baseUrl: 'http://127.0.0.1:1', failureThreshold: 3 });
      async function f(): Promise<void> {
        const r = await client.delete('a:b');
        if (r.outcome === 'skipped') { const n: number = r.failures; void n; }
        if (r.outcome === 'deleted') { const k: string[] = r.keys; void k; }
        const off = client.on('stats', (s) => { const x: number = s.quarantinedSouls; void x; });
        off();
      }
      void f;
      // @ts-expect-error unknown option is a type error
      new GunRelayClient({ baseUrl: 'x', nope: 1 });
      const e: unknown = null;
      if (isGunRelayError(e)) { const c: 'SOUL_REJECTED' | string = e.code; void c; }
    `;
    fs.writeFileSync(path.join(consumer, 'a.cts'), `import { GunRelayClient, isGunRelayError } from 'gun-relay-client';\n${body}`);
    fs.writeFileSync(path.join(consumer, 'b.mts'), `import { GunRelayClient, isGunRelayError } from 'gun-relay-client';\n${body}`);
    fs.writeFileSync(path.join(consumer, 'copy.cts'), copyFixture);
    fs.writeFileSync(path.join(consumer, 'copy.mts'), copyFixture);
    fs.writeFileSync(
      path.join(consumer, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, types: ['node'], skipLibCheck: false, lib: ['es2022', 'dom'] }, files: ['a.cts', 'b.mts', 'copy.cts', 'copy.mts'] }),
    );
    execFileSync(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', consumer], { encoding: 'utf8' });
  });
  it('types resolve with --module commonjs (moduleResolution node10): the root and every subpath; a node read is writable as it is', () => {
    const dir = path.join(consumer, 'node10');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'copy.ts'),
      `import { GunHelper } from 'gun-relay-client/legacy';
import { startLocalRelay } from 'gun-relay-client/testing';
import { registryIndexSoul } from 'gun-relay-client/oip';
import { MemoryMonitor } from 'gun-relay-client/diagnostics';
import { RedisLeaseStore } from 'gun-relay-client/redis';
${copyFixture}
export const used = [GunHelper, startLocalRelay, registryIndexSoul, MemoryMonitor, RedisLeaseStore];
`,
    );
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'commonjs', moduleResolution: 'node10', target: 'es2022', strict: true, noEmit: true, types: ['node'], skipLibCheck: true, esModuleInterop: true }, files: ['copy.ts'] }),
    );
    execFileSync(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' });
  });
  it('examples with top-level await run outside the clone, in an `npm init` (CommonJS) app under tsx', () => {
    const app = path.join(consumer, 'app');
    fs.mkdirSync(app, { recursive: true });
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', main: 'index.js', license: 'ISC' }));
    fs.copyFileSync(path.join(repo, 'examples', 'sync-loop.mts'), path.join(app, 'sync-loop.mts'));
    const tsx = path.join(consumer, 'node_modules', 'tsx');
    if (!fs.existsSync(tsx)) fs.symlinkSync(path.join(repo, 'node_modules', 'tsx'), tsx);
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'sync-loop.mts'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    assert.match(out, /cycle 1 ok: 2 requests, 1 misses, one miss/);
  });
});
