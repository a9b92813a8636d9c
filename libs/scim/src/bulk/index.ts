export {
  BULK_LIMITS,
  BULK_REQUEST_SCHEMA,
  BULK_RESPONSE_SCHEMA,
  bulkTooLarge,
  parseBulkPath,
  parseBulkRequest,
  type BulkLimits,
  type BulkMethod,
  type BulkOperation,
  type BulkRequest,
  type BulkRequestOperation,
  type BulkResource,
  type RejectedBulkOperation,
} from './bulk.request';
export {
  BULK_ID_PREFIX,
  BulkScheduler,
  bulkIdReference,
  bulkIdReferences,
  resolveBulkIds,
  type BulkStep,
} from './bulk-id.resolver';
export { bulkResponse, bulkResponseOperation, type BulkResponse, type BulkResponseOperation } from './bulk.response';
export { runBulk, type BulkExecutor, type BulkOutcome, type BulkRunOptions } from './bulk.runner';
