// Test infrastructure for users of gun-relay-client: a local relay over the real `gun` and a
// fault-injection HTTP server. Import from `gun-relay-client/testing`.
export { startLocalRelay } from './LocalRelay.js';
export type {
  LocalRelay,
  LocalRelayOptions,
  RelayRequestRecord,
} from './LocalRelay.js';
export type { RelayFault, RelayFaultBehaviour } from './relayFaults.js';
export { startFaultServer } from './FaultServer.js';
export type {
  FaultBehaviour,
  FaultHandler,
  FaultRequest,
  FaultRequestRecord,
  FaultServer,
} from './FaultServer.js';
