/**
 * Compact snapshots parsed as they stream: the body parser at every chunk boundary, malformed
 * answers, the monotone merge of short reads and misses, and a streamed read that breaks off.
 * Real loopback servers, no mocks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient, isGunRelayError } from '../src/index.js';
import { IndexSnapshot } from '../src/oip/index.js';
import { GetBodyParser, type RawField } from '../src/oip/snapshot/GetBodyParser.js';
import { startFaultServer, type FaultBehaviour, type FaultServer } from '../src/testing/index.js';

const SOUL = 'oip:registry:index:demo';
const link = (key: string) => ({ '#': `${SOUL}/${key}` });

/** A body with every kind of field and awkward bytes: escapes, unicode, nesting, whitespace. */
const BODY = `{ "success" : true , "data" : { "k1" : {"#":"${SOUL}/k1"},"gone":null,"flag":true,"off":false,"n":-12.5e3,` +
  `"s":"a \\"quoted\\" \\\\ string, with } and ]","caf\\u00e9":"ü€","nested":{"a":[1,{"b":"}"}],"c":{}},"arr":[[],[{}]], "x\\"y":1 } }`;

function collect(chunks: Uint8Array[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const parser = new GetBodyParser({ field: (f: RawField) => void (out[f.key()] = JSON.parse(f.valueJson())) }, { op: 'get', soul: SOUL });
  parser.start();
  for (const c of chunks) parser.write(c);
  parser.end();
  return out;
}

const isBad = (e: unknown) => isGunRelayError(e) && e.code === 'BAD_RESPONSE';

describe('GetBodyParser', () => {
  const bytes = Buffer.from(BODY, 'utf8');
  const expected = (JSON.parse(BODY) as { data: Record<string, unknown> }).data;

  it('hands over each field of data whatever the chunk boundaries', () => {
    assert.deepEqual(collect([bytes]), expected);
    for (let i = 1; i < bytes.length; i++) assert.deepEqual(collect([bytes.subarray(0, i), bytes.subarray(i)]), expected, `split at ${i}`);
    assert.deepEqual(collect([...bytes].map((b) => Uint8Array.of(b))), expected, 'one byte at a time');
  });

  it('a body that ends early, at any byte, is BAD_RESPONSE, never a shorter node', () => {
    for (let i = 0; i < bytes.length - 1; i++) {
      if (bytes.subarray(i + 1).toString().trim() === '') continue;
      assert.throws(() => collect([bytes.subarray(0, i + 1)]), isBad, `cut after ${i + 1} bytes`);
    }
  });

  it('an answer other than {"success":true,"data":{…}} is BAD_RESPONSE', () => {
    const bad = [
      '{"success":false,"data":{"a":1}}',
      '{"data":{"a":1}}',
      '{"success":true}',
      '{"success":true,"data":[1]}',
      '[{"success":true}]',
      '{"success":true,"data":{"a":1}} x',
      '{"success":true,"data":{"a":1,}}',
      '{"success":true,"data":{"a" 1}}',
      `{"success":true,"data":{"a":${'['.repeat(70)}${']'.repeat(70)}}}`,
    ];
    for (const text of bad) assert.throws(() => collect([Buffer.from(text)]), isBad, text.slice(0, 60));
    assert.deepEqual(collect([Buffer.from(`{"success":true,"data":{"a":${'['.repeat(60)}${']'.repeat(60)}}}`)]).a !== undefined, true, '62 levels pass');
  });
});

describe('IndexSnapshot: streamed reads merged monotonically', () => {
  let server: FaultServer;
  const answers: FaultBehaviour[] = [];
  before(async () => {
    server = await startFaultServer(() => answers.shift() ?? { status: 404, body: { error: 'Not found' } });
  });
  after(async () => {
    await server.close();
  });
  const ok = (data: Record<string, unknown>): FaultBehaviour => ({ status: 200, body: { success: true, data } });

  it('a short read, a miss and a partial answer take nothing away; a tombstone does', async () => {
    const client = new GunRelayClient({ baseUrl: server.url, retry: false, readGuard: { rereadDelayMs: 1 } });
    answers.push(ok({ k1: link('k1'), k2: link('k2'), k3: link('k3'), d: true }));
    const snap = await IndexSnapshot.load(client, SOUL);
    assert.deepEqual(snap.keys().sort(), ['d', 'k1', 'k2', 'k3']);
    assert.deepEqual(snap.entry('k2'), link('k2'));
    assert.equal(snap.entry('d'), true);

    answers.push(ok({ k1: link('k1'), k2: null }));
    await snap.refresh();
    assert.deepEqual(snap.keys().sort(), ['d', 'k1', 'k3'], 'k2 left by its tombstone; k3 stays although the read was short');
    assert.equal(snap.isRemoved('k2'), true);

    answers.push({ status: 404, body: { error: 'Not found' } });
    await assert.rejects(snap.refresh(), (e: unknown) => isGunRelayError(e) && e.code === 'UNCONFIRMED_MISS', 'the miss outlasted the re-reads: not "absent"');
    assert.equal(snap.exists, true, 'a miss after a found index is not proof of absence');
    assert.equal(snap.size, 3);
    const { rereads, confirmedMisses } = client.stats();
    assert.deepEqual({ rereads, confirmedMisses }, { rereads: 2, confirmedMisses: 1 }, 'the streamed miss of a soul found before was read again first');

    answers.push({ reset: 'mid-body', status: 200, bodyBytes: 4096 });
    await assert.rejects(snap.refresh(), (e: unknown) => isGunRelayError(e) && e.code === 'CONNECTION_RESET');
    assert.equal(snap.size, 3, 'a read that broke off changed nothing');

    answers.push(ok({ k2: link('k2'), k4: { '#': 'elsewhere/k4' } }));
    await snap.refresh();
    assert.deepEqual(snap.keys().sort(), ['d', 'k1', 'k2', 'k3', 'k4'], 'a later read brings k2 back');
    assert.deepEqual(snap.entry('k4'), { '#': 'elsewhere/k4' }, 'a link elsewhere is kept as it is');
    client.close();
  });

  it('with GUN states, an older read does not undo a newer tombstone', async () => {
    const client = new GunRelayClient({ baseUrl: server.url, retry: false });
    answers.push(ok({ _: { '#': SOUL, '>': { a: 10, b: 10 } }, a: link('a'), b: null }));
    const snap = await IndexSnapshot.load(client, SOUL);
    assert.deepEqual(snap.keys(), ['a']);
    answers.push(ok({ _: { '#': SOUL, '>': { a: 20, b: 5 } }, a: null, b: link('b') }));
    await snap.refresh();
    assert.deepEqual(snap.keys(), [], 'a left by a newer tombstone; b stays removed against an older state');
    client.close();
  });

  it('a streamed read retried after the body broke off starts over', async () => {
    const client = new GunRelayClient({ baseUrl: server.url, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    answers.push({ reset: 'mid-body', status: 200, bodyBytes: 4096 }, ok({ r1: link('r1') }));
    const snap = await IndexSnapshot.load(client, SOUL);
    assert.deepEqual(snap.keys(), ['r1']);
    assert.equal(client.stats().retries, 1);
    client.close();
  });

  it('concurrent refreshes through one client share one read', async () => {
    const client = new GunRelayClient({ baseUrl: server.url, retry: false });
    server.reset();
    answers.push({ delayMs: 50, then: ok({ c: link('c') }) });
    const snap = new IndexSnapshot(client, SOUL);
    await Promise.all([snap.refresh(), snap.refresh(), snap.ensureFresh()]);
    assert.equal(server.requestCount, 1);
    assert.deepEqual(snap.keys(), ['c']);
    client.close();
  });
});
