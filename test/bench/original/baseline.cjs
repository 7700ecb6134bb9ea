/**
 * Whole-process bench child: the failure path of the original helpers/gun.js `deleteRecord`,
 * written for this bench (no code copied): the global axios 1.7.9 (`axios-legacy`) posting
 * `{ soul, data: null }` to `/put` with a 10 s timeout and a JSON header, the deletion-failure
 * Map (`{ count, lastAttempt, error }` per soul, 3 failures skip), the stats counters, the hourly
 * cleanup interval, the response buffers dropped in the catch, and one console.error line at a
 * soul's first failure. Where it differs: no 404 cache, no GUN peer, no record encryption (none of
 * them is on a delete's failure path). Usage: node baseline.cjs <url> <calls> <concurrency>.
 */
'use strict';
const { run } = require('./drive.cjs');

run(() => {
  const axios = require('axios-legacy');
  class OriginalDeleteHelper {
    constructor(apiUrl) {
      this.apiUrl = apiUrl;
      this.missing404Cache = new Map();
      this.deletionFailureCache = new Map();
      this.deletionStats = { totalAttempts: 0, cachedSkips: 0, failures: 0 };
      this.cacheCleanupInterval = setInterval(() => {
        const now = Date.now();
        let cleaned = 0;
        for (const [soul, at] of this.missing404Cache) if (now - at > 3_600_000) this.missing404Cache.delete(soul), cleaned++;
        for (const [soul, f] of this.deletionFailureCache) if (now - f.lastAttempt > 3_600_000) this.deletionFailureCache.delete(soul), cleaned++;
        if (cleaned > 0) console.log(`[cache] cleaned ${cleaned}`);
      }, 3_600_000);
    }
    async deleteRecord(soul) {
      this.deletionStats.totalAttempts++;
      const cached = this.deletionFailureCache.get(soul);
      if (cached && cached.count >= 3) {
        this.deletionStats.cachedSkips++;
        if (this.deletionStats.cachedSkips % 10 === 0) console.log(`[delete stats] ${this.deletionStats.totalAttempts} ${this.deletionStats.cachedSkips}`);
        return true;
      }
      try {
        const res = await axios.post(`${this.apiUrl}/put`, { soul, data: null }, { timeout: 10_000, headers: { 'Content-Type': 'application/json' } });
        if (res.data && res.data.success) {
          this.deletionFailureCache.delete(soul);
          return true;
        }
        throw new Error(res.data.error || 'Failed to delete record');
      } catch (error) {
        if (error.response) {
          error.response.data = null;
          error.response = null;
        }
        const record = cached || { count: 0, lastAttempt: 0, error: '' };
        record.count++;
        record.lastAttempt = Date.now();
        record.error = error.message;
        this.deletionFailureCache.set(soul, record);
        this.deletionStats.failures++;
        if (record.count === 1) console.error(`Error in deleteRecord (${soul}):`, error.message);
        throw error;
      }
    }
    close() {
      clearInterval(this.cacheCleanupInterval);
    }
  }
  return new OriginalDeleteHelper(process.argv[2]);
});
