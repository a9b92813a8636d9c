import { ScimError } from '../errors/scim-error';
import { etag } from '../resources/stored-resource';
import { bulkIdReference, resolveBulkIds, BulkScheduler } from './bulk-id.resolver';
import type { BulkOperation, BulkRequest, BulkRequestOperation } from './bulk.request';
import { bulkResponse, bulkResponseOperation, type BulkResponse, type BulkResponseOperation } from './bulk.response';

/** What applying one operation gave: its status, and for a created resource its id. */
export interface BulkOutcome {
  status: number;
  /** The created resource's id (required for a successful POST, so that bulkId references resolve). */
  id?: string;
  version?: number;
  location?: string;
}

/**
 * Applies one operation whose bulkId references are resolved. Refusals are thrown as ScimError
 * and become that operation's entry; anything else thrown becomes a 500 entry.
 */
export type BulkExecutor = (operation: BulkOperation) => Promise<BulkOutcome>;

export interface BulkRunOptions {
  /** The SCIM base URL, for the `location` of operations on an existing resource. */
  baseUrl: string;
}

/**
 * Runs a parsed bulk request one operation at a time, in request order except where bulkId
 * references make an operation wait (BulkScheduler). Each operation's outcome or error becomes
 * its entry; once `failOnErrors` operations have failed, the rest are neither run nor listed
 * (RFC 7644 §3.7.3). Entries are listed in request order.
 */
export async function runBulk(
  request: BulkRequest,
  execute: BulkExecutor,
  options: BulkRunOptions,
): Promise<BulkResponse> {
  const scheduler = new BulkScheduler(request);
  const entries: { index: number; entry: BulkResponseOperation }[] = [];
  let errors = 0;
  for (let step = scheduler.next(); step; step = scheduler.next()) {
    let entry: BulkResponseOperation;
    if (step.kind === 'fail') {
      entry = failure(
        step.operation,
        step.error,
        locationOf(resolvedTarget(step.operation, scheduler.resolved), options),
      );
    } else {
      const operation = step.operation;
      try {
        const outcome = await execute(operation);
        const createdId = operation.method === 'POST' && outcome.status < 300 ? outcome.id : undefined;
        scheduler.completed(operation, createdId);
        entry = bulkResponseOperation({
          method: operation.method,
          bulkId: operation.bulkId,
          version: outcome.version === undefined ? undefined : etag(outcome.version),
          location:
            outcome.location ??
            locationOf(
              operation.method === 'POST' ? targetOf(operation, createdId) : targetOf(operation, operation.id),
              options,
            ),
          status: outcome.status,
        });
      } catch (error) {
        scheduler.completed(operation, undefined);
        const scimError =
          error instanceof ScimError
            ? error
            : new ScimError(
                500,
                'An unexpected error occurred while applying this operation. Read the resource to see whether it was applied, then retry.',
              );
        entry = failure(
          operation,
          scimError,
          locationOf(operation.method === 'POST' ? undefined : targetOf(operation, operation.id), options),
        );
      }
    }
    entries.push({ index: step.operation.index, entry });
    if (Number(entry.status) >= 400) errors += 1;
    if (request.failOnErrors !== undefined && errors >= request.failOnErrors) break;
  }
  return bulkResponse(entries.sort((a, b) => a.index - b.index).map((e) => e.entry));
}

function failure(
  operation: BulkRequestOperation,
  error: ScimError,
  location: string | undefined,
): BulkResponseOperation {
  return bulkResponseOperation({
    method: operation.method,
    bulkId: operation.bulkId,
    location,
    status: error.status,
    error: { detail: error.detail, scimType: error.scimType },
  });
}

interface Target {
  resource: BulkOperation['resource'];
  id: string;
}

function targetOf(operation: BulkOperation, id: string | undefined): Target | undefined {
  return id === undefined ? undefined : { resource: operation.resource, id };
}

/** The resource a failed operation was about, when its id is known (not an unresolved reference). */
function resolvedTarget(operation: BulkRequestOperation, resolved: ReadonlyMap<string, string>): Target | undefined {
  if (operation.kind !== 'operation' || operation.method === 'POST') return undefined;
  const { id } = resolveBulkIds(operation, resolved) as Exclude<BulkOperation, { method: 'POST' }>;
  return bulkIdReference(id) === undefined ? { resource: operation.resource, id } : undefined;
}

function locationOf(target: Target | undefined, options: BulkRunOptions): string | undefined {
  return target ? `${options.baseUrl}/${target.resource}/${encodeURIComponent(target.id)}` : undefined;
}
