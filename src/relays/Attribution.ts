/**
 * Remembers, per relay, the last successful answers for two different souls, so a soul-level
 * refusal can be checked against one rule: it counts against the soul only when the same relay
 * answered **another** soul successfully within the last `windowMs` (on the client's clock).
 * A relay that refuses everyone therefore never quarantines anyone, whatever its bodies say.
 */
export class Attribution {
  private lastSoul: string | undefined;
  private lastAt = Number.NEGATIVE_INFINITY;
  /** Time of the latest success of a soul other than `lastSoul`. */
  private otherAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly windowMs: number) {}

  /** Records a success (a 2xx or a clean miss); `soul` is `undefined` for a list, which counts as another soul. */
  recordSuccess(soul: string | undefined, now: number): void {
    if (soul === undefined || soul !== this.lastSoul) this.otherAt = this.lastAt;
    this.lastSoul = soul;
    this.lastAt = now;
  }

  /** True when a refusal of `soul` at `now` counts against it. A window of 0 counts every refusal. */
  attributable(soul: string, now: number): boolean {
    if (this.windowMs === 0) return true;
    const since = this.lastSoul === soul ? this.otherAt : this.lastAt;
    return now - since <= this.windowMs;
  }
}
