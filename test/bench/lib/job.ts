import type { ServerSpec } from './servers.js';

/** One benchmark run in a fresh child process. */
export interface Job {
  /** Unique key in the results file, e.g. `storm.delete.sdk.10000`. */
  name: string;
  /** Module under `scenarios/` that runs it. */
  scenario: 'storm' | 'poisoned' | 'throughput' | 'resilience' | 'delete-cost' | 'soak' | 'fleet' | 'tracing' | 'failure-cost' | 'original-pairs' | 'cycle' | 'snapshot-cost' | 'scale' | 'scale-cycle';
  params: Record<string, unknown>;
  /** Servers the orchestrator starts for this job, by name; their URLs reach the child. */
  servers: Record<string, ServerSpec>;
  /** The child is killed after this long. */
  timeoutMs: number;
}

/** What the child receives on its command line. */
export interface ChildInput {
  job: Job;
  urls: Record<string, string>;
}

/** What the child sends back over IPC. */
export type ChildMessage = { type: 'result'; result: unknown } | { type: 'error'; message: string };
