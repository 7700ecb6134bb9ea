import { systemClock, type Clock } from '../../../src/clock.js';

/** Real time plus simulated jumps: the time between cycles passes at once, everything else is real. */
export class JumpClock implements Clock {
  private offset = 0;
  now = (): number => systemClock.now() + this.offset;
  wallNow = (): number => Date.now() + this.offset;
  sleep = systemClock.sleep;
  jump(ms: number): void {
    this.offset += ms;
  }
}
