import type {
  CategorySummary,
  MemoryAlertClearedEvent,
  MemoryAlertEvent,
  MemorySample,
  MemorySummary,
} from './events.js';
import { BYTES_PER_MB } from './SampleWindow.js';

/** One decimal, no `-0.0`. */
function fixed(value: number, digits = 1): string {
  const text = value.toFixed(digits);
  return Number(text) === 0 ? (0).toFixed(digits) : text;
}

/** One decimal with an explicit sign: `+200.0`, `-3.5`, `+0.0`. */
function signed(value: number, digits = 1): string {
  const text = fixed(value, digits);
  return text.startsWith('-') ? text : `+${text}`;
}

const mb = (bytes: number): number => bytes / BYTES_PER_MB;

/** `60s`, or `0.3s` below ten seconds so short windows do not print as `0s`. */
const seconds = (ms: number): string =>
  ms >= 10_000 ? `${Math.round(ms / 1000)}s` : `${fixed(ms / 1000)}s`;

/**
 * One greppable line per sample, e.g.
 * `growth rate: RSS 10.0 MB/min, heap 1.2 MB/min, external 0.0 MB/min (RSS 512.0 MB, window 60s)`.
 */
export function formatRateLine(sample: MemorySample): string {
  return (
    `growth rate: RSS ${fixed(sample.rssMbPerMin)} MB/min, heap ${fixed(sample.heapMbPerMin)} MB/min, ` +
    `external ${fixed(sample.externalMbPerMin)} MB/min ` +
    `(RSS ${fixed(mb(sample.rss))} MB, window ${seconds(sample.spanMs)})`
  );
}

/**
 * One greppable line per category, e.g. `static_media: 150 operations, total growth RSS +200.0 MB,
 * heap +12.0 MB, +1365.3 KB/op, 0 errors`.
 */
export function formatSummaryLine(category: CategorySummary): string {
  const ops = category.operations === 1 ? 'operation' : 'operations';
  const errors = category.errors === 1 ? 'error' : 'errors';
  return (
    `${category.category}: ${category.operations} ${ops}, ` +
    `total growth RSS ${signed(mb(category.rssGrowthBytes))} MB, ` +
    `heap ${signed(mb(category.heapGrowthBytes))} MB, ` +
    `${signed(category.bytesPerOperation / 1024)} KB/op, ${category.errors} ${errors}`
  );
}

/** Every category's line (largest growth first), then one `unattributed:` line. */
export function formatSummaryLines(summary: MemorySummary): string[] {
  const lines = summary.categories.map(formatSummaryLine);
  lines.push(
    `unattributed: total growth RSS ${signed(mb(summary.unattributed.rssGrowthBytes))} MB, ` +
      `heap ${signed(mb(summary.unattributed.heapGrowthBytes))} MB`,
  );
  return lines;
}

/** A line for `alert` / `alertCleared`, e.g. `memory alert: RSS 25.0 MB/min above 20.0 MB/min for 300s`. */
export function formatAlertLine(event: MemoryAlertEvent | MemoryAlertClearedEvent): string {
  if ('aboveForMs' in event) {
    return (
      `memory alert: RSS ${fixed(event.rssMbPerMin)} MB/min above ${fixed(event.thresholdMbPerMin)} MB/min ` +
      `for ${seconds(event.aboveForMs)} (RSS ${fixed(mb(event.rss))} MB)`
    );
  }
  return (
    `memory alert cleared: RSS ${fixed(event.rssMbPerMin)} MB/min, threshold ${fixed(event.thresholdMbPerMin)} MB/min, ` +
    `alerted for ${seconds(event.alertedForMs)} (RSS ${fixed(mb(event.rss))} MB)`
  );
}
