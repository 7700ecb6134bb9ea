/**
 * Issue 10, bounded cost per response: parses and checks hostile 8 MiB bodies (the list of
 * ~2.8 M `{}` entries, a million keys, deep nesting, arrays of arrays…) with the SDK's response
 * readers and prints, per shape, the time the event loop was blocked (ms per MiB) and the heap
 * grown during the call (bytes per byte of body, GC'd before; garbage included).
 * Run: `node --expose-gc --import tsx test/bench/response-cost.ts [shape-name-part]`.
 */
import { readListResponse, readGetResponse } from '../../src/protocol/responses.js';
const MiB = 1048576;
function fill(prefix: string, unit: (i: number) => string, suffix: string, bytes = 8 * MiB - 64): string {
  const parts: string[] = []; let len = prefix.length + suffix.length;
  for (let i = 0; len < bytes; i++) { const u = (i ? ',' : '') + unit(i); if (len + u.length > bytes) break; parts.push(u); len += u.length; }
  return prefix + parts.join('') + suffix;
}
const shapes: Record<string, () => [string, (t: string) => unknown]> = {
  'list 2.8M {}': () => [fill('{"success":true,"records":[', () => '{}', ']}'), (t) => readListResponse(200, t)],
  'list 10k entries, many keys': () => { const per = Math.floor((8 * MiB) / 10000); const keys = Math.floor(per / 9); const d = '{' + Array.from({ length: keys }, (_, k) => `"k${k}":1`).join(',') + '}'; return [`{"success":true,"records":[` + Array.from({ length: 10000 }, (_, i) => `{"soul":"s:${i}","data":${d}}`).join(',') + ']}', (t) => readListResponse(200, t)]; },
  'list 10k ok + last bad': () => [`{"success":true,"records":[` + Array.from({ length: 9999 }, (_, i) => `{"soul":"s:${i}","data":{"a":"${'x'.repeat(800)}"}}`).join(',') + ',{}]}', (t) => readListResponse(200, t)],
  'get 1M keys': () => [fill('{"success":true,"data":{', (i) => `"k${i}":1`, '}}'), (t) => readGetResponse('s', 'get', 200, t)],
  'get arrays of 9999 numbers': () => { const arr = '[' + Array(9999).fill('1').join(',') + ']'; return [fill('{"success":true,"data":{"a":[', () => arr, ']}}'), (t) => readGetResponse('s', 'get', 200, t)]; },
  'get nested 2-level arrays': () => { const arr = '[' + Array(9999).fill('[]').join(',') + ']'; return [fill('{"success":true,"data":{"a":[', () => arr, ']}}'), (t) => readGetResponse('s', 'get', 200, t)]; },
  'get objects of 9999 keys': () => { const o = '{' + Array.from({ length: 9999 }, (_, k) => `"k${k}":1`).join(',') + '}'; return [fill('{"success":true,"data":{"a":[', () => o, ']}}'), (t) => readGetResponse('s', 'get', 200, t)]; },
  'get one 8 MiB string': () => [`{"success":true,"data":{"a":"${'x'.repeat(8 * MiB - 64)}"}}`, (t) => readGetResponse('s', 'get', 200, t)],
  'get deep nesting': () => [`{"success":true,"data":` + '['.repeat(4 * MiB) + ']'.repeat(4 * MiB) + '}', (t) => readGetResponse('s', 'get', 200, t)],
  'get __proto__ keys 8 MiB': () => [fill('{"success":true,"data":{', (i) => `"k${i}":{"__proto__":1}`, '}}'), (t) => readGetResponse('s', 'get', 200, t)],
};
const only = process.argv[2];
for (const [name, make] of Object.entries(shapes)) {
  if (only && !name.includes(only)) continue;
  const [text, fn] = make();
  (globalThis as { gc?: () => void }).gc?.();
  const h0 = process.memoryUsage().heapUsed;
  const t = performance.now(); let outcome = 'ok'; let result: unknown;
  try { result = fn(text); } catch (e) { outcome = (e as Error).message.slice(0, 70); }
  const ms = performance.now() - t;
  const heap = process.memoryUsage().heapUsed - h0;
  const mib = text.length / MiB;
  console.log(`${name.padEnd(30)} ${mib.toFixed(2)} MiB  ${ms.toFixed(0)} ms  ${(ms / mib).toFixed(1)} ms/MiB  heap+${(heap / MiB).toFixed(0)} MiB (${(heap / text.length).toFixed(1)} B/B)  ${outcome}`);
  result = undefined;
}
