/**
 * Drop-in replacement for helpers/gun.js: `const { GunHelper } = require('gun-relay-client/legacy')`.
 * Subpath export `gun-relay-client/legacy`; see docs/migration.md for what changed and why.
 */
export { GunHelper } from './GunHelper.js';
export type {
  GunHelperOptions,
  LegacyGetRecordOptions,
  LegacyListEntry,
  LegacyListOptions,
  LegacyPutRecordOptions,
  LegacyRecord,
} from './GunHelper.js';
export { GunSkippedError, RELAY_NOT_ACCESSIBLE, RELAY_TIMEOUT } from './legacyErrors.js';
export { attachLegacyLog, deleteStatsLine } from './legacyLog.js';
export type { LogSink } from './legacyLog.js';
export {
  DEFAULT_GUN_PEER,
  DEFAULT_REGISTRY_TIMEOUT_MS,
  legacyBaseUrl,
  legacyPutTimeoutMs,
  legacyThrowOnSkip,
} from './config.js';
export type { LegacyEnv } from './config.js';
