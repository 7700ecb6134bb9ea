import type { GunNode } from './GunHost.js';

/** How the relay sees a soul on `GET /get`. */
export type NodeView =
  | { state: 'live'; data: Record<string, unknown> }
  | { state: 'tombstoned' }
  | { state: 'missing' };

/** The relay's view of a gun node: `_` removed, tombstones dropped, `data`/`oip` JSON parsed. */
export function present(node: GunNode | undefined): NodeView {
  if (node === undefined) return { state: 'missing' };
  const data: Record<string, unknown> = {};
  let live = 0;
  for (const [key, value] of Object.entries(node)) {
    if (key === '_' || value === null) continue;
    live++;
    data[key] = (key === 'data' || key === 'oip') && typeof value === 'string' ? parseOrKeep(value) : value;
  }
  return live > 0 ? { state: 'live', data } : { state: 'tombstoned' };
}

function parseOrKeep(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
