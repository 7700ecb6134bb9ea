import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLocalRelay, startLocalRelays, startOipProxy, type LocalRelay, type OipProxy } from '../src/testing/index.js';

interface Answer {
  status: number;
  text: string;
  json: unknown;
}

async function call(url: string, init?: { method?: string; body?: unknown; raw?: string; type?: string }): Promise<Answer> {
  const body = init?.raw ?? (init?.body === undefined ? undefined : JSON.stringify(init.body));
  const res = await fetch(url, {
    method: init?.method ?? (body === undefined ? 'GET' : 'POST'),
    ...(body === undefined ? {} : { body, headers: { 'content-type': init?.type ?? 'application/json' } }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

describe('startOipProxy: the indexer /gun-relay routes, answer by answer', () => {
  let relay: LocalRelay;
  let proxy: OipProxy;

  before(async () => {
    relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 200 });
    proxy = await startOipProxy({ target: relay.url, getTimeoutMs: 1_000, putTimeoutMs: 1_000 });
  });
  after(async () => {
    await proxy.close();
    await relay.close();
  });

  it('GET of an existing soul: the relay bytes, 200', async () => {
    const put = await call(`${proxy.url}/put`, { body: { soul: 'oip:p:1', data: { a: 1 } } });
    assert.equal(put.status, 200);
    assert.deepEqual(put.json, { success: true, soul: 'oip:p:1' });
    const got = await call(`${proxy.url}/get?soul=oip%3Ap%3A1`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.json, { success: true, data: { a: 1 } });
  });

  it('GET of a missing soul: 500 with the HTTP client message for 404', async () => {
    const got = await call(`${proxy.url}/get?soul=never-written`);
    assert.equal(got.status, 500);
    assert.deepEqual(got.json, { error: 'Request failed with status code 404', success: false });
  });

  it('GET when the relay answers 503: 500 "status code 503"', async () => {
    const off = relay.fault('oip:p:5xx', { status: 503, path: '/get' });
    const got = await call(`${proxy.url}/get?soul=oip:p:5xx`);
    off();
    assert.equal(got.status, 500);
    assert.deepEqual(got.json, { error: 'Request failed with status code 503', success: false });
  });

  it('GET when the relay hangs: 500 "timeout of …ms exceeded" after the get timeout', async () => {
    const off = relay.fault('oip:p:hang', { hang: true, path: '/get' });
    const got = await call(`${proxy.url}/get?soul=oip:p:hang`);
    off();
    assert.equal(got.status, 500);
    assert.deepEqual(got.json, { error: 'timeout of 1000ms exceeded', success: false });
  });

  it('GET without soul: 400; PUT without soul or data: 400', async () => {
    assert.deepEqual(await call(`${proxy.url}/get`), { status: 400, text: '{"error":"soul parameter required"}', json: { error: 'soul parameter required' } });
    const noData = await call(`${proxy.url}/put`, { body: { soul: 's' } });
    assert.equal(noData.status, 400);
    assert.deepEqual(noData.json, { error: 'soul and data required' });
    const nullData = await call(`${proxy.url}/put`, { body: { soul: 's', data: null } });
    assert.equal(nullData.status, 400, 'a null root is stopped by the proxy, before the relay');
  });

  it('PUT refused by GUN: 500 "status code 500", GUN message lost', async () => {
    const put = await call(`${proxy.url}/put`, { body: { soul: 'oip:p:arr', data: { list: [1, 2] } } });
    assert.equal(put.status, 500);
    assert.deepEqual(put.json, { error: 'Request failed with status code 500', success: false });
    assert.ok(!put.text.includes('Array'), 'the relay message does not come through');
  });

  it('PUT keeps the relay status (a 502 stays 502), with the HTTP client message', async () => {
    const off = relay.fault('oip:p:502', { status: 502, path: '/put' });
    const put = await call(`${proxy.url}/put`, { body: { soul: 'oip:p:502', data: { a: 1 } } });
    off();
    assert.equal(put.status, 502);
    assert.deepEqual(put.json, { error: 'Request failed with status code 502', success: false });
  });

  it('PUT that the relay never answers: 500 after the put timeout', async () => {
    const put = await call(`${proxy.url}/put`, { body: { soul: 'oip:p:empty', data: {} } });
    assert.equal(put.status, 500);
    assert.deepEqual(put.json, { error: 'timeout of 1000ms exceeded', success: false });
  });

  it('maintenance mode: 503 for get and put, switchable', async () => {
    proxy.setDisabled(true);
    try {
      for (const answer of [await call(`${proxy.url}/get?soul=a`), await call(`${proxy.url}/put`, { body: { soul: 'a', data: { b: 1 } } })]) {
        assert.equal(answer.status, 503);
        assert.deepEqual(answer.json, { error: 'GUN relay proxy disabled for maintenance', success: false });
      }
    } finally {
      proxy.setDisabled(false);
    }
    assert.equal((await call(`${proxy.url}/get?soul=oip:p:1`)).status, 200);
  });

  it('no /peers/status: the framework 404 page, not JSON', async () => {
    const answer = await call(`${proxy.url}/peers/status`);
    assert.equal(answer.status, 404);
    assert.equal(answer.json, undefined);
  });

  it('a body over the limit is 413 before the relay sees it', async () => {
    const small = await startOipProxy({ target: relay.url, maxBodyBytes: 1024 });
    try {
      relay.resetCounters();
      const answer = await call(`${small.url}/put`, { body: { soul: 'big', data: { v: 'x'.repeat(2048) } } });
      assert.equal(answer.status, 413);
      assert.equal(relay.requestCount, 0);
    } finally {
      await small.close();
    }
  });

  it('records what it saw', async () => {
    proxy.resetCounters();
    await call(`${proxy.url}/get?soul=oip:p:1`);
    assert.equal(proxy.requestCount, 1);
    assert.deepEqual(proxy.requestsByPath, { '/gun-relay/get': 1 });
    assert.deepEqual(proxy.log, [{ method: 'GET', path: '/gun-relay/get', soul: 'oip:p:1', status: 200 }]);
  });
});

describe('startOipProxy: relay down', () => {
  it('refused connections come back as 500 with the connect message', async () => {
    const relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 200 });
    const proxy = await startOipProxy({ target: relay.url });
    try {
      await relay.stopListening();
      const got = await call(`${proxy.url}/get?soul=a`);
      assert.equal(got.status, 500);
      assert.match((got.json as { error: string }).error, /^connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
      const put = await call(`${proxy.url}/put`, { body: { soul: 'a', data: { b: 1 } } });
      assert.equal(put.status, 500);
      assert.match((put.json as { error: string }).error, /ECONNREFUSED/);
    } finally {
      await proxy.close();
      await relay.close();
    }
  });
});

describe('startLocalRelays: separate stores', () => {
  it('a write to one relay is not visible on the other', async () => {
    const group = await startLocalRelays(2, { putDelayMs: 0, missWaitMs: 100 });
    try {
      assert.equal(group.urls.length, 2);
      assert.notEqual(group.urls[0], group.urls[1]);
      const put = await call(`${group.urls[0]}/put`, { body: { soul: 'sep:1', data: { a: 1 } } });
      assert.equal(put.status, 200);
      assert.equal((await call(`${group.urls[0]}/get?soul=sep:1`)).status, 200);
      assert.equal((await call(`${group.urls[1]}/get?soul=sep:1`)).status, 404);
    } finally {
      await group.close();
    }
  });
});
