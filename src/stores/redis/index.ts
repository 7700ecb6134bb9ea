// gun-relay-client/redis: the fleet's shared failure ledger and cycle leases on Redis, over the
// caller's ioredis connection (ioredis is an optional peer dependency; the core never loads it).
export { RedisLedgerStore, type RedisLedgerStoreOptions } from './RedisLedgerStore.js';
export { RedisLeaseStore, type RedisLeaseStoreOptions, type RedisLeaseStoreStats } from './RedisLeaseStore.js';
export { RedisKeys } from './keys.js';
export type { RedisConnection } from './scripts.js';
