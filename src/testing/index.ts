// Test infrastructure for users of gun-relay-client: a local relay over the real `gun` (one or
// several separate stores), a copy of the OIP indexer's `/gun-relay` proxy, and a
// fault-injection HTTP server, and a throw-away redis-server. Import from `gun-relay-client/testing`.
export { startLocalRelay } from './LocalRelay.js';
export type {
  LocalRelay,
  LocalRelayOptions,
  RelayRequestRecord,
} from './LocalRelay.js';
export type { RelayFault, RelayFaultBehaviour } from './relayFaults.js';
export { startLocalRelays } from './LocalRelayGroup.js';
export type { LocalRelayGroup } from './LocalRelayGroup.js';
export { startOipProxy } from './OipProxy.js';
export type { OipProxy, OipProxyOptions, OipProxyRequestRecord } from './OipProxy.js';
export { startFaultServer } from './FaultServer.js';
export type {
  FaultBehaviour,
  FaultHandler,
  FaultRequest,
  FaultRequestRecord,
  FaultServer,
} from './FaultServer.js';
export { crossLinkedKey, largeIndexBody, largeIndexBodyLength, largeIndexKey, startLargeIndexServer } from './LargeIndexServer.js';
export type { LargeIndexKind, LargeIndexServer, LargeIndexServerOptions, LargeIndexSpec } from './LargeIndexServer.js';
export { startRedisServer } from './RedisServer.js';
export type { RedisServer, RedisServerOptions } from './RedisServer.js';
