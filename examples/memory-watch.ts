/**
 * A bounded sync-worker loop watched by MemoryMonitor: 200 iterations of "static media" work that
 * allocates (and deliberately retains part of what it allocates), with sample, alert and summary
 * lines logged through a pino-style logger. Exits by itself with code 0.
 *
 *   npx tsx examples/memory-watch.ts
 */
import {
  MemoryMonitor,
  formatAlertLine,
  formatRateLine,
  formatSummaryLines,
} from 'gun-relay-client/diagnostics';

/** The shape of a pino logger, backed by console (enough for an example). */
const log = {
  info: (obj: object, msg: string) => console.log(JSON.stringify({ level: 'info', msg, ...obj })),
  warn: (obj: object, msg: string) => console.warn(JSON.stringify({ level: 'warn', msg, ...obj })),
};

const monitor = new MemoryMonitor({
  intervalMs: 250,
  windowMs: 1_000,
  summaryEvery: 4,
  alert: { rssMbPerMin: 20, forMs: 500 },
});
monitor.on('sample', (sample) => log.info({ sample }, formatRateLine(sample)));
monitor.on('alert', (event) => log.warn({ event }, formatAlertLine(event)));
monitor.on('alertCleared', (event) => log.info({ event }, formatAlertLine(event)));
monitor.on('summary', (summary) => {
  for (const line of formatSummaryLines(summary)) log.info({ samples: summary.samples }, line);
});

/** Pretend media cache that the worker forgets to trim: the leak the monitor should point at. */
const retained: Buffer[] = [];

async function processStaticMedia(i: number): Promise<number> {
  const scratch = Buffer.alloc(256 * 1024, i % 256); // transient: freed after the call
  if (i % 4 === 0) retained.push(Buffer.alloc(128 * 1024, 1)); // retained: grows RSS
  await new Promise((resolve) => setTimeout(resolve, 5));
  return scratch.length;
}

monitor.start();
for (let i = 0; i < 200; i++) {
  await monitor.track('static_media', () => processStaticMedia(i));
  if (i % 10 === 0) monitor.track('bookkeeping', () => JSON.stringify({ i, at: Date.now() }));
}
monitor.stop(); // final sample + summary; nothing stays scheduled
log.info({ retainedMb: (retained.length * 128) / 1024 }, 'memory-watch done');
