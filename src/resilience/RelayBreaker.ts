import type { Clock } from '../clock.js';
import type { BreakerState } from '../events.js';

/** Options of a {@link RelayBreaker}. */
export interface RelayBreakerOptions {
  /** Consecutive relay-level failures that open the breaker. */
  threshold: number;
  /** How long it stays open before one probe call is let through. */
  halfOpenAfterMs: number;
  clock: Clock;
  onChange: (from: BreakerState, to: BreakerState, failures: number) => void;
}

/**
 * A circuit breaker for one relay. Only relay-level failures move it; soul-level refusals prove
 * the relay is up and count as successes here.
 */
export class RelayBreaker {
  private current: BreakerState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probing = false;

  constructor(private readonly options: RelayBreakerOptions) {}

  /** The state now; an open breaker whose cool-down has passed reads as half-open. */
  get state(): BreakerState {
    if (this.current === 'open' && this.options.clock.now() - this.openedAt >= this.options.halfOpenAfterMs) {
      this.transition('half-open');
    }
    return this.current;
  }

  /** Whether a call may be sent now. In half-open state only one probe at a time is allowed. */
  /** Ms until an open breaker lets a probe through (0 when it would now, or is not open). */
  get retryInMs(): number {
    if (this.current !== 'open') return 0;
    return Math.max(0, Math.ceil(this.options.halfOpenAfterMs - (this.options.clock.now() - this.openedAt)));
  }

  tryPass(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** True when one more relay-level failure would open (or reopen) the breaker. */
  get oneFailureFromOpen(): boolean {
    return this.current !== 'closed' || this.failures + 1 >= this.options.threshold;
  }

  /** The relay answered (any answer that is not a relay-level failure). */
  recordSuccess(): void {
    this.failures = 0;
    this.probing = false;
    if (this.current !== 'closed') this.transition('closed');
  }

  /** A relay-level failure (refused, reset, timeout, 5xx that is not about the soul). */
  recordFailure(): void {
    this.failures++;
    this.probing = false;
    if (this.current === 'half-open' || (this.current === 'closed' && this.failures >= this.options.threshold)) {
      this.openedAt = this.options.clock.now();
      this.transition('open');
    }
  }

  /** A call that passed `tryPass` ended without telling anything about the relay (e.g. aborted). */
  release(): void {
    this.probing = false;
  }

  private transition(to: BreakerState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.options.onChange(from, to, this.failures);
  }
}
