/**
 * After close(), nothing of the client is left in the process: no sockets, no timers. The server
 * runs in a child process so that every handle counted here is the client's.
 */
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { GunRelayClient } from '../src/index.js';

const serverSource = `
import { startFaultServer } from '${new URL('../src/testing/index.ts', import.meta.url).pathname}';
let n = 0;
const server = await startFaultServer((req) => {
  n++;
  if (req.path === '/get' && req.query.soul === 'hang') return { hang: true };
  if (req.path === '/get' && req.query.soul === 'busy') return { status: 503 };
  if (req.path === '/put' && req.body && req.body.soul === 'bad:1') return { status: 500, body: { error: 'Invalid data: Array at bad:1.x' } };
  return req.path === '/get' ? { status: 200, body: { success: true, data: { a: 1 } } } : { status: 200, body: { success: true } };
});
process.send(server.url);
process.on('message', async (m) => {
  if (m === 'count') return process.send(server.openConnections);
  await server.close();
  process.exit(0);
});
`;

async function serverSockets(child: ChildProcess): Promise<number> {
  child.send('count');
  return new Promise((resolve) => child.once('message', (m) => resolve(Number(m))));
}

function handles(): string[] {
  return process.getActiveResourcesInfo().filter((r) => r !== 'PipeWrap' && r !== 'ProcessWrap').sort();
}

describe('no leaked handles', () => {
  let child: ChildProcess;
  let url: string;
  before(async () => {
    child = fork('--input-type=module', [], { execArgv: ['--import', 'tsx', '--input-type=module', '-e', serverSource], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    url = await new Promise<string>((resolve) => child.once('message', (m) => resolve(String(m))));
  });
  after(() => {
    child.send('stop');
  });

  it('a client that made successful, failed, timed-out and retried calls leaves nothing after close()', async () => {
    const baseline = handles();
    const client = new GunRelayClient({ baseUrl: url, timeouts: { get: 200 }, retry: { retries: 1, baseDelayMs: 5 } });
    await Promise.all(Array.from({ length: 40 }, (_, i) => client.put(`ok:${i}`, { n: i })));
    await client.get('ok:1');
    await client.put('bad:1', { x: 1 }).catch(() => undefined);
    await client.get('hang').catch(() => undefined);
    await client.get('busy').catch(() => undefined);
    const open = await serverSockets(child);
    assert.ok(open > 0 && open <= 16, `the client keeps ${open} pooled sockets while open (at most maxInFlight)`);
    client.close();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(handles(), baseline, 'no timer or socket of the client keeps the process alive');
    let left = open;
    for (let i = 0; i < 100 && left > 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      left = await serverSockets(child);
    }
    assert.equal(left, 0, 'every socket of the client was closed');
  });
});
