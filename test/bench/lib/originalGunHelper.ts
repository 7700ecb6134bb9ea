/**
 * A baseline with the request behaviour of the indexer's original helpers/gun.js (written for
 * this project from reading it; none of its code): per instance, a 404 memory swept every hour
 * from construction (misses older than an hour dropped; 10,000 at most, oldest first), never
 * cleared by a write; `getRecord` = one GET (a second only after a non-404 failure), `null` on
 * any failure; `putSimple`/`putRecord` = one POST each. It differs from the original in what
 * does not change the requests sent: `fetch` instead of axios 1.7.9, no decryption, no logs.
 */
import { LegacyMissMemory } from '../../../src/legacy/missMemory.js';
import type { Clock } from '../../../src/clock.js';

export class OriginalGunHelper {
  private readonly misses: LegacyMissMemory;

  constructor(private readonly apiUrl: string, clock: Pick<Clock, 'now'>) {
    this.misses = new LegacyMissMemory({ clock });
  }

  async getRecord(soul: string): Promise<Record<string, unknown> | null> {
    if (this.misses.has(soul)) return null;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const res = await fetch(`${this.apiUrl}/get?soul=${encodeURIComponent(soul)}`);
        const body = (await res.json()) as { success?: boolean; data?: Record<string, unknown> };
        if (res.status === 404) {
          this.misses.remember(soul);
          return null;
        }
        if (!res.ok) continue;
        if (!body.success || !body.data) return null;
        const data = { ...body.data };
        for (const k of ['data', 'oip']) if (typeof data[k] === 'string') data[k] = JSON.parse(data[k] as string);
        return data;
      } catch {
        // The original retried after any non-404 failure, then resolved null.
      }
    }
    return null;
  }

  async putSimple(data: Record<string, unknown>, soul: string): Promise<void> {
    await this.post(soul, data);
  }

  async putRecord(record: { data: unknown; oip: unknown }, soul: string, options: { localId?: string }): Promise<void> {
    await this.post(soul, {
      data: JSON.stringify(record.data),
      oip: JSON.stringify(record.oip),
      meta: { created: Date.now(), localId: options.localId ?? null, encrypted: false },
    });
  }

  private async post(soul: string, data: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${this.apiUrl}/put`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ soul, data }) });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`put ${soul}: ${res.status}`);
  }
}
