/**
 * The status endpoint (gun-relay-client/status): /healthz, /metrics, the JSON, and the /status
 * page rendered in a real headless Chromium (Debian's `chromium`, driven by playwright-core),
 * with a hostile soul and hostile reasons from the relay and the app shown as text.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { GunRelayClient, SyncLoop } from '../src/index.js';
import { OipSyncWorker } from '../src/oip/index.js';
import { serveStatus, syncLoopStatusSource, type StatusServer } from '../src/status/index.js';
import { startLocalRelay, type LocalRelay } from '../src/testing/index.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
/** A soul and reasons made to run script if the page ever parsed them as HTML. */
const HOSTILE_SOUL = `"><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`;
const HOSTILE_REASON = `<img src=x onerror=window.__pwned=3>"onerror=alert(1)`;

describe('status endpoint and page', () => {
  let relay: LocalRelay;
  let client: GunRelayClient;
  let loop: SyncLoop<number>;
  let source: ReturnType<typeof syncLoopStatusSource>;
  let server: StatusServer;
  let browser: Browser;

  before(async () => {
    assert.ok(fs.existsSync(CHROMIUM), `Chromium at ${CHROMIUM} (apt-get install -y chromium; .ci/run installs it)`);
    relay = await startLocalRelay({ putDelayMs: 0, missWaitMs: 50 });
    relay.fault(HOSTILE_SOUL, { status: 500, body: { error: `Invalid data: ${HOSTILE_REASON}` }, path: '/put' });
    client = new GunRelayClient({ baseUrl: relay.url, retry: false });
    let n = 0;
    loop = new SyncLoop<number>({
      name: 'status-test',
      client,
      intervalMs: 3_600_000,
      cycleTimeoutMs: 30_000,
      run: async (cycle) => {
        // The refused soul first: the relay accepting the other souls' puts after it attributes the
        // refusal to the soul (a refusal no acceptance follows stays pending), so three cycles quarantine it.
        await cycle.client.put(HOSTILE_SOUL, { x: 1 }).catch(() => undefined);
        // A little more work each cycle, so the chart has different bars.
        for (let i = 0; i <= n; i++) await cycle.client.put(`status:${n}:${i}`, { n, i });
        return ++n;
      },
    });
    source = syncLoopStatusSource({ loop, clients: { local: client } });
    for (let i = 0; i < 3; i++) client.recordFailure('es', 'es:<b>bold</b>', { code: 'ES_MAPPING', reason: HOSTILE_REASON });
    server = await serveStatus(source);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    source?.close();
    await loop?.stop();
    client?.close();
    await relay?.close();
  });

  it('binds loopback; /healthz answers 503 while the loop is stopped and 200 once a cycle succeeded', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const stopped = await fetch(`${server.url}/healthz`);
    assert.equal(stopped.status, 503);
    assert.equal(((await stopped.json()) as { status: string }).status, 'stopped');
    loop.start();
    await loop.trigger();
    await loop.trigger();
    await loop.trigger();
    const ok = await fetch(`${server.url}/healthz`);
    assert.equal(ok.status, 200);
    const health = (await ok.json()) as { healthy: boolean; name: string; cycles: number };
    assert.deepEqual([health.healthy, health.name, health.cycles], [true, 'status-test', 3]);
    assert.ok(client.quarantined().some((q) => q.soul === HOSTILE_SOUL), 'the relay-refused soul is quarantined');
  });

  it('read-only: GET and HEAD only, unknown paths 404; the page forbids any script but its own', async () => {
    const post = await fetch(`${server.url}/status`, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    assert.equal((await fetch(`${server.url}/healthz`, { method: 'DELETE' })).status, 405);
    assert.equal((await fetch(`${server.url}/nope`)).status, 404);
    const page = await fetch(`${server.url}/status`);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'sha256-[^']+'; /);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  });

  it('/metrics: Prometheus text with the health, the last cycle, the quarantine and the relays (label values escaped)', async () => {
    const res = await fetch(`${server.url}/metrics`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(text, /^gun_relay_sync_healthy\{loop="status-test"\} 1$/m);
    assert.match(text, /^gun_relay_sync_cycles_total\{loop="status-test"\} 3$/m);
    assert.match(text, /^gun_relay_sync_last_cycle_requests\{loop="status-test"\} [1-9]\d*$/m);
    assert.match(text, /^gun_relay_quarantined_souls\{op="put"\} 1$/m);
    assert.match(text, /^gun_relay_quarantined_souls\{op="es"\} 1$/m);
    assert.match(text, new RegExp(`^gun_relay_relay_up\\{role="local",relay="${relay.url}"\\} 1$`, 'm'));
    for (const line of text.trim().split('\n')) assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{[^\n]*\})? -?[\d.e+-]+)$/, line);
  });

  it('the page renders the cycles chart, the relays and the quarantined souls in headless Chromium, showing hostile values as text', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(`${server.url}/status`);
      await page.waitForSelector('body[data-loaded]', { timeout: 15_000 });
      const cycles = (await (await fetch(`${server.url}/status/cycles`)).json()) as Array<{ number: number; durationMs: number; requests: number }>;
      assert.equal(cycles.length, 3);
      // One bar (duration) and one dot (requests) per cycle, each titled with its figures.
      assert.equal(await page.locator('#cycle-chart rect.duration').count(), 3);
      assert.equal(await page.locator('#cycle-chart circle.request-dot').count(), 3);
      assert.equal(await page.locator('#cycle-chart polyline.requests').count(), 1);
      const titles = await page.locator('#cycle-chart rect.duration title').allTextContents();
      assert.deepEqual(titles, cycles.map((c) => `cycle ${c.number}: ${c.durationMs} ms, ${c.requests} requests, ok`));
      // More requests each cycle: the dots climb (SVG y grows downwards).
      const ys = await page.locator('#cycle-chart circle.request-dot').evaluateAll((els) => els.map((e) => Number(e.getAttribute('cy'))));
      assert.ok(ys[0]! > ys[1]! && ys[1]! > ys[2]!, `dots climb: ${ys.join(', ')}`);
      assert.equal(await page.locator('#cycles tbody tr').count(), 3);
      assert.equal(await page.textContent('#health'), 'ok');

      const relays = await page.locator('#relays tbody tr').allInnerTexts();
      assert.equal(relays.length, 1);
      assert.match(relays[0]!, new RegExp(`local\\s+${relay.url.replace(/\./g, '\\.')}\\s+up\\s+closed`));

      const souls = await page.locator('#quarantined td.soul').allTextContents();
      assert.ok(souls.includes(HOSTILE_SOUL), `the hostile soul is shown as text: ${JSON.stringify(souls)}`);
      assert.ok(souls.includes('es:<b>bold</b>'));
      const reasons = await page.locator('#quarantined td.reason').allTextContents();
      assert.ok(reasons.includes(HOSTILE_REASON), `the hostile reason is shown as text: ${JSON.stringify(reasons)}`);
      assert.equal(await page.locator('#quarantined img, #quarantined script, #quarantined b').count(), 0, 'nothing was parsed as HTML');
      assert.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);
      assert.match((await page.textContent('#quarantined-count')) ?? '', /^\(2\)$/);
      assert.deepEqual(errors, []);
    } finally {
      await page.close();
    }
  });

  it('OipSyncWorker.serve() serves the worker itself: its cycles, health and relays', async () => {
    const peer = await startLocalRelay({ putDelayMs: 0, missWaitMs: 50 });
    const worker = new OipSyncWorker({ peers: [peer.url], local: relay.url, recordTypes: ['post'], nodeId: 'status-node' });
    let served: StatusServer | undefined;
    try {
      await worker.runOnce();
      served = await worker.serve();
      assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const cycles = (await (await fetch(`${served.url}/status/cycles`)).json()) as Array<{ number: number; outcome: string }>;
      assert.deepEqual(cycles.map((c) => [c.number, c.outcome]), [[1, 'ok']]);
      const relays = (await (await fetch(`${served.url}/status/relays`)).json()) as Array<{ role: string }>;
      assert.deepEqual(relays.map((r) => r.role).sort(), ['local', 'peer']);
      const health = await fetch(`${served.url}/healthz`);
      assert.equal(((await health.json()) as { name: string }).name, 'oip-sync');
    } finally {
      await served?.close();
      await worker.close();
      await peer.close();
    }
  });
});
