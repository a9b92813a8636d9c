import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { FailureReason, isFailureReason, type FailureNotice } from '@scim/queue';
import { failedOperationRow, insertOperationSql } from '@scim/directory';
import type { MailSender, RenderedEmail } from './mail-sender';

/** A failure as a digest lists it: the notice, as recorded in the operations log. */
export type DigestFailure = Omit<FailureNotice, 'tenantId' | 'requestId' | 'occurredAt'> & { occurredAt: Date };

export interface DigestTenant {
  id: string;
  name: string;
  workDomains: string[];
}

/** Renders a digest; `digestId` lets the email link to exactly these failures in the console. */
export type DigestRenderer = (tenant: DigestTenant, failures: DigestFailure[], digestId: string) => RenderedEmail;

export interface DeliveryPolicy {
  /** First delay before a failed send is retried; it doubles up to `maxRetryDelayMs`. */
  retryMs: number;
  maxRetryDelayMs: number;
  /** How long a digest is retried before it is marked undeliverable. */
  giveUpAfterMs: number;
}

export type DeliveryOutcome = 'sent' | 'retry' | 'undeliverable' | 'idle';

/** One send attempt, for the notifier's log line and metrics; `error` is what the sender threw. */
export type DeliveryReport =
  | { outcome: 'idle' }
  | {
      outcome: 'sent' | 'retry' | 'undeliverable';
      digestId: string;
      tenantId: string;
      attempts: number;
      failureCount: number;
      error?: unknown;
      retryInMs?: number;
    };

/** A digest as `npm run tenant -- digests` shows it. */
export interface DigestRecord {
  digestId: string;
  createdAt: string;
  state: 'pending' | 'sent' | 'undeliverable';
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  sentAt: string | null;
  failureCount: number;
  recipient: string;
  subject: string;
}

interface FailureRow {
  id: string;
  created_at: Date;
  kind: string;
  resource_type: 'User' | 'Group';
  resource_id: string | null;
  resource_name: string | null;
  external_id: string | null;
  error: string | null;
  reason: string | null;
  context: Record<string, unknown> | null;
}

/**
 * The notifier's state, all in Postgres so that any replica can crash at any moment:
 * failures are operations rows marked `pending`; a digest gathers a tenant's pending failures in
 * one transaction (stored with its rendered email and a stable Message-ID before any send); a
 * digest is sent by whichever replica holds its row lock, and marked sent in that transaction.
 */
export class NotificationStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Makes sure a reported failure is in the operations log (the worker records it when it can;
   * when Postgres was down it could not), pending notification if the tenant wants emails.
   */
  async recordNotice(notice: FailureNotice): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `${insertOperationSql(
        failedOperationRow({
          tenant_id: 't.id',
          notification: "CASE WHEN t.notify_on_failure AND t.notify_email IS NOT NULL THEN 'pending' END",
          created_at: '$11',
        }),
        'tenants t WHERE t.id = $2',
      )}
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        notice.operationId,
        notice.tenantId,
        notice.kind,
        notice.resourceType,
        notice.resourceId,
        notice.resourceName,
        notice.externalId,
        notice.detail,
        notice.reason,
        notice.context ? JSON.stringify(notice.context) : null,
        notice.occurredAt,
        notice.requestId ?? null,
      ],
    );
    return rows.length > 0;
  }

  /**
   * Turns each tenant's pending failures into one stored digest once the oldest has waited
   * `windowMs`. The tenant row is locked (SKIP LOCKED), so two replicas never gather the same
   * tenant at once. Returns the number of digests created.
   */
  async gatherDue(windowMs: number, messageIdDomain: string, render: DigestRenderer): Promise<number> {
    const due: { tenant_id: string }[] = await this.dataSource.query(
      `SELECT tenant_id FROM operations WHERE notification = 'pending'
        GROUP BY tenant_id HAVING min(created_at) <= now() - make_interval(secs => $1::double precision / 1000)`,
      [windowMs],
    );
    let created = 0;
    for (const { tenant_id: tenantId } of due) {
      const made = await this.dataSource.transaction((manager) =>
        this.gatherTenant(manager, tenantId, messageIdDomain, render),
      );
      if (made) created++;
    }
    return created;
  }

  private async gatherTenant(
    manager: EntityManager,
    tenantId: string,
    messageIdDomain: string,
    render: DigestRenderer,
  ): Promise<boolean> {
    const tenants: {
      id: string;
      name: string;
      notify_email: string | null;
      notify_on_failure: boolean;
      work_domains: string[];
    }[] = await manager.query(
      `SELECT id, name, notify_email, notify_on_failure, work_domains FROM tenants WHERE id = $1 FOR UPDATE SKIP LOCKED`,
      [tenantId],
    );
    const tenant = tenants[0];
    if (!tenant) return false;
    const rows: FailureRow[] = await manager.query(
      `SELECT id, created_at, kind, resource_type, resource_id, resource_name, external_id, error, reason, context
         FROM operations WHERE tenant_id = $1 AND notification = 'pending' ORDER BY created_at, id FOR UPDATE`,
      [tenantId],
    );
    if (rows.length === 0) return false;
    const ids = rows.map((r) => r.id);
    if (!tenant.notify_on_failure || !tenant.notify_email) {
      // Turned off (or address removed) since these failed: they stay in the log, not notified.
      await manager.query(`UPDATE operations SET notification = NULL WHERE id = ANY($1::uuid[])`, [ids]);
      return false;
    }
    const digestId = randomUUID();
    const email = render(
      { id: tenant.id, name: tenant.name, workDomains: tenant.work_domains },
      rows.map(toDigestFailure),
      digestId,
    );
    await manager.query(
      `INSERT INTO notification_digests (id, tenant_id, recipient, message_id, subject, text_body, html_body, failure_count)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        digestId,
        tenantId,
        tenant.notify_email,
        `<digest-${digestId}@${messageIdDomain}>`,
        email.subject,
        email.text,
        email.html,
        rows.length,
      ],
    );
    await manager.query(`UPDATE operations SET notification = 'gathered', digest_id = $2 WHERE id = ANY($1::uuid[])`, [
      ids,
      digestId,
    ]);
    return true;
  }

  /**
   * Sends the next due digest, holding its row lock while the SMTP conversation runs so that no
   * other replica sends it too. A failed send is retried with exponential backoff until the
   * policy gives up; then the digest and its failures are marked undeliverable (still in the log).
   */
  async sendNextDue(sender: MailSender, policy: DeliveryPolicy): Promise<DeliveryReport> {
    return this.dataSource.transaction(async (manager) => {
      const digests: {
        id: string;
        tenant_id: string;
        recipient: string;
        message_id: string;
        subject: string;
        text_body: string;
        html_body: string;
        attempts: number;
        failure_count: number;
        created_at: Date;
      }[] = await manager.query(
        `SELECT id, tenant_id, recipient, message_id, subject, text_body, html_body, attempts, failure_count, created_at FROM notification_digests
            WHERE status = 'pending' AND next_attempt_at <= now()
            ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      );
      const digest = digests[0];
      if (!digest) return { outcome: 'idle' };
      const about = { digestId: digest.id, tenantId: digest.tenant_id, failureCount: digest.failure_count };
      try {
        await sender.send({
          to: digest.recipient,
          messageId: digest.message_id,
          subject: digest.subject,
          text: digest.text_body,
          html: digest.html_body,
          headers: { 'X-SCIM-Digest': digest.message_id },
        });
      } catch (error) {
        const attempts = digest.attempts + 1;
        const message = error instanceof Error ? error.message : String(error);
        if (Date.now() - digest.created_at.getTime() >= policy.giveUpAfterMs) {
          await manager.query(
            `UPDATE notification_digests SET status = 'undeliverable', attempts = $2, last_error = $3 WHERE id = $1`,
            [digest.id, attempts, message],
          );
          await manager.query(`UPDATE operations SET notification = 'undeliverable' WHERE digest_id = $1`, [digest.id]);
          return { outcome: 'undeliverable', ...about, attempts, error };
        }
        const delay = Math.min(policy.retryMs * 2 ** (attempts - 1), policy.maxRetryDelayMs);
        await manager.query(
          `UPDATE notification_digests SET attempts = $2, last_error = $3, next_attempt_at = now() + make_interval(secs => $4::double precision / 1000) WHERE id = $1`,
          [digest.id, attempts, message, delay],
        );
        return { outcome: 'retry', ...about, attempts, error, retryInMs: delay };
      }
      await manager.query(
        `UPDATE notification_digests SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1`,
        [digest.id],
      );
      await manager.query(`UPDATE operations SET notification = 'sent', notified_at = now() WHERE digest_id = $1`, [
        digest.id,
      ]);
      return { outcome: 'sent', ...about, attempts: digest.attempts + 1 };
    });
  }

  /** Failed writes waiting to be gathered into a digest (all tenants). */
  async pendingFailures(): Promise<number> {
    const rows: { n: string }[] = await this.dataSource.query(
      `SELECT count(*) AS n FROM operations WHERE notification = 'pending'`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** A tenant's digests, newest first: state, attempts and the last SMTP error. */
  async digests(tenantId: string, limit = 50): Promise<DigestRecord[]> {
    const rows: {
      id: string;
      created_at: Date;
      status: DigestRecord['state'];
      attempts: number;
      last_error: string | null;
      next_attempt_at: Date;
      sent_at: Date | null;
      failure_count: number;
      recipient: string;
      subject: string;
    }[] = await this.dataSource.query(
      `SELECT id, created_at, status, attempts, last_error, next_attempt_at, sent_at, failure_count, recipient, subject
         FROM notification_digests WHERE tenant_id = $1 ORDER BY created_at DESC, id LIMIT $2`,
      [tenantId, limit],
    );
    return rows.map((row) => ({
      digestId: row.id,
      createdAt: row.created_at.toISOString(),
      state: row.status,
      attempts: row.attempts,
      lastError: row.last_error,
      nextAttemptAt: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
      sentAt: row.sent_at ? row.sent_at.toISOString() : null,
      failureCount: row.failure_count,
      recipient: row.recipient,
      subject: row.subject,
    }));
  }
}

function toDigestFailure(row: FailureRow): DigestFailure {
  return {
    operationId: row.id,
    occurredAt: row.created_at,
    kind: row.kind,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    resourceName: row.resource_name,
    externalId: row.external_id,
    detail: row.error ?? '',
    // Rows from before reasons were recorded have none: a generic refusal.
    reason: row.reason !== null && isFailureReason(row.reason) ? row.reason : FailureReason.InvalidRequest,
    context: row.context,
  };
}
