import type { DataSource } from 'typeorm';
import { USER_RESOURCE_TYPE, applyPatch, parsePatchRequest, parseUser, validateUserDocument } from '@scim/scim';
import type { DirectoryJobData, DirectoryJobName, FailureNotice, WriteResult } from '@scim/queue';
import {
  FailureReason,
  assertNever,
  answerForPermanentDatabaseError,
  answerForRefusal,
  type ErrorAnswer,
} from './directory-error';
import { GroupWrites } from './groups/group-writes';
import { OperationsLog } from './operations/operations-log';
import type { TenantSettingsCache } from './tenants/tenant-settings.cache';
import { UserWrites } from './users/user-writes';
import { jobSubject } from './operations/operation-subject';

/** Where the writer reports failures of tenants that want emails (the worker: the notifications queue). */
export interface FailureNotifier {
  notify(notice: FailureNotice): Promise<void>;
}

export type DirectoryJobInput = { [N in DirectoryJobName]: { name: N; data: DirectoryJobData<N> } }[DirectoryJobName];

/**
 * Applies directory write jobs under the platform rules and records each in the operations log,
 * whose primary key is the operation id: a redelivered job is answered from the log instead of
 * being applied twice. Refusals (rules, validation, not found) are results; anything else is
 * thrown for BullMQ to retry.
 */
export class DirectoryWriter {
  /** The jobs `apply` handles; the worker refuses to start when the contract names one more. */
  static readonly HANDLED_JOBS: Readonly<Record<DirectoryJobName, true>> = {
    'create-user': true,
    'replace-user': true,
    'patch-user': true,
    'delete-user': true,
    'create-group': true,
    'replace-group': true,
    'patch-group': true,
    'delete-group': true,
  };

  private readonly users: UserWrites;
  private readonly groups: GroupWrites;
  private readonly log: OperationsLog;

  constructor(
    dataSource: DataSource,
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
          status: 503,
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
      const refusal = answerForRefusal(error) ?? answerForPermanentDatabaseError(error);
      if (!refusal) throw error;
      return this.refuse(job, refusal);
    }
  }

  private dispatch(job: DirectoryJobInput): Promise<WriteResult> {
    switch (job.name) {
      case 'create-user':
        return this.users.create(job.data);
      case 'replace-user':
        return this.users.update(job.name, job.data, () => parseUser(job.data.user));
      case 'patch-user': {
        const operations = parsePatchRequest(job.data.patch);
        return this.users.update(job.name, job.data, (current) =>
          validateUserDocument(applyPatch(current, operations, USER_RESOURCE_TYPE)),
        );
      }
      case 'delete-user':
        return this.users.delete(job.data);
      case 'create-group':
        return this.groups.create(job.data);
      case 'replace-group':
        return this.groups.replace(job.data);
      case 'patch-group':
        return this.groups.patch(job.data);
      case 'delete-group':
        return this.groups.delete(job.data);
      default:
        return assertNever(job);
    }
  }

  /**
   * Records a refusal and, for a tenant that wants failure emails, reports it. A 404 is not a
   * failure of the tenant's provisioning (Entra deletes what is already gone). Reporting is best
   * effort: the row is already marked pending, and the notifier gathers pending rows anyway.
   */
  private async refuse(job: DirectoryJobInput, refusal: ErrorAnswer): Promise<WriteResult> {
    // A refused PATCH or DELETE names only an id: the log (and the failure notice) say whom it was about.
    const subject = await this.log.completeSubject(job.data.tenantId, jobSubject(job));
    const tenant = await this.tenantSettings.get(job.data.tenantId).catch(() => undefined);
    const notify =
      refusal.status !== 404 && tenant !== undefined && tenant.notifyOnFailure && tenant.notifyEmail !== null;
    const { operationId, requestId, tenantId } = job.data;
    const { result, notice } = await this.log.refuse(
      { operationId, requestId, tenantId, kind: job.name, subject, notify },
      refusal,
    );
    if (notice) await this.notifier?.notify(notice).catch(() => undefined);
    return result;
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
    status: 503,
    scimType: null,
    detail,
    reason: FailureReason.Unavailable,
    context,
    occurredAt: new Date().toISOString(),
  };
}
