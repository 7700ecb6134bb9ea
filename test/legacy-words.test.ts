/** The legacy facade speaks of `GUN_PEERS` (what its users set), never of the client's `baseUrl`. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { GunHelper } from '../src/legacy/index.js';
import { isGunRelayError } from '../src/index.js';
import { startFaultServer } from '../src/testing/index.js';

const saved = process.env['GUN_PEERS'];

describe('legacy facade messages', () => {
  after(() => {
    if (saved === undefined) delete process.env['GUN_PEERS'];
    else process.env['GUN_PEERS'] = saved;
    GunHelper.closeAll();
  });

  it('a swallowed refused connection logs GUN_PEERS, not baseUrl', async () => {
    const server = await startFaultServer({ status: 200, body: {} });
    const port = server.port;
    await server.close(); // nothing listens there now
    process.env['GUN_PEERS'] = `http://127.0.0.1:${port}`;
    const lines: string[] = [];
    const push = (m: unknown): void => void lines.push(String(m));
    const helper = new GunHelper({ logger: { debug: push, info: push, warn: push, error: push } });
    assert.equal(await helper.getRecord('words:1'), null);
    const line = lines.find((l) => l.includes('getRecord(words:1) failed'));
    assert.ok(line, lines.join('\n'));
    assert.match(line, /GUN_PEERS/);
    assert.doesNotMatch(lines.join('\n'), /baseUrl/);
  });

  it('a bad GUN_PEERS is named as such', () => {
    process.env['GUN_PEERS'] = 'gun-relay:8765';
    let error: unknown;
    try {
      new GunHelper();
    } catch (e) {
      error = e;
    }
    assert.ok(isGunRelayError(error) && error.field === 'GUN_PEERS');
    assert.doesNotMatch(error.message, /baseUrl/);
  });
});
