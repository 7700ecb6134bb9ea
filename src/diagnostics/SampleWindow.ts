import type { MemoryReading } from './options.js';

/** Bytes in the "MB" used by every rate and log line (MiB: 1024 × 1024). */
export const BYTES_PER_MB = 1024 * 1024;

/** Hard cap on readings kept, so a burst of `sampleNow()` calls cannot grow the window unboundedly. */
const MAX_READINGS = 4096;

/** A reading with the clock time it was taken at. */
export interface TimedReading extends MemoryReading {
  at: number;
}

/** Growth rates over the window, MB/min. */
export interface WindowRates {
  rssMbPerMin: number;
  heapMbPerMin: number;
  externalMbPerMin: number;
  spanMs: number;
}

/**
 * The readings of the last `windowMs`, for growth rates. The rate compares the newest reading with
 * the oldest one still in the window; if every earlier reading is older than the window, the
 * previous one is kept as the baseline, so there is a rate as soon as there are two readings.
 */
export class SampleWindow {
  private readonly readings: TimedReading[] = [];

  constructor(private readonly windowMs: number) {}

  /** Adds a reading and returns the rates it gives. */
  push(reading: TimedReading): WindowRates {
    const readings = this.readings;
    readings.push(reading);
    const horizon = reading.at - this.windowMs;
    while (readings.length > 2 && readings[0]!.at < horizon) readings.shift();
    if (readings.length > MAX_READINGS) readings.shift();
    const oldest = readings[0]!;
    const spanMs = reading.at - oldest.at;
    if (spanMs <= 0) return { rssMbPerMin: 0, heapMbPerMin: 0, externalMbPerMin: 0, spanMs: 0 };
    const perMin = 60_000 / spanMs / BYTES_PER_MB;
    return {
      rssMbPerMin: (reading.rss - oldest.rss) * perMin,
      heapMbPerMin: (reading.heapUsed - oldest.heapUsed) * perMin,
      externalMbPerMin: (reading.external - oldest.external) * perMin,
      spanMs,
    };
  }
}
