import { inspect, type InspectOptions } from 'node:util';

/** Node's `util.inspect.custom`: an object with this method is shown by what it returns. */
export const INSPECT: typeof inspect.custom = inspect.custom;

/**
 * What `util.inspect` (and `console.log`) shows of an object that holds relay URLs or headers:
 * its class name and a small summary whose URLs are already redacted (`redactUrl`), so no
 * password or header value is ever printed by logging the object itself.
 */
export function inspectSummary(name: string, summary: object, options: InspectOptions): string {
  return `${name} ${inspect(summary, { ...options, depth: 2 })}`;
}
