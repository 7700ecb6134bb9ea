/**
 * Shared driver of the whole-process bench children: measures start-up CPU (the process's own,
 * from its start through loading the module and constructing the helper), then `calls` deletes of
 * distinct souls with `concurrency` in flight (every one is expected to fail), then peak RSS.
 * Prints one JSON line on stdout.
 */
'use strict';

exports.run = async function run(construct) {
  const [, , , callsArg, concurrencyArg] = process.argv;
  const calls = Number(callsArg);
  const concurrency = Number(concurrencyArg);
  const helper = construct();
  const startup = process.cpuUsage();
  const startupRss = process.memoryUsage.rss();
  const before = process.cpuUsage();
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < calls) {
      const i = next++;
      try {
        await helper.deleteRecord(`647f79c2a338:bench${i}`);
      } catch {
        failed++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(before);
  helper.close();
  process.stdout.write(
    JSON.stringify({
      startupCpuMs: (startup.user + startup.system) / 1000,
      startupRssMiB: startupRss / 2 ** 20,
      failureCpuMs: (cpu.user + cpu.system) / 1000,
      usPerCall: (cpu.user + cpu.system) / calls,
      failed,
      wallMs,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    }) + '\n',
  );
  process.exit(0);
};
