/**
 * One row per fault, against a real loopback server: the typed outcome or error code, whether the
 * soul's failure count moved, how many requests were sent, and that the call settled exactly once.
 * The fault table in docs/guarantees.md is this table.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient } from '../src/index.js';
import { startFaultServer, type FaultBehaviour, type FaultServer } from '../src/testing/index.js';

type Op = 'put' | 'get' | 'delete';
interface Row {
  fault: string;
  op: Op;
  behaviour: FaultBehaviour | 'refused';
  expect: string; // an outcome (`written`, `deleted`, `absent`, `null`, `found`) or an error code
  counted: boolean;
  requests: number;
  /** `retry` events emitted (retries: 1 in this matrix). */
  retried: number;
}

const GUN = { error: 'Data at root of graph must be a node (an object).' };
const rows: Row[] = [
  { fault: '500 with a GUN message', op: 'put', behaviour: { status: 500, body: GUN }, expect: 'SOUL_REJECTED', counted: true, requests: 1, retried: 0 },
  { fault: '500 with a GUN message (delete)', op: 'delete', behaviour: { status: 500, body: GUN }, expect: 'SOUL_REJECTED', counted: true, requests: 1, retried: 0 },
  { fault: '500 whose error is an object', op: 'put', behaviour: { status: 500, body: { error: { errno: -2, code: 'ENOENT', syscall: 'rename' } } }, expect: 'RELAY_ERROR', counted: false, requests: 2, retried: 1 },
  { fault: '400', op: 'put', behaviour: { status: 400, body: { error: 'Invalid JSON' } }, expect: 'SOUL_REJECTED', counted: true, requests: 1, retried: 0 },
  { fault: '404 on get', op: 'get', behaviour: { status: 404, body: { error: 'Not found' } }, expect: 'null', counted: false, requests: 1, retried: 0 },
  { fault: '404 on delete', op: 'delete', behaviour: { status: 404, body: { error: 'Not found' } }, expect: 'absent', counted: false, requests: 1, retried: 0 },
  { fault: '404 Endpoint not found (bad baseUrl)', op: 'put', behaviour: { status: 404, body: { error: 'Endpoint not found' } }, expect: 'BAD_RESPONSE', counted: false, requests: 1, retried: 0 },
  { fault: '429 with Retry-After', op: 'put', behaviour: { status: 429, headers: { 'retry-after': '3' } }, expect: 'RATE_LIMITED', counted: false, requests: 2, retried: 1 },
  { fault: '503 with Retry-After', op: 'put', behaviour: { status: 503, headers: { 'retry-after': '3' } }, expect: 'RELAY_ERROR', counted: false, requests: 2, retried: 1 },
  { fault: '502', op: 'delete', behaviour: { status: 502 }, expect: 'RELAY_ERROR', counted: false, requests: 2, retried: 1 },
  { fault: '504', op: 'get', behaviour: { status: 504 }, expect: 'RELAY_ERROR', counted: false, requests: 2, retried: 1 },
  { fault: 'connection refused', op: 'put', behaviour: 'refused', expect: 'CONNECTION_REFUSED', counted: false, requests: 0, retried: 1 },
  { fault: 'reset before the response', op: 'put', behaviour: { reset: 'before-response' }, expect: 'CONNECTION_RESET', counted: false, requests: 2, retried: 1 },
  { fault: 'reset mid-body', op: 'get', behaviour: { reset: 'mid-body', status: 200, bodyBytes: 32 * 1024 }, expect: 'CONNECTION_RESET', counted: false, requests: 2, retried: 1 },
  { fault: 'hang', op: 'put', behaviour: { hang: true }, expect: 'TIMEOUT', counted: false, requests: 1, retried: 0 },
  { fault: 'slow body, slower than the timeout', op: 'get', behaviour: { slowBody: { chunks: 10, intervalMs: 100 }, status: 200, body: { success: true, data: { a: 1 } } }, expect: 'TIMEOUT', counted: false, requests: 1, retried: 0 },
  { fault: 'slow body, within the timeout', op: 'get', behaviour: { slowBody: { chunks: 3, intervalMs: 20 }, status: 200, body: { success: true, data: { a: 1 } } }, expect: 'found', counted: false, requests: 1, retried: 0 },
  { fault: 'malformed JSON', op: 'put', behaviour: { status: 200, body: '{"success":tru' }, expect: 'BAD_RESPONSE', counted: false, requests: 1, retried: 0 },
  { fault: '200 with success: false', op: 'put', behaviour: { status: 200, body: { success: false } }, expect: 'BAD_RESPONSE', counted: false, requests: 1, retried: 0 },
  { fault: '200 with an unexpected shape', op: 'get', behaviour: { status: 200, body: { success: true, data: 'not a node' } }, expect: 'BAD_RESPONSE', counted: false, requests: 1, retried: 0 },
  { fault: 'body larger than maxContentLength', op: 'get', behaviour: { status: 200, bodyBytes: 256 * 1024 }, expect: 'RESPONSE_TOO_LARGE', counted: false, requests: 1, retried: 0 },
];

describe('fault matrix', () => {
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer();
  });
  after(async () => {
    await server.close();
  });

  for (const row of rows) {
    it(`${row.fault} (${row.op}) → ${row.expect}, ${row.counted ? 'counted' : 'not counted'} against the soul`, async () => {
      server.reset();
      if (row.behaviour === 'refused') await server.refuse();
      else server.setDefault(row.behaviour);
      const client = new GunRelayClient({
        baseUrl: server.url,
        retry: { retries: 1, baseDelayMs: 0, maxRetryAfterMs: 0 },
        breaker: false,
        timeouts: { put: 400, get: 400, delete: 400 },
        maxContentLength: 64 * 1024,
        // The matrix reads each answer alone: count every soul-level refusal (attribution, which
        // also asks that the relay answered another soul recently, is tested in relay-profiles).
        attributionWindowMs: 0,
      });
      let settles = 0;
      let retries = 0;
      client.on('settle', () => settles++);
      client.on('retry', () => retries++);
      const soul = `matrix:${row.op}`;
      const call =
        row.op === 'put' ? client.put(soul, { a: 1 }) : row.op === 'get' ? client.get(soul) : client.delete(soul);
      let got: string;
      try {
        const value = await call;
        got = value === null ? 'null' : typeof value === 'object' && 'outcome' in value ? String(value.outcome) : 'found';
      } catch (e) {
        got = (e as { code: string }).code;
      }
      if (row.behaviour === 'refused') await server.accept();
      assert.equal(got, row.expect);
      assert.equal(settles, 1, 'settled exactly once');
      assert.equal(client.stats().trackedSouls, row.counted ? 1 : 0, 'failure count moved?');
      assert.equal(server.requestCount, row.requests, 'requests sent');
      assert.equal(retries, row.retried, 'retries');
      client.close();
    });
  }
});

export { rows as faultRows };
