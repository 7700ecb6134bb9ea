/**
 * README.md and docs/*.md stay true to the repository: every relative link resolves to a file,
 * every `#anchor` to a heading, every test file a guarantee names exists, and every error code the
 * fault table names is a real code.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ERROR_CODES } from '../src/errors.js';

const repo = path.resolve(import.meta.dirname, '..');
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
  for (const page of pages) {
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
