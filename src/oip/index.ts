/**
 * The OIP record codec (souls, DIDs, record nodes and their encryption envelope: pure functions,
 * no network) and the registry helpers sync workers use through a client (index snapshots,
 * single-field index writes, the deletion registry). Subpath export `gun-relay-client/oip`.
 */
export {
  SOUL_HASH_LENGTH,
  TimeSoulClock,
  computeSoul,
  contentHash,
  defaultTimeSoulClock,
  parseSoul,
  publisherHash,
} from './souls.js';
export type { ComputeSoulOptions, ParsedSoul, WallClock } from './souls.js';
export { GUN_DID_PREFIX, fromDid, isGunDid, toDid } from './did.js';
export {
  ENCRYPTION_METHOD,
  EncryptionEnvelopeSchema,
  IV_LENGTH,
  KEY_LENGTH,
  TAG_LENGTH,
  assertEncryptionKey,
  decryptRecordData,
  encryptRecordData,
  isEncryptionEnvelope,
} from './envelope.js';
export type { EncryptionEnvelope, EncryptionKey } from './envelope.js';
export {
  EncryptionMetaFieldsSchema,
  GunLinkSchema,
  StoredRecordMetaSchema,
  isGunLink,
} from './recordSchemas.js';
export type {
  DecodedRecord,
  EncodedRecordNode,
  EncryptionMetaFields,
  GunLink,
  NodeScalar,
  OipRecord,
  RecordEncryptionState,
  RecordMeta,
  StoredRecordMeta,
} from './recordSchemas.js';
export { decodeRecord, encodeRecord, parseRecordNode } from './recordCodec.js';
export type {
  DecodeRecordOptions,
  EncodeRecordOptions,
  KeyProvider,
  ParseRecordOptions,
} from './recordCodec.js';
export { canonicalJson } from '../protocol/safeJson.js';
export {
  DELETED_INDEX_SOUL,
  DELETED_RECORDS_ROOT,
  REGISTRY_ROOT,
  deletedRecordSoul,
  registryIndexSoul,
  registryNodeSoul,
} from './registrySouls.js';
export { indexAdd, indexRemove } from './indexWrites.js';
export type { IndexEntry, RegistryIo } from './indexWrites.js';
export { IndexSnapshot } from './snapshot/IndexSnapshot.js';
export type { IndexSnapshotOptions, SnapshotCallOptions } from './snapshot/IndexSnapshot.js';
export { DeletionRegistry } from './DeletionRegistry.js';
export { OipSyncWorker } from './worker/OipSyncWorker.js';
export type { OipQuarantinedSoul, OipRelayState, OipSyncWorkerHealth } from './worker/OipSyncWorker.js';
export { oipSyncWorkerOptionsSchema } from './worker/options.js';
export type { OipRelayInput, OipSyncWorkerOptions, ResolvedOipSyncWorkerOptions } from './worker/options.js';
export { OIP_RECORD_TYPES } from './worker/recordTypes.js';
export { MAX_REPORTED_PROBLEMS } from './worker/report.js';
export type {
  OipCycleProblem,
  OipIndexFailure,
  OipIndexState,
  OipPeerReport,
  OipSkipReason,
  OipSyncCycleReport,
  OipTypeReport,
} from './worker/report.js';
export type { OipCopiedEvent, OipDeletedEvent, OipHookFailedEvent } from './worker/hooks.js';
export type { OipProgressEvent, OipSyncWorkerEvents } from './worker/events.js';
