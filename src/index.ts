export { GunRelayClient } from './client/GunRelayClient.js';
export type {
  CallOptions,
  DeleteOptions,
  DeleteResult,
  ListEntry,
  ListOptions,
  PutResult,
  RelayNode,
} from './client/results.js';
export type { RelayHealth } from './client/RelayPool.js';
export type { GetResult, PutEntry, ReadLimitOptions } from './client/results.js';
export type { BatchOptions, BatchOutcome, BatchProgress } from './batch/runBatch.js';
export { directRelayClassifier, oipProxyClassifier } from './relays/classifiers.js';
export type { RelayClassifier, RelayEndpoint, RelayVerdict } from './relays/classifiers.js';
export type { ClassifierProblem } from './relays/classifiers.js';
export { PROXY_HEALTH_SOUL, type RelayEntry, type RelayKind } from './relays/RelayProfile.js';
export type { FailoverMode } from './relays/FailoverPolicy.js';
export type { Comparison, RelayAnswer } from './relays/compare.js';
export { attachLogger } from './client/logging.js';
export { clientOptionsSchema, type ClientOptions, type ResolvedOptions, type Logger } from './options.js';
export { systemClock, ManualClock, type Clock, type TimerHandle } from './clock.js';
export { SyncLoop } from './sync/SyncLoop.js';
export { CycleAbort } from './sync/CycleAbort.js';
export { syncLoopOptionsSchema, type SyncLoopOptions, type ResolvedSyncLoopOptions } from './sync/options.js';
export type {
  Cycle,
  CycleOutcome,
  CycleReport,
  CycleLeaseReport,
  CycleStartEvent,
  SyncLoopEvents,
  SyncLoopHealth,
  SyncLoopStatus,
} from './sync/types.js';
export { TRACING_CHANNELS, DIAGNOSTIC_CHANNELS, type AttemptTrace, type CallTrace, type CycleRef, type CycleTrace, type RereadTrace } from './tracing/channels.js';
export type { LeaseStore, LeaseAnswer, LeaseGrant, LeaseRefusal } from './stores/LeaseStore.js';
export { MemoryLeaseStore } from './stores/MemoryLeaseStore.js';
export {
  GunRelayError,
  isGunRelayError,
  ERROR_CODES,
  BODY_EXCERPT_LIMIT,
  redactUrl,
  type GunRelayErrorCode,
  type GunRelayErrorDetails,
  type FailureScope,
  type Operation,
} from './errors.js';
export type {
  ClientEvents,
  StatsSnapshot,
  OperationCounters,
  ReadGuardCounters,
  CountedOperation,
  LedgerOperation,
  LedgerFailureCode,
  BreakerState,
  SkipEvent,
  FailureEvent,
  QuarantineEvent,
  RecoverEvent,
  SettleEvent,
  RetryEvent,
  BreakerEvent,
  SuspectReadEvent,
  CrossLinkEvent,
  ListenerErrorEvent,
  LedgerStoreJunkEvent,
  ClassifierErrorEvent,
} from './events.js';
export type { QuarantinedSoul, LedgerEntry } from './ledger/FailureLedger.js';
export type { AppFailure, AppFailureResult } from './ledger/appFailures.js';
export type { FleetLedgerStats } from './ledger/types.js';
export { MemoryLedgerStore, type MemoryLedgerStoreOptions } from './stores/MemoryLedgerStore.js';
export type {
  LedgerStore,
  LedgerStoreLink,
  LedgerStoreSink,
  LedgerStoreJunk,
  LedgerStoreConfig,
  LedgerStoreStats,
  LedgerFailureWrite,
  SharedLedgerEntry,
} from './stores/LedgerStore.js';
export {
  ledgerSnapshotSchema,
  LEDGER_SNAPSHOT_VERSION,
  MAX_LEDGER_NAME_LENGTH,
  MAX_LEDGER_REASON_LENGTH,
  MAX_LEDGER_OPERATIONS,
  type LedgerSnapshot,
  type LedgerSnapshotEntry,
  type LedgerImportResult,
} from './ledger/snapshot.js';
export { MAX_SOUL_LENGTH, MAX_NODE_DEPTH, type GunNode, type GunValue } from './protocol/input.js';
export { prepareWrite, type PreparedWrite } from './protocol/preparedWrite.js';
export { AxiosTransport, type AxiosTransportOptions } from './transport/AxiosTransport.js';
export type { BodySink, Transport, TransportRequest, TransportResponse, RetryHook } from './transport/Transport.js';
export type { StreamGetOptions, StreamGetResult } from './client/streamedRead.js';
export { MAX_RESOLVE_DEPTH } from './client/records.js';
export { resolveLinks, DEFAULT_MAX_LINK_READS, type LinkResolverOptions, type ReadNode } from './reads/linkResolver.js';
export { linkTarget } from './protocol/crossLinks.js';
export type {
  GetOptions,
  GetRecordOptions,
  PutRecordOptions,
  PutRecordResult,
  RecordRead,
} from './client/records.js';
export type { OipRecord, DecodedRecord, StoredRecordMeta, RecordEncryptionState } from './oip/recordSchemas.js';
export type { KeyProvider } from './oip/recordCodec.js';
export type { EncryptionKey } from './oip/envelope.js';
