import type { RedisConnection } from './scripts.js';

/** A write to Redis; resolves or rejects once Redis answered. */
export type RedisJob = (redis: RedisConnection) => Promise<unknown>;

/** Options of a {@link WriteQueue}. */
export interface WriteQueueOptions {
  /** Most writes waiting; beyond it the oldest is dropped. */
  maxQueued: number;
  /** A write not answered within this time counts as an error and the next one is sent. */
  timeoutMs: number;
  /** Most writes sent but not yet answered (timed-out ones included), so ioredis's own queue stays bounded too. */
  maxUnanswered: number;
}

/** Counters of a {@link WriteQueue}. */
export interface WriteQueueCounters {
  dropped: number;
  written: number;
  writeErrors: number;
}

/**
 * Sends writes to Redis one at a time, only while the connection is `ready`, from a bounded
 * queue that drops its oldest write when full. Pushing never waits and never throws, so no
 * caller's latency depends on Redis.
 */
export class WriteQueue {
  readonly counters: WriteQueueCounters = { dropped: 0, written: 0, writeErrors: 0 };
  private readonly jobs: RedisJob[] = [];
  private head = 0;
  private priority: RedisJob | undefined;
  private sending = false;
  private unanswered = 0;
  private closed = false;

  /** The owner calls {@link WriteQueue.wake} when the connection becomes `ready` again. */
  constructor(
    private readonly redis: RedisConnection,
    private readonly options: WriteQueueOptions,
  ) {}

  /** Sends what is queued, if the connection is ready (call it on the connection's `ready`). */
  wake(): void {
    this.pump();
  }

  /** Writes waiting. */
  get length(): number {
    return this.jobs.length - this.head + (this.priority === undefined ? 0 : 1);
  }

  /** Queues a write; drops the oldest when the queue is full. */
  push(job: RedisJob): void {
    if (this.closed) {
      this.counters.dropped++;
      return;
    }
    if (this.jobs.length - this.head >= this.options.maxQueued) {
      this.head++;
      this.counters.dropped++;
    }
    this.jobs.push(job);
    if (this.head > 1024 && this.head * 2 > this.jobs.length) {
      this.jobs.splice(0, this.head);
      this.head = 0;
    }
    this.pump();
  }

  /** Runs `job` before every queued write (one slot: a newer priority job replaces an unsent older one). */
  pushFirst(job: RedisJob): void {
    if (this.closed) return;
    this.priority = job;
    this.pump();
  }

  /** Drops what is queued and stops sending. */
  close(): void {
    this.closed = true;
    this.counters.dropped += this.jobs.length - this.head;
    this.jobs.length = 0;
    this.head = 0;
    this.priority = undefined;
  }

  private next(): RedisJob | undefined {
    if (this.priority !== undefined) {
      const job = this.priority;
      this.priority = undefined;
      return job;
    }
    if (this.head >= this.jobs.length) return undefined;
    const job = this.jobs[this.head]!;
    this.jobs[this.head++] = undefined as unknown as RedisJob;
    return job;
  }

  private pump(): void {
    if (this.sending || this.closed || this.redis.status !== 'ready' || this.unanswered >= this.options.maxUnanswered) return;
    const job = this.next();
    if (job === undefined) return;
    this.sending = true;
    this.unanswered++;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.counters.writeErrors++;
      this.sending = false;
      this.pump();
    }, this.options.timeoutMs);
    timer.unref();
    const settled = (ok: boolean): void => {
      this.unanswered--;
      if (timedOut) {
        this.pump();
        return;
      }
      clearTimeout(timer);
      if (ok) this.counters.written++;
      else this.counters.writeErrors++;
      this.sending = false;
      this.pump();
    };
    let running: Promise<unknown>;
    try {
      running = job(this.redis);
    } catch {
      running = Promise.reject(new Error('job threw'));
    }
    running.then(
      () => settled(true),
      () => settled(false),
    );
  }
}
