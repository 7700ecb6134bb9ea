/** Failure-path cost: each failure is classified once (one GunRelayError), and a large error body's reason is sniffed, not parsed. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AxiosTransport } from '../src/index.js';
import { relayReason } from '../src/protocol/relayReason.js';
import { startFaultServer, type FaultServer } from '../src/testing/index.js';

describe('failure path', () => {
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer({ status: 500, bodyBytes: 64 * 1024 });
  });
  after(async () => {
    await server.close();
  });

  it('a refused request is classified once, though the retry policy was asked about it', async () => {
    let classified = 0;
    let asked = 0;
    const t = new AxiosTransport({ maxSockets: 1, maxContentLength: 1 << 20, maxBodyLength: 1 << 20, inspectBody: () => void classified++ });
    const seen: unknown[] = [];
    const retry = {
      retries: 2,
      shouldRetry: (failure: unknown) => {
        asked++;
        seen.push(failure);
        return false;
      },
      beforeRetry: async () => undefined,
    };
    const error = await t.send({ baseUrl: server.url, method: 'POST', path: '/put', body: '{"soul":"s","data":{"a":1}}', timeoutMs: 5_000, op: 'put', soul: 's', retry }).catch((e: unknown) => e);
    t.close();
    assert.equal(asked, 1);
    assert.equal(classified, 1, 'one classification per failure');
    assert.equal(seen[0], error, 'the error thrown is the one the policy saw');
    assert.equal((error as { code: string }).code, 'SOUL_REJECTED');
  });

  it('a refused answer is metered whole (the head kept and the bytes dropped) and its error holds no response, config or request', async () => {
    const metered: Array<[number, number]> = [];
    const t = new AxiosTransport({ maxSockets: 1, maxContentLength: 1 << 20, maxBodyLength: 1 << 20 });
    const body = '{"soul":"s","data":{"a":1}}';
    const error = await t
      .send({ baseUrl: server.url, method: 'POST', path: '/put', body, timeoutMs: 5_000, op: 'put', soul: 's', meter: (out, got) => void metered.push([out, got]) })
      .catch((e: unknown) => e);
    t.close();
    const answered = await fetch(`${server.url}/put`, { method: 'POST', body }).then(async (r) => (await r.arrayBuffer()).byteLength);
    assert.ok(answered >= 64 * 1024);
    assert.deepEqual(metered, [[body.length, answered]], 'one tally: the bytes sent and every byte of the refused answer');
    assert.equal((error as { code: string }).code, 'SOUL_REJECTED');
    assert.equal((error as { status: number }).status, 500);
    const held = Object.values(error as object).filter((v) => typeof v === 'object' && v !== null);
    assert.deepEqual(held, [], 'only strings and numbers: no response, config or request');
  });

  it('a transport closed during the backoff before a retry sends no retry: the exchange fails CLIENT_CLOSED', async () => {
    const relay = await startFaultServer({ status: 503, body: { error: 'busy' } });
    const t = new AxiosTransport({ maxSockets: 1, maxContentLength: 1 << 20, maxBodyLength: 1 << 20 });
    let backoffStarted!: () => void;
    const started = new Promise<void>((r) => (backoffStarted = r));
    let endBackoff!: () => void;
    const retry = {
      retries: 3,
      shouldRetry: () => true,
      beforeRetry: () => {
        backoffStarted();
        return new Promise<void>((r) => (endBackoff = r));
      },
    };
    const sent = t.send({ baseUrl: relay.url, method: 'GET', path: '/get', params: { soul: 's' }, timeoutMs: 5_000, op: 'get', soul: 's', retry }).catch((e: unknown) => e);
    await started;
    t.close();
    endBackoff();
    const error = await sent;
    await relay.close();
    assert.equal((error as { code: string }).code, 'CLIENT_CLOSED');
    assert.equal(relay.requestCount, 1, 'the retry was not sent');
  });

  it('a refusal larger than the head kept is classified from its head, also when its characters are multibyte', async () => {
    // 20,000 three-byte characters: the 16 KiB head decodes to fewer than 16,384 characters and is not whole JSON.
    const message = `Invalid data: ${'語'.repeat(20_000)}`;
    const relay = await startFaultServer({ status: 500, body: { error: message } });
    const t = new AxiosTransport({ maxSockets: 1, maxContentLength: 1 << 20, maxBodyLength: 1 << 20 });
    const error = await t.send({ baseUrl: relay.url, method: 'POST', path: '/put', body: '{"soul":"s","data":{"a":1}}', timeoutMs: 5_000, op: 'put', soul: 's' }).catch((e: unknown) => e);
    t.close();
    await relay.close();
    assert.equal((error as { code: string }).code, 'SOUL_REJECTED', 'a GUN message about the data, however long');
    assert.match((error as Error).message, /^put: relay answered 500: "Invalid data: 語+…"$/);
    assert.equal((error as { bodyExcerpt: string }).bodyExcerpt, JSON.stringify({ error: message }).slice(0, 512));
  });

  it('a refusal of exactly 16 KiB, all of it held, is parsed whole: its error field need not come first', async () => {
    const base = Buffer.byteLength(JSON.stringify({ success: false, error: `Invalid data: ${'語'.repeat(5_000)}` }));
    const error = `Invalid data: ${'語'.repeat(5_000)}${'x'.repeat(16 * 1024 - base)}`;
    assert.equal(Buffer.byteLength(JSON.stringify({ success: false, error })), 16 * 1024);
    const relay = await startFaultServer({ status: 500, body: { success: false, error } });
    const t = new AxiosTransport({ maxSockets: 1, maxContentLength: 1 << 20, maxBodyLength: 1 << 20 });
    const failure = await t.send({ baseUrl: relay.url, method: 'POST', path: '/put', body: '{"soul":"s","data":{"a":1}}', timeoutMs: 5_000, op: 'put', soul: 's' }).catch((e: unknown) => e);
    t.close();
    await relay.close();
    assert.equal((failure as { code: string }).code, 'SOUL_REJECTED', 'a whole answer whose error is a string is about the data');
  });

  it('the reason of a 64 KiB GUN message is read from its head', () => {
    const big = `{"error":"Invalid data: Array at s.tags ${'x'.repeat(64 * 1024)}"}`;
    assert.match(relayReason(big) ?? '', /^"Invalid data: Array at s\.tags x+…"$/);
    assert.equal(relayReason(`<html><body>${'<p>bad gateway</p>'.repeat(1_000)}</body></html>`)?.startsWith('"bad gateway bad gateway'), true);
  });
});
