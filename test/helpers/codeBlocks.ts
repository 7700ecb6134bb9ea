/**
 * The fenced code blocks of a Markdown page, with the marker comment that says how each one is
 * checked. A JavaScript or TypeScript block in README.md must carry one of:
 *
 * - `<!-- example: examples/file.mjs -->`: the block is that file, byte for byte (trimmed), and
 *   test/examples.test.ts runs the file. `examples/file.ts#L1-L2` compares lines 1–2 only.
 * - `<!-- commonjs-of: examples/file.mjs -->`: the block's `require` lines replace the file's
 *   `import` lines, and the result runs as CommonJS (test/examples.test.ts).
 * - `<!-- run -->`: the block runs as written (`.mjs` under node, `.ts` under tsx), from the
 *   repository root, and must exit 0 by itself (test/examples.test.ts).
 * - `<!-- fragment -->`: a snippet that does not claim to run on its own (it uses a `client` or
 *   `logger` from around it); not run.
 */
export interface CodeBlock {
  /** The fence's language (`ts`, `js`, `sh`, ...). */
  lang: string;
  /** The marker comment just above the fence (`example: examples/x.mjs`, `run`, ...), if any. */
  marker: string | undefined;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** Languages whose blocks must say how they are checked. */
export const CHECKED_LANGS = new Set(['js', 'javascript', 'mjs', 'cjs', 'ts', 'typescript']);

/** Every fenced block of `markdown`, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
    let j = start - 1;
    while (j >= 0 && lines[j]!.trim() === '') j--;
    const marker = j >= 0 ? /^<!--\s*(.+?)\s*-->$/.exec(lines[j]!.trim())?.[1] : undefined;
    blocks.push({ lang: open[1] ?? '', marker, code: body.join('\n'), line: start + 1 });
  }
  return blocks;
}

/** `example: <path>[#La-Lb]` → the path and the 1-based line range, if the marker is one. */
export function exampleRef(marker: string | undefined): { file: string; from?: number; to?: number } | undefined {
  const m = /^example:\s*(\S+?)(?:#L(\d+)-L(\d+))?$/.exec(marker ?? '');
  if (!m) return undefined;
  return m[2] === undefined ? { file: m[1]! } : { file: m[1]!, from: Number(m[2]), to: Number(m[3]) };
}
