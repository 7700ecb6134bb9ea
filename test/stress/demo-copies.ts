/**
 * Stress of the sync demo's copy path (not a test): `npm run stress:copies [-- rounds records burners]`.
 * Each round starts two fresh relays over the real gun and the OIP proxy, seeds the peer as the
 * demo does, runs one cycle of `OipSyncWorker` and checks every record against its soul at
 * every hop: what the worker read from the peer, what it wrote locally, what each relay holds.
 * `burners` busy processes keep the CPU loaded. Prints one line per round and a total; exits 1 on
 * any mismatch.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { GunRelayClient } from 'gun-relay-client';
import { OipSyncWorker } from 'gun-relay-client/oip';
import { startLocalRelays, startOipProxy } from 'gun-relay-client/testing';
import { PUBLISHER, RECORD_TYPES, eachLimit, publish, type PeerState } from '../../examples/lib/oipFixture.js';

const [rounds = 10, records = 300, burners = 2] = process.argv.slice(2).map(Number);
const say = (line: string): void => void process.stdout.write(`${line}\n`);

/** The title the fixture gives a soul: `<type> #<n>` for `<publisher>:<type>_<n>`. */
function titleOf(soul: string): string {
  const local = soul.slice(PUBLISHER.length + 1);
  const at = local.lastIndexOf('_');
  return `${local.slice(0, at)} #${local.slice(at + 1)}`;
}

function nameIn(data: unknown): unknown {
  return (data as { basic?: { name?: unknown } } | null)?.basic?.name;
}

function startBurners(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => fork('-e', ['for(;;){}'], { execArgv: [], stdio: 'ignore' }));
}

async function round(index: number): Promise<string[]> {
  const problems: string[] = [];
  const { relays, close } = await startLocalRelays(2, { putDelayMs: 0, writeBatchMs: 50 });
  const [localRelay, peerRelay] = relays as [(typeof relays)[0], (typeof relays)[0]];
  const proxy = await startOipProxy({ target: peerRelay.url });
  const seeder = new GunRelayClient({ baseUrl: peerRelay.url });
  const checkLocal = new GunRelayClient({ baseUrl: localRelay.url, coalesceReads: false });
  const checkPeer = new GunRelayClient({ baseUrl: peerRelay.url, coalesceReads: false });
  // What the worker read from the peer and wrote, checked as it copies each record.
  const worker = new OipSyncWorker({
    peers: [{ url: proxy.url, kind: 'oip-proxy' }],
    local: localRelay.url,
    nodeId: 'local-node-01',
    recordTypes: [...RECORD_TYPES],
    onCopied: ({ soul, record }) => {
      if (nameIn(record.data) !== titleOf(soul)) problems.push(`round ${index}: worker copied under ${soul}: ${JSON.stringify(record.data)}`);
    },
  });
  try {
    const state: PeerState = { records: new Map(), deleted: new Set() };
    const souls = await publish(seeder, state, records, 8);
    const report = await worker.runOnce();
    if (report.outcome !== 'ok') problems.push(`round ${index}: cycle ${report.outcome} ${report.error?.message ?? ''}`);
    await eachLimit(souls, 16, async (soul) => {
      for (const [where, client] of [['local', checkLocal], ['peer', checkPeer]] as const) {
        const record = await client.getRecord(soul);
        const meta = record?.meta as { localId?: unknown } | undefined;
        if (nameIn(record?.data) !== titleOf(soul) || meta?.localId !== soul.slice(PUBLISHER.length + 1)) {
          problems.push(`round ${index}: ${where} relay holds under ${soul}: ${JSON.stringify(record?.data ?? null)} meta ${JSON.stringify(meta ?? null)}`);
        }
      }
    });
    return problems;
  } finally {
    await worker.close();
    for (const c of [seeder, checkLocal, checkPeer]) c.close();
    await proxy.close();
    await close();
  }
}

const load = startBurners(burners);
let total = 0;
try {
  for (let i = 1; i <= rounds; i++) {
    const started = performance.now();
    const problems = await round(i);
    total += problems.length;
    say(`round ${i}/${rounds}: ${records} records, ${problems.length} mismatches (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    for (const p of problems.slice(0, 10)) say(`  ${p}`);
  }
} finally {
  for (const child of load) child.kill('SIGKILL');
}
say(`${total === 0 ? 'OK' : 'FAILED'}: ${total} mismatches in ${rounds} rounds of ${records} records under ${burners} busy processes`);
process.exitCode = total === 0 ? 0 : 1;
