// gun-relay-client/status: a read-only status endpoint for a sync worker (health, Prometheus
// metrics, and one static HTML page with its JSON), over any StatusSource.
export { serveStatus, type ServeStatusOptions, type StatusServer } from './serveStatus.js';
export { syncLoopStatusSource, type SyncLoopStatusSourceOptions } from './syncLoopStatusSource.js';
export { formatMetrics, type MetricsInput } from './metrics.js';
export type { StatusCycle, StatusHealth, StatusRelay, StatusSource } from './StatusSource.js';
