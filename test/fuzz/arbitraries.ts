/** fast-check arbitraries for the fuzz properties: careless callers and hostile relays. */
import fc from 'fast-check';
import type { FaultBehaviour } from '../../src/testing/index.js';

/** Strings that may hold lone surrogates and control characters. */
const wideString = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 8 });
const text = fc.oneof(fc.string({ maxLength: 16 }), wideString);

/** A soul: mostly plausible, sometimes anything at all. */
export const soulArb = fc.oneof(
  { weight: 5, arbitrary: text.map((s) => `fz:${s}`) },
  { weight: 1, arbitrary: text },
  { weight: 1, arbitrary: fc.anything() },
);

const keyArb = fc.oneof(
  { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '_', '#', '__proto__', 'constructor', 'prototype', 'a\u0000', '\ud800', 'x\udc00y') },
  { weight: 1, arbitrary: wideString },
);

const leafArb = fc.oneof(
  { weight: 4, arbitrary: text },
  { weight: 3, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
  { weight: 1, arbitrary: fc.oneof(fc.constant(undefined), fc.bigInt(), fc.constant([]), fc.date(), fc.constant(() => 1), fc.constant({})) },
  { weight: 1, arbitrary: soulArb.map((s) => ({ '#': s })) },
);

/** A node: mostly plain objects of GUN values, with every kind of mistake mixed in. */
export const nodeArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.letrec((tie) => ({ node: fc.dictionary(keyArb, fc.oneof({ depthSize: 'small' }, leafArb, tie('node')), { maxKeys: 5 }) })).node },
  { weight: 1, arbitrary: fc.anything() },
);

/** Delete keys: arrays of keys, or anything. */
export const keysArb = fc.oneof({ weight: 5, arbitrary: fc.array(keyArb, { maxLength: 4 }) }, { weight: 1, arbitrary: fc.anything() });

/** Client options: plausible ones with random values, or anything. */
export const optionsArb = fc.oneof(
  fc.record(
    {
      timeoutMs: fc.oneof(fc.integer({ min: -5, max: 60_000 }), fc.anything()),
      maxInFlight: fc.oneof(fc.integer({ min: -1, max: 64 }), fc.anything()),
      maxListEntries: fc.oneof(fc.integer({ min: -1, max: 20_000 }), fc.anything()),
      headers: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), text, { maxKeys: 2 }), fc.anything()),
      retry: fc.oneof(fc.constant(false), fc.record({ retries: fc.integer({ min: -1, max: 12 }) }), fc.anything()),
    },
    { requiredKeys: [] },
  ),
  fc.anything(),
);

const deep = fc.integer({ min: 60, max: 5_000 }).map((n) => '['.repeat(n) + ']'.repeat(n));
const manyEntries = fc.integer({ min: 9_000, max: 30_000 }).map((n) => `{"success":true,"records":[${new Array(n).fill('{}').join(',')}]}`);
const jsonBody = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.record({ success: fc.oneof(fc.constant(true), fc.anything()), data: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), fc.anything()) }).map((o) => JSON.stringify(o) ?? 'null'),
  fc.record({ success: fc.constant(true), records: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 20 }) }).map((o) => JSON.stringify(o)),
  deep.map((d) => `{"success":true,"data":{"a":${d}}}`),
  manyEntries,
  fc.string({ maxLength: 200 }),
);

/** What a hostile relay answers: any status with any body, or a broken connection. */
export const behaviourArb: fc.Arbitrary<FaultBehaviour> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ status: fc.integer({ min: 200, max: 599 }), body: jsonBody, headers: fc.constantFrom<Record<string, string>>({}, { 'Retry-After': '1' }, { 'Retry-After': '3600' }, { 'Content-Type': 'text/html' }) }) },
  { weight: 1, arbitrary: fc.constant<FaultBehaviour>({ reset: 'before-response' }) },
  { weight: 1, arbitrary: fc.constant<FaultBehaviour>({ reset: 'mid-body', status: 200, bodyBytes: 2_048 }) },
  { weight: 1, arbitrary: fc.constant<FaultBehaviour>({ hang: true }) },
  { weight: 1, arbitrary: fc.constant<FaultBehaviour>({ slowBody: { chunks: 4, intervalMs: 30 }, status: 200, body: { success: true, data: { a: 1 } } }) },
);

/** Fuzz settings: a fixed seed and a modest run count in `npm test`; `npm run fuzz` sets FUZZ_RUNS (and FUZZ_SEED). */
export function fuzzSettings(defaultRuns: number): { seed: number; numRuns: number } {
  const runs = Number(process.env['FUZZ_RUNS'] ?? '');
  const seed = Number(process.env['FUZZ_SEED'] ?? '');
  return { seed: Number.isInteger(seed) && process.env['FUZZ_SEED'] ? seed : 20261202, numRuns: Number.isInteger(runs) && runs > 0 ? runs : defaultRuns };
}
