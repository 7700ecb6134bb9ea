/**
 * README.md and docs/*.md stay true to the repository: every relative link resolves to a file,
 * every `#anchor` to a heading, every test file a guarantee names exists, and every error code the
 * fault table names is a real code. README's links are anchors, absolute
 * URLs never to a registry page of this package; files it ships are linked relatively), and every
 * JavaScript/TypeScript block in it says how it is checked (see test/helpers/codeBlocks.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ERROR_CODES } from '../src/errors.js';
import { CHECKED_LANGS, codeBlocks, exampleRef } from './helpers/codeBlocks.js';

const repo = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string; files: string[] };
const read = (file: string): string => fs.readFileSync(path.join(repo, file), 'utf8');
const pages = ['README.md', ...fs.readdirSync(path.join(repo, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** Markdown without its fenced code blocks (links and headings inside code do not count). */
const prose = (md: string): string => md.replace(/^```[\s\S]*?^```/gm, '');

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

const anchorsOf = (md: string): Set<string> =>
  new Set([...prose(md).matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1]!)));

/** Every `[text](target)` link outside code. */
const linksOf = (md: string): string[] => [...prose(md).matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]!);

describe('docs', () => {
  for (const page of pages.filter((p) => p !== 'README.md')) {
    it(`${page}: every relative link resolves to a file and every anchor to a heading`, () => {
      const md = read(page);
      for (const link of linksOf(md)) {
        if (/^https?:\/\//.test(link)) continue;
        const [file, anchor] = link.split('#') as [string, string | undefined];
        const target = file === '' ? page : path.posix.join(path.posix.dirname(page), file);
        assert.ok(fs.existsSync(path.join(repo, target)), `${page}: ${link} -> ${target} does not exist`);
        if (anchor !== undefined && target.endsWith('.md')) {
          assert.ok(anchorsOf(read(target)).has(anchor), `${page}: ${link}: no heading #${anchor} in ${target}`);
        }
      }
    });
  }

  it('README.md: links are anchors, absolute URLs, or relative links to files the package ships (they work in a clone and in the installed package)', () => {
    const readme = read('README.md');
    const anchors = anchorsOf(readme);
    const links = linksOf(readme);
    assert.ok(links.length > 10);
    for (const link of links) {
      if (link.startsWith('#')) {
        assert.ok(anchors.has(link.slice(1)), `README.md: no heading for ${link}`);
      } else if (/^https?:\/\//.test(link)) {
        assert.doesNotMatch(link, /unpkg\.com\/gun-relay-client|npmjs\.com\/package\/gun-relay-client/, `README.md: ${link} is a registry page of this package: link the file relatively`);
      } else {
        const [file, anchor] = link.split('#') as [string, string | undefined];
        assert.ok(fs.existsSync(path.join(repo, file)), `README.md: ${link}: ${file} does not exist`);
        assert.ok(pkg.files.some((f) => file === f || file.startsWith(`${f}/`)), `README.md: ${file} is not in package.json "files"`);
        if (anchor !== undefined && file.endsWith('.md')) assert.ok(anchorsOf(read(file)).has(anchor), `README.md: ${link}: no heading #${anchor} in ${file}`);
      }
    }
  });

  it('README.md: every JavaScript/TypeScript block is an example file, its CommonJS form, a block that runs, or a marked fragment', () => {
    const examplesTest = read('test/examples.test.ts');
    for (const block of codeBlocks(read('README.md'))) {
      if (!CHECKED_LANGS.has(block.lang)) continue;
      const where = `README.md line ${block.line}`;
      const ref = exampleRef(block.marker);
      if (ref) {
        const lines = read(ref.file).split('\n');
        const expected = ref.from === undefined ? lines.join('\n') : lines.slice(ref.from - 1, ref.to).join('\n');
        assert.equal(block.code.trim(), expected.trim(), `${where} differs from ${ref.file}`);
        assert.ok(examplesTest.includes(path.basename(ref.file)), `${where}: ${ref.file} is not run by test/examples.test.ts`);
        continue;
      }
      const ok = block.marker === 'run' || block.marker === 'fragment' || /^commonjs-of: examples\/\S+$/.test(block.marker ?? '');
      assert.ok(ok, `${where}: mark the block <!-- example: examples/... -->, <!-- commonjs-of: ... -->, <!-- run --> or <!-- fragment --> (found ${block.marker ?? 'no marker'})`);
    }
  });

  it('docs cite no source file the package does not ship, and say where the test files they name are', () => {
    for (const page of pages) {
      const md = read(page);
      assert.doesNotMatch(md, /`src\//, `${page} cites a source file; the package ships dist/, not src/`);
      if (/`test\//.test(md)) assert.match(md, /source repository/, `${page} names test files without saying they are in the source repository`);
    }
  });

  it('docs/guarantees.md: every test file named exists', () => {
    const named = new Set([...read('docs/guarantees.md').matchAll(/`(test\/[\w./-]+\.ts)`/g)].map((m) => m[1]!));
    assert.ok(named.size >= 10, `only ${named.size} test files named`);
    for (const file of named) assert.ok(fs.existsSync(path.join(repo, file)), `${file} does not exist`);
  });

  it('docs/guarantees.md: the fault table names only real error codes', () => {
    const table = read('docs/guarantees.md').split('## Fault table')[1]!;
    const codes = [...table.matchAll(/`([A-Z_]{4,})`/g)].map((m) => m[1]!);
    assert.ok(codes.length >= 10);
    for (const code of codes) assert.ok((ERROR_CODES as readonly string[]).includes(code), `${code} is not an error code`);
  });
});
