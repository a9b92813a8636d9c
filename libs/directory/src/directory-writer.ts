import type { DataSource, EntityManager } from 'typeorm';
import { USER_RESOURCE_TYPE, applyPatch, validateUserDocument } from '@scim/scim';
import type { DirectoryJobData, DirectoryJobName, DirectoryWrite, FailureNotice, WriteResult } from '@scim/queue';
import { FailureReason } from '@scim/queue';
import { isDeadlock, permanentDatabaseRefusal, refusalOf, type Refusal } from './directory-error';
import { GroupWrites } from './groups/group-writes';
import { OperationsLog } from './operations/operations-log';
import { isResourceId } from './resource-id';
import type { TenantSettingsCache } from './tenants/tenant-settings.cache';
import { UserWrites } from './users/user-writes';
import { jobSubject } from './operations/operation-subject';

/** Where the writer reports failures of tenants that want emails (the worker: the notifications queue). */
export interface FailureNotifier {
  notify(notice: FailureNotice): Promise<void>;
}

export type DirectoryJobInput = DirectoryWrite;

type DirectoryJobPayloads = { [N in DirectoryJobName]: DirectoryJobData<N> };
/** Applies one job's payload, inside `db` (a batch's transaction) when given. */
type Handler<N extends DirectoryJobName> = (data: DirectoryJobPayloads[N], db?: EntityManager) => Promise<WriteResult>;
type DirectoryJobHandlers = { [N in DirectoryJobName]: Handler<N> };

/** How often a batch is run again from the start after Postgres chose it as a deadlock's victim. */
const MAX_BATCH_DEADLOCK_RETRIES = 3;

/** Group writes that lock an existing group row (a create has none yet). */
function lockedGroupId(job: DirectoryJobInput): string | undefined {
  return job.name === 'replace-group' || job.name === 'patch-group' || job.name === 'delete-group'
    ? job.data.groupId
    : undefined;
}

/**
 * Applies directory write jobs under the platform rules and records each in the operations log,
 * whose primary key is the operation id: a redelivered job is answered from the log instead of
 * being applied twice. Refusals (rules, validation, not found) are results; anything else is
 * thrown for BullMQ to retry.
 */
export class DirectoryWriter {
  private readonly users: UserWrites;
  private readonly groups: GroupWrites;
  private readonly log: OperationsLog;

  constructor(
    private readonly dataSource: DataSource,
    private readonly tenantSettings: TenantSettingsCache,
    private readonly notifier?: FailureNotifier,
  ) {
    this.users = new UserWrites(dataSource, tenantSettings);
    this.groups = new GroupWrites(dataSource);
    this.log = new OperationsLog(dataSource);
  }

  async apply(job: DirectoryJobInput): Promise<WriteResult> {
    if (Date.now() > job.data.deadline) {
      // The gateway has already answered 503: a write that had not started must not happen later.
      return (
        (await this.log.replay(job.data.operationId)) ??
        this.refuse(job, {
          detail:
            'The write was not applied: it waited in the queue longer than the gateway waits for an answer. Retry the request.',
          reason: FailureReason.TimedOut,
        })
      );
    }
    try {
      return await this.dispatch(job);
    } catch (error) {
      // A redelivered job meets its own earlier write (a unique violation): answer what was recorded.
      const recorded = await this.log.replay(job.data.operationId);
      if (recorded) return recorded;
      // Data or a statement the database refuses fails the same way on every retry: an answer, not a retry.
      const refusal = refusalOf(error) ?? permanentDatabaseRefusal(error);
      if (!refusal) throw error;
      return this.refuse(job, refusal);
    }
  }

  /**
   * Applies writes gathered into one job (issue 13): one transaction, a savepoint per write, one
   * COMMIT. A write refused by a rule rolls back to its savepoint and is recorded as refused; the
   * others are untouched. Operations already in the log (a redelivered batch: the worker died after
   * COMMIT) are answered from it and not applied again. A write past its deadline is refused alone.
   * Groups that writes of the batch lock are locked first, in id order, so that two batches
   * touching the same groups cannot deadlock on them; a deadlock elsewhere (users updated in
   * opposite orders) rolls the batch back and runs it again. Any other error is thrown: nothing of
   * the batch was committed and BullMQ retries all of it. Results are in the order of `jobs`.
   * `firstDelivery`: the job has neither failed nor stalled before (skips the look-up in the log).
   */
  async applyBatch(jobs: DirectoryJobInput[], { firstDelivery = false } = {}): Promise<WriteResult[]> {
    if (jobs.length === 1) return [await this.apply(jobs[0]!)];
    const results: (WriteResult | undefined)[] = new Array(jobs.length);
    // On a first delivery nothing can have run yet; an operation recorded by the gateway meanwhile
    // (a lost reply settled as refused) meets its row and is answered from it, below.
    const recorded = new Set(firstDelivery ? [] : await this.log.recorded(jobs.map((job) => job.data.operationId)));
    const now = Date.now();
    const pending: number[] = [];
    for (const [index, job] of jobs.entries()) {
      if (recorded.has(job.data.operationId)) results[index] = await this.log.replay(job.data.operationId);
      else if (now > job.data.deadline) results[index] = await this.apply(job);
      else pending.push(index);
    }
    if (pending.length > 0) {
      const batch = pending.map((index) => jobs[index]!);
      const applied = (await this.createAllAtOnce(batch)) ?? (await this.inOneTransaction(batch));
      pending.forEach((index, i) => (results[index] = applied[i]));
    }
    // A write recorded meanwhile whose row has since gone (deleted): answer as replay() would have.
    return results.map(
      (result) =>
        result ?? {
          ok: false,
          reason: FailureReason.NotFound,
          detail: 'The resource written by this operation was deleted.',
        },
    );
  }

  /**
   * A batch of user creates only (an initial sync) is one statement (UserWrites.createMany). A
   * create whose userName was taken is then applied alone, which refuses it (409) as usual. When
   * the statement fails (data Postgres refuses, a deadlock) nothing was written: undefined, and the
   * batch runs in a transaction, write by write.
   */
  private async createAllAtOnce(jobs: DirectoryJobInput[]): Promise<WriteResult[] | undefined> {
    const creates = jobs.flatMap((job) => (job.name === 'create-user' ? [job.data] : []));
    if (creates.length < jobs.length) return undefined;
    const created = await this.users.createMany(creates).catch(() => undefined);
    if (!created) return undefined;
    const results: WriteResult[] = [];
    for (const [i, result] of created.entries()) results.push(result ?? (await this.apply(jobs[i]!)));
    return results;
  }

  /**
   * The batch first runs without savepoints: each write is then one statement, as when it runs
   * alone, and the batch pays for one BEGIN and one COMMIT. A write that fails in any way (a
   * statement Postgres refused aborts the transaction) rolls the batch back, and it runs again
   * with a SAVEPOINT per write, where a refusal rolls back only its own write.
   */
  private async inOneTransaction(jobs: DirectoryJobInput[]): Promise<WriteResult[]> {
    let savepoints = false;
    for (let deadlocks = 0; ;) {
      const notices: FailureNotice[] = [];
      const runner = this.dataSource.createQueryRunner();
      try {
        await runner.connect();
        await runner.startTransaction();
        const groupIds = [...new Set(jobs.map(lockedGroupId).filter((id) => id !== undefined && isResourceId(id)))];
        if (groupIds.length > 0) {
          await runner.query(`SELECT id FROM groups WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`, [
            groupIds.sort(),
          ]);
        }
        const results: WriteResult[] = [];
        for (const job of jobs) {
          if (!savepoints) {
            results.push(await this.dispatch(job, runner.manager));
            continue;
          }
          try {
            // A nested transaction is a SAVEPOINT: a refused write rolls back to it alone.
            results.push(await runner.manager.transaction((manager) => this.dispatch(job, manager)));
          } catch (error) {
            if (isDeadlock(error)) throw error;
            // Recorded meanwhile (the gateway gave up on it and recorded a refusal): that is the answer.
            const recorded = await this.log.replay(job.data.operationId, runner.manager);
            if (recorded) {
              results.push(recorded);
              continue;
            }
            const refusal = refusalOf(error) ?? permanentDatabaseRefusal(error);
            if (!refusal) throw error;
            const { result, notice } = await this.recordRefusal(job, refusal, runner.manager);
            results.push(result);
            if (notice) notices.push(notice);
          }
        }
        await runner.commitTransaction();
        for (const notice of notices) await this.notifier?.notify(notice).catch(() => undefined);
        return results;
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        if (isDeadlock(error)) {
          if (++deadlocks > MAX_BATCH_DEADLOCK_RETRIES) throw error;
        } else if (savepoints) {
          throw error;
        }
        savepoints = true;
      } finally {
        await runner.release();
      }
    }
  }

  /**
   * One handler per job name. `satisfies` makes a job name without a handler (or a handler of the
   * wrong payload) a compile error, so no start-up check is needed.
   */
  private readonly handlers = {
    'create-user': (data, db) => this.users.create(data, db),
    'replace-user': (data, db) => this.users.update('replace-user', data, () => data.user, db),
    'patch-user': (data, db) =>
      this.users.update(
        'patch-user',
        data,
        (current) => validateUserDocument(applyPatch(current, data.operations, USER_RESOURCE_TYPE)),
        db,
      ),
    'delete-user': (data, db) => this.users.delete(data, db),
    'create-group': (data, db) => this.groups.create(data, db),
    'replace-group': (data, db) => this.groups.replace(data, db),
    'patch-group': (data, db) => this.groups.patch(data, db),
    'delete-group': (data, db) => this.groups.delete(data, db),
  } satisfies DirectoryJobHandlers;

  private dispatch(job: DirectoryJobInput, db?: EntityManager): Promise<WriteResult> {
    return this.run(job.name, job.data, db);
  }

  private run<N extends DirectoryJobName>(name: N, data: DirectoryJobPayloads[N], db?: EntityManager) {
    const handler: DirectoryJobHandlers[N] = this.handlers[name];
    return handler(data, db);
  }

  /**
   * Records a refusal and, for a tenant that wants failure emails, reports it. A 404 is not a
   * failure of the tenant's provisioning (Entra deletes what is already gone). Reporting is best
   * effort: the row is already marked pending, and the notifier gathers pending rows anyway.
   */
  private async refuse(job: DirectoryJobInput, refusal: Refusal): Promise<WriteResult> {
    const { result, notice } = await this.recordRefusal(job, refusal);
    if (notice) await this.notifier?.notify(notice).catch(() => undefined);
    return result;
  }

  private async recordRefusal(
    job: DirectoryJobInput,
    refusal: Refusal,
    db?: EntityManager,
  ): Promise<{ result: WriteResult; notice?: FailureNotice }> {
    // A refused PATCH or DELETE names only an id: the log (and the failure notice) say whom it was about.
    const subject = await this.log.completeSubject(job.data.tenantId, jobSubject(job), db);
    const tenant = await this.tenantSettings.get(job.data.tenantId).catch(() => undefined);
    const notify =
      refusal.reason !== FailureReason.NotFound &&
      tenant !== undefined &&
      tenant.notifyOnFailure &&
      tenant.notifyEmail !== null;
    const { operationId, requestId, tenantId } = job.data;
    return this.log.refuse({ operationId, requestId, tenantId, kind: job.name, subject, notify }, refusal, db);
  }

  /**
   * The notice for a job whose retries ran out (Postgres unreachable, say). Nothing could be
   * recorded; the notifier records it when the database is back, if the tenant wants emails.
   */
  exhaustedNotice(job: DirectoryJobInput, attempts: number): FailureNotice {
    return unavailableNotice(
      job,
      `The write was not applied: the directory was unavailable for all ${attempts} attempts.`,
      { attempts },
    );
  }
}

/**
 * The failure notice of a write that was not applied because the directory was unavailable; the
 * notifier records it when it can and mails it if the tenant wants failure emails.
 */
export function unavailableNotice(
  job: DirectoryJobInput,
  detail: string,
  context: Record<string, unknown> | null = null,
): FailureNotice {
  const subject = jobSubject(job);
  return {
    tenantId: job.data.tenantId,
    operationId: job.data.operationId,
    ...(job.data.requestId ? { requestId: job.data.requestId } : {}),
    kind: job.name,
    resourceType: subject.resourceType,
    resourceId: subject.resourceId,
    resourceName: subject.name,
    externalId: subject.externalId,
    detail,
    reason: FailureReason.Unavailable,
    context,
    occurredAt: new Date().toISOString(),
  };
}
