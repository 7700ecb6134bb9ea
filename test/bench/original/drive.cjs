/**
 * Shared driver of the whole-process bench children: measures start-up CPU (the process's own,
 * from its start through loading the module and constructing the helper), then `calls` deletes of
 * distinct souls with `concurrency` in flight (every one is expected to fail), then, when `extra`
 * is given, `extra` more (the warm phase: the cost of a failed call once the code is compiled and
 * the pools are full, what a long-running worker pays), then peak RSS. Prints one JSON line on
 * stdout. Usage: node <child> <url> <calls> <concurrency> [extra].
 */
'use strict';

exports.run = async function run(construct) {
  const [, , , callsArg, concurrencyArg, extraArg] = process.argv;
  const calls = Number(callsArg);
  const concurrency = Number(concurrencyArg);
  const extra = Number(extraArg ?? 0);
  const helper = construct();
  const startup = process.cpuUsage();
  const startupRss = process.memoryUsage.rss();
  const before = process.cpuUsage();
  let next = 0;
  let failed = 0;
  const phase = async (end) => {
    const worker = async () => {
      while (next < end) {
        const i = next++;
        try {
          await helper.deleteRecord(`647f79c2a338:bench${i}`);
        } catch {
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  };
  const started = performance.now();
  await phase(calls);
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(before);
  const warmBefore = process.cpuUsage();
  await phase(calls + extra);
  const warm = process.cpuUsage(warmBefore);
  helper.close();
  process.stdout.write(
    JSON.stringify({
      startupCpuMs: (startup.user + startup.system) / 1000,
      startupRssMiB: startupRss / 2 ** 20,
      failureCpuMs: (cpu.user + cpu.system) / 1000,
      usPerCall: (cpu.user + cpu.system) / calls,
      usPerWarmCall: extra > 0 ? (warm.user + warm.system) / extra : undefined,
      failed,
      wallMs,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    }) + '\n',
  );
  process.exit(0);
};
