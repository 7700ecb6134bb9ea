import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GunRelayClient, isGunRelayError } from '../src/index.js';
import { resolveOptions } from '../src/options.js';

function invalidField(options: unknown): string | undefined {
  try {
    resolveOptions(options);
  } catch (error) {
    assert.ok(isGunRelayError(error));
    assert.equal(error.code, 'INVALID_OPTIONS');
    return error.field;
  }
  return undefined;
}

describe('client options', () => {
  it('applies the documented defaults', () => {
    const o = resolveOptions({ baseUrl: 'http://gun-relay:8765' });
    assert.deepEqual(o.baseUrl.map((r) => [r.url, r.kind, r.healthPath]), [['http://gun-relay:8765', 'relay', '/peers/status']]);
    assert.equal(o.failover, 'reads');
    assert.equal(o.attributionWindowMs, 60_000);
    assert.equal(o.failureThreshold, 3);
    assert.equal(o.failureTtlMs, 3_600_000);
    assert.equal(o.maxTrackedSouls, 10_000);
    assert.equal(o.statsEvery, 10);
    assert.equal(o.maxInFlight, 16);
    assert.equal(o.maxQueue, 1_000);
    assert.deepEqual(o.timeouts, { put: 30_000, get: 20_000, delete: 10_000, list: 10_000 });
    assert.ok(o.retry !== false && o.retry.retries === 2);
    assert.ok(o.breaker !== false && o.breaker.threshold === 5 && o.breaker.halfOpenAfterMs === 5_000);
  });

  it('normalises a GUN_PEERS-style list: trims, drops trailing slashes and empty entries', () => {
    const o = resolveOptions({ baseUrl: ' http://a:8765/ , http://b:8765,,' });
    assert.deepEqual(o.baseUrl.map((r) => r.url), ['http://a:8765', 'http://b:8765']);
  });

  it('the schema itself applies the timeout defaults', async () => {
    const { clientOptionsSchema } = await import('../src/options.js');
    assert.deepEqual(clientOptionsSchema.parse({ baseUrl: 'http://a' }).timeouts, { put: 30_000, get: 20_000, delete: 10_000, list: 10_000 });
  });

  it('timeoutMs fills only the operations not set in timeouts', () => {
    const o = resolveOptions({ baseUrl: 'http://a', timeoutMs: 500, timeouts: { get: 100 } });
    assert.deepEqual(o.timeouts, { put: 500, get: 100, delete: 500, list: 500 });
  });

  it('names the offending field', () => {
    assert.equal(invalidField({}), 'baseUrl');
    assert.equal(invalidField({ baseUrl: 'ftp://x' }), 'baseUrl');
    assert.equal(invalidField({ baseUrl: ['http://a', 'ftp://x'] }), 'baseUrl[1]');
    assert.equal(invalidField({ baseUrl: 'http://a', failureThreshold: 0 }), 'failureThreshold');
    assert.equal(invalidField({ baseUrl: 'http://a', maxTrackedSouls: 1.5 }), 'maxTrackedSouls');
    assert.equal(invalidField({ baseUrl: 'http://a', retry: { retries: -1 } }), 'retry.retries');
    assert.equal(invalidField({ baseUrl: 'http://a', retry: { budget: { ratio: 2 } } }), 'retry.budget.ratio');
    assert.equal(invalidField({ baseUrl: 'http://a', clock: { now: 1 } }), 'clock');
    assert.equal(invalidField({ baseUrl: 'http://a', failureTTL: 5 }), 'failureTTL');
    assert.equal(invalidField({ baseUrl: 'http://a', retry: { tries: 1 } }), 'retry.tries');
    assert.equal(invalidField(null), 'baseUrl');
  });

  it('the constructor throws the typed error, and starts nothing', () => {
    assert.throws(() => new GunRelayClient({ baseUrl: 'not a url' }), (e: unknown) => isGunRelayError(e) && e.code === 'INVALID_OPTIONS');
    const before = process.getActiveResourcesInfo().length;
    const client = new GunRelayClient({ baseUrl: 'http://127.0.0.1:9' });
    assert.equal(process.getActiveResourcesInfo().length, before, 'a client that made no calls holds no timer or handle');
    client.close();
  });
});
