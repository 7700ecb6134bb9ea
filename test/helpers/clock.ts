import type { ManualClock } from '../../src/clock.js';

/** Waits (in real time, bounded) until something sleeps on the manual clock, then advances it. */
export async function advanceWhenSleeping(clock: ManualClock, ms: number, sleepers = 1): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (clock.pendingSleeps < sleepers) {
    if (Date.now() > deadline) throw new Error('nothing slept on the clock within 5 s');
    await new Promise((r) => setTimeout(r, 2));
  }
  await clock.advance(ms);
}

/** Settles `p` and reports how: a value, or the error's code. */
export async function outcome<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; code: string }> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    return { ok: false, code: (e as { code?: string }).code ?? String(e) };
  }
}

/** Settles within `ms` of real time, or fails the test instead of hanging it. */
export function within<T>(p: Promise<T>, ms = 3_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms)));
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}
