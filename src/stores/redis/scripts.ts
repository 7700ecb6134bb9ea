import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/** The caller's ioredis connection: a `Redis` or a `Cluster`. */
export type RedisConnection = Redis | Cluster;

/** A Lua script run with EVALSHA, falling back to EVAL when the server does not have it cached. */
export class LuaScript {
  private readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script with `keys` and `args`. */
  async run(redis: RedisConnection, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/** Redis server time in ms, inside a script. */
const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * Replaces junk in the store's own keys before a script writes: an entry (KEYS[1]) that is not a
 * hash, or whose failure count is not an integer, and an index (KEYS[2]) that is not a sorted
 * set, are deleted (whatever wrote them, they cannot be counted on). Defines `replaced` (1 when
 * something was deleted).
 */
const REPAIR = `local replaced = 0
local ek = redis.call('TYPE', KEYS[1])['ok']
if ek ~= 'none' and (ek ~= 'hash' or redis.call('HSTRLEN', KEYS[1], 'f') > 10 or not string.match(redis.call('HGET', KEYS[1], 'f') or '0', '^%d+$')) then
  redis.call('DEL', KEYS[1]) replaced = 1
end
local ik = redis.call('TYPE', KEYS[2])['ok']
if ik ~= 'none' and ik ~= 'zset' then redis.call('DEL', KEYS[2]) replaced = 1 end`;

/**
 * Counts the worker in ARGV[worker] once, gives the entry (KEYS[1]) its TTL ARGV[ttl] and lists it
 * in the index (KEYS[2]) under ARGV[1]; defines `nw`, `ttl` and `now`.
 */
function touch(worker: number, ttl: number): string {
  return `if redis.call('HSETNX', KEYS[1], 'w:' .. ARGV[${worker}], '1') == 1 then redis.call('HINCRBY', KEYS[1], 'nw', 1) end
local nw = tonumber(redis.call('HGET', KEYS[1], 'nw')) or 1
local ttl = tonumber(ARGV[${ttl}])
redis.call('PEXPIRE', KEYS[1], ttl)
${NOW}
redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])`;
}

/**
 * Counts one failure. KEYS: entry, index. ARGV: member, op, soul, wallNow, ttlMs, threshold,
 * quorum, worker, code, status, reason, channel. Returns {failures, workers, quarantined, replaced}.
 * Publishes the entry when it is (still) quarantined.
 */
export const RECORD_FAILURE = new LuaScript(`
${REPAIR}
local f = redis.call('HINCRBY', KEYS[1], 'f', 1)
if f == 1 then redis.call('HSET', KEYS[1], 'fa', ARGV[4], 'op', ARGV[2], 'soul', ARGV[3]) end
redis.call('HSET', KEYS[1], 'la', ARGV[4], 'c', ARGV[9], 's', ARGV[10], 'r', ARGV[11])
${touch(8, 5)}
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local q = 0
if f >= tonumber(ARGV[6]) and nw >= tonumber(ARGV[7]) then
  q = 1
  redis.call('HSET', KEYS[1], 'q', '1')
  local fa = redis.call('HGET', KEYS[1], 'fa')
  redis.call('PUBLISH', ARGV[12], cjson.encode({t = 'q', op = ARGV[2], soul = ARGV[3], f = f, nw = nw, ttl = ttl,
    c = ARGV[9], s = ARGV[10], r = ARGV[11], fa = fa, la = ARGV[4], src = ARGV[8]}))
end
return {f, nw, q, replaced}
`);

/**
 * Clears an entry. KEYS: entry, index. ARGV: member, op, soul, reason, worker, channel.
 * Publishes the clear when the entry existed. Returns {existed, replaced}.
 */
export const CLEAR = new LuaScript(`
${REPAIR}
local existed = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if existed == 1 then
  redis.call('PUBLISH', ARGV[6], cjson.encode({t = 'c', op = ARGV[2], soul = ARGV[3], why = ARGV[4], src = ARGV[5]}))
end
return {existed, replaced}
`);

/**
 * Reseeds a quarantined entry a worker still holds after Redis lost it (restart). KEYS: entry,
 * index. ARGV: member, op, soul, failures, remainingMs, code, status, reason, firstAt, lastAt,
 * worker, channel. Leaves an entry that is already quarantined with as many failures alone.
 * Returns {seeded, replaced}.
 */
export const SEED = new LuaScript(`
${REPAIR}
local cur = tonumber(redis.call('HGET', KEYS[1], 'f') or '0')
local f = tonumber(ARGV[4])
if redis.call('HGET', KEYS[1], 'q') == '1' and cur >= f then return {0, replaced} end
if cur > f then f = cur end
redis.call('HSET', KEYS[1], 'f', f, 'op', ARGV[2], 'soul', ARGV[3], 'c', ARGV[6], 's', ARGV[7], 'r', ARGV[8],
  'fa', ARGV[9], 'la', ARGV[10], 'q', '1')
${touch(11, 5)}
redis.call('PUBLISH', ARGV[12], cjson.encode({t = 'q', op = ARGV[2], soul = ARGV[3], f = f, nw = nw, ttl = ttl,
  c = ARGV[6], s = ARGV[7], r = ARGV[8], fa = ARGV[9], la = ARGV[10], src = ARGV[11]}))
return {1, replaced}
`);

/**
 * Lists live index members (pruning expired ones). KEYS: index. ARGV: limit, longest member in
 * bytes. Returns {index type, members too long, member...}; an index that is not a sorted set is
 * deleted (it is junk) and lists nothing.
 */
export const LIST_LIVE = new LuaScript(`
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'zset' then
  if kind ~= 'none' then redis.call('DEL', KEYS[1]) end
  return {kind, 0}
end
${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local out = {kind, 0}
local max = tonumber(ARGV[2])
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf', 'LIMIT', 0, tonumber(ARGV[1]))) do
  if #m > max then out[2] = out[2] + 1 else out[#out + 1] = m end
end
return out
`);

/** The fields {@link LOAD_ENTRIES} reads of each entry, in its answer's order. */
export const ENTRY_FIELDS = ['q', 'op', 'soul', 'f', 'nw', 'c', 's', 'r', 'fa', 'la'] as const;

/**
 * Reads entries for a load. KEYS: entry hashes. ARGV: longest field in bytes. Returns, per key,
 * its type, its PTTL and the {@link ENTRY_FIELDS} ('' when absent or not a hash); a field
 * longer than the limit is never read: its entry answers type 'long'.
 */
export const LOAD_ENTRIES = new LuaScript(`
local out = {}
local max = tonumber(ARGV[1])
local fields = {${ENTRY_FIELDS.map((f) => `'${f}'`).join(', ')}}
for _, key in ipairs(KEYS) do
  local kind = redis.call('TYPE', key)['ok']
  local values = {}
  for i, f in ipairs(fields) do
    values[i] = ''
    if kind == 'hash' then
      if redis.call('HSTRLEN', key, f) > max then kind = 'long' else values[i] = redis.call('HGET', key, f) or '' end
    end
  end
  out[#out + 1] = kind
  out[#out + 1] = redis.call('PTTL', key)
  for i = 1, #fields do out[#out + 1] = values[i] end
end
return out
`);

/** The value of KEYS[k] when it is a string of at most 200 bytes, else ''. */
const SHORT = (k: number): string =>
  `(redis.call('TYPE', KEYS[${k}])['ok'] == 'string' and redis.call('STRLEN', KEYS[${k}]) <= 200 and redis.call('GET', KEYS[${k}]) or '')`;

/**
 * Takes a lease if it is free or already ours, and no rest runs. KEYS: lease, rest, fence.
 * ARGV: holder, ttlMs. Returns {1, token} when granted, else {0, reason, holder, retryInMs}.
 *
 * The fence key counts grants (the fencing token, INCR). When it is missing the store lost its
 * data (Redis restarted empty) or is new: a lease granted before may still be running, so the
 * script grants nothing for one TTL (a rest with no holder, reason `fenced`) and restarts the
 * count at the server's time in microseconds, above any token granted before. Junk in these keys
 * (wrong types, no TTL) is deleted: it would block the lease forever. So is a counter that is not
 * a canonical integer INCR can raise and JavaScript can hold exactly (at most 9·10^15, 16 digits):
 * INCR would fail on every acquire, or tokens would lose their order.
 */
export const LEASE_ACQUIRE = new LuaScript(`
local fk = redis.call('TYPE', KEYS[3])['ok']
if fk ~= 'string' or redis.call('STRLEN', KEYS[3]) > 16 or not string.match(redis.call('GET', KEYS[3]), '^[1-9]%d*$') or tonumber(redis.call('GET', KEYS[3])) > 9000000000000000 then
  if fk ~= 'none' then redis.call('DEL', KEYS[3]) end
  local t = redis.call('TIME')
  redis.call('SET', KEYS[3], t[1] .. string.format('%06d', tonumber(t[2])))
  redis.call('DEL', KEYS[2])
  redis.call('SET', KEYS[2], '', 'PX', ARGV[2])
  return {0, 'fenced', '', tonumber(ARGV[2])}
end
local rest = redis.call('PTTL', KEYS[2])
if rest == -1 then redis.call('DEL', KEYS[2]) rest = -2 end
if rest > 0 then
  local who = ${SHORT(2)}
  if who == '' then return {0, 'fenced', '', rest} end
  return {0, 'resting', who, rest}
end
local lk = redis.call('TYPE', KEYS[1])['ok']
if (lk ~= 'none' and lk ~= 'string') or redis.call('PTTL', KEYS[1]) == -1 then redis.call('DEL', KEYS[1]) end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) or redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, redis.call('INCR', KEYS[3])}
end
return {0, 'held', ${SHORT(1)}, redis.call('PTTL', KEYS[1])}
`);

/** Extends a lease we hold. KEYS: lease. ARGV: holder, ttlMs. */
export const LEASE_EXTEND = new LuaScript(`
if redis.call('TYPE', KEYS[1])['ok'] == 'string' and redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0
`);

/**
 * Compare-and-delete: releases a lease only when we hold it; with a rest, keeps every holder
 * out for that long. KEYS: lease, rest. ARGV: holder, restMs.
 */
export const LEASE_RELEASE = new LuaScript(`
if redis.call('TYPE', KEYS[1])['ok'] == 'string' and redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2]) end
  return 1
end
return 0
`);
