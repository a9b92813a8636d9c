import { ScimError } from '../errors/scim-error';
import type { JsonObject, JsonValue } from '../json';
import type { BulkOperation, BulkRequest, BulkRequestOperation } from './bulk.request';

/** RFC 7644 §3.7.2: a value `bulkId:<id>` stands for the id of the resource created with that bulkId. */
export const BULK_ID_PREFIX = 'bulkId:';

/** The bulkId a value refers to, when it is a `bulkId:…` reference. */
export function bulkIdReference(value: string): string | undefined {
  return value.startsWith(BULK_ID_PREFIX) && value.length > BULK_ID_PREFIX.length
    ? value.slice(BULK_ID_PREFIX.length)
    : undefined;
}

/** Every bulkId an operation refers to, in its path or anywhere in its data, once each, in order of appearance. */
export function bulkIdReferences(operation: BulkOperation): string[] {
  const found = new Set<string>();
  const visit = (value: JsonValue | undefined): void => {
    if (typeof value === 'string') {
      const ref = bulkIdReference(value);
      if (ref !== undefined) found.add(ref);
    } else if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (value !== null && typeof value === 'object') {
      Object.values(value).forEach(visit);
    }
  };
  if (operation.method !== 'POST') visit(operation.id);
  if (operation.method !== 'DELETE') visit(operation.data);
  return [...found];
}

/**
 * A copy of the operation with every `bulkId:…` reference whose bulkId is in `ids` replaced by
 * the created resource's id (whole string values only; keys are left alone). Does not mutate.
 */
export function resolveBulkIds(operation: BulkOperation, ids: ReadonlyMap<string, string>): BulkOperation {
  const replace = (value: JsonValue): JsonValue => {
    if (typeof value === 'string') {
      const ref = bulkIdReference(value);
      return ref !== undefined && ids.has(ref) ? ids.get(ref)! : value;
    }
    if (Array.isArray(value)) return value.map(replace);
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v)]));
    return value;
  };
  switch (operation.method) {
    case 'POST':
      return { ...operation, data: replace(operation.data) as JsonObject };
    case 'PUT':
    case 'PATCH':
      return { ...operation, id: replace(operation.id) as string, data: replace(operation.data) as JsonObject };
    case 'DELETE':
      return { ...operation, id: replace(operation.id) as string };
  }
}

/** What to do next: run an operation (its references resolved), or fail one without running it. */
export type BulkStep =
  { kind: 'run'; operation: BulkOperation } | { kind: 'fail'; operation: BulkRequestOperation; error: ScimError };

/**
 * Orders a bulk request's operations (RFC 7644 §3.7.2): request order, except that an operation
 * whose `bulkId:` references are not resolved yet waits until the operations that create them
 * have run. An operation fails without running (400 invalidValue, naming the bulkId) when it
 * refers to a bulkId that no POST of the request defines, whose POST failed, or that is part of
 * a cycle of references (which no order can satisfy).
 *
 * Call `next()` for a step; after running a `run` step, report it with `completed()`.
 */
export class BulkScheduler {
  private pending: BulkRequestOperation[];
  /** bulkId → index of the POST that defines it. */
  private readonly creators = new Map<string, number>();
  /** bulkId → id of the resource its POST created. */
  private readonly created = new Map<string, string>();
  /** bulkId → index of the operation that defined it and failed. */
  private readonly failed = new Map<string, number>();
  /** Operations found on a cycle, with the error they fail with. */
  private readonly doomed = new Map<number, ScimError>();

  constructor(request: BulkRequest) {
    this.pending = [...request.operations];
    // A POST refused while parsing still names the bulkId it was to create: references to it fail as such.
    for (const operation of request.operations) {
      if (operation.bulkId !== undefined && operation.method?.toUpperCase() === 'POST')
        this.creators.set(operation.bulkId, operation.index);
    }
  }

  /** The bulkIds resolved so far and the ids they stand for. */
  get resolved(): ReadonlyMap<string, string> {
    return this.created;
  }

  next(): BulkStep | undefined {
    if (this.pending.length === 0) return undefined;
    const step = this.scan();
    if (step) return step;
    // Every remaining operation waits for another remaining one: there is a cycle.
    this.markCycle();
    return this.scan()!;
  }

  /** Reports the outcome of a `run` step: the created resource's id for a successful POST, else undefined. */
  completed(operation: BulkOperation, createdId: string | undefined): void {
    if (operation.method !== 'POST') return;
    if (createdId !== undefined) this.created.set(operation.bulkId, createdId);
    else this.failed.set(operation.bulkId, operation.index);
  }

  private scan(): BulkStep | undefined {
    for (const operation of this.pending) {
      const step = this.decide(operation);
      if (!step) continue;
      this.pending = this.pending.filter((p) => p !== operation);
      if (step.kind === 'fail' && operation.bulkId !== undefined && !this.created.has(operation.bulkId))
        this.failed.set(operation.bulkId, operation.index);
      return step;
    }
    return undefined;
  }

  /** A step for this operation now, or undefined when it has to wait. */
  private decide(operation: BulkRequestOperation): BulkStep | undefined {
    if (operation.kind === 'rejected') return { kind: 'fail', operation, error: operation.error };
    const doomed = this.doomed.get(operation.index);
    if (doomed) return { kind: 'fail', operation, error: doomed };
    const waiting = bulkIdReferences(operation).filter((ref) => !this.created.has(ref));
    if (waiting.length === 0) return { kind: 'run', operation: resolveBulkIds(operation, this.created) };
    for (const ref of waiting) {
      if (!this.creators.has(ref)) {
        return this.fail(
          operation,
          `Operations[${operation.index}] refers to bulkId "${ref}", which no POST operation in this request defines.`,
        );
      }
      const failedAt = this.failed.get(ref);
      if (failedAt !== undefined) {
        return this.fail(
          operation,
          `Operations[${operation.index}] refers to bulkId "${ref}", which cannot be resolved: Operations[${failedAt}], which was to create it, failed.`,
        );
      }
    }
    return undefined;
  }

  private fail(operation: BulkRequestOperation, detail: string): BulkStep {
    return { kind: 'fail', operation, error: ScimError.badRequest('invalidValue', detail) };
  }

  /**
   * Follows the first unresolved reference from the first waiting operation until an operation
   * repeats: the operations from its first visit on form a cycle, and each of them is doomed.
   */
  private markCycle(): void {
    const byIndex = new Map(this.pending.map((p) => [p.index, p]));
    const path: { index: number; ref: string }[] = [];
    let current = this.pending[0]! as BulkOperation;
    for (;;) {
      const ref = bulkIdReferences(current).find((r) => !this.created.has(r))!;
      const start = path.findIndex((p) => p.index === current.index);
      if (start >= 0) {
        const cycle = path.slice(start);
        // Each member refers to the next member's bulkId; the last one to the first's.
        const names = [cycle[cycle.length - 1]!.ref, ...cycle.map((p) => p.ref)].map((name) => `"${name}"`);
        const circle =
          cycle.length === 1
            ? `bulkId ${names[0]} refers to itself`
            : `bulkIds ${names.join(' → ')} refer to each other in a circle`;
        for (const member of cycle) {
          const self = byIndex.get(member.index)!;
          this.doomed.set(
            member.index,
            ScimError.badRequest(
              'invalidValue',
              `Operations[${member.index}] (bulkId "${self.bulkId ?? ''}") cannot be resolved: ${circle}. Create the resources first, then link them with a PATCH.`,
            ),
          );
        }
        return;
      }
      path.push({ index: current.index, ref });
      current = byIndex.get(this.creators.get(ref)!)! as BulkOperation;
    }
  }
}
