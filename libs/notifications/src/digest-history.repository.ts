import type { DataSource } from 'typeorm';

/** Where a tenant's latest failure digest stands, in the console's words. */
export interface DigestStatus {
  status: 'sending' | 'retrying' | 'sent' | 'undeliverable';
  recipient: string;
  failureCount: number;
  createdAt: string;
  sentAt: string | null;
  attempts: number;
  /** The SMTP server's answer (or the connection error) of the last failed attempt. */
  lastError: string | null;
  nextAttemptAt: string | null;
}

/** The digests the notifier stored, as the admin console shows them. */
export class DigestHistoryRepository {
  constructor(private readonly dataSource: DataSource) {}

  async latest(tenantId: string): Promise<DigestStatus | null> {
    const rows: {
      status: 'pending' | 'sent' | 'undeliverable';
      recipient: string;
      failure_count: number;
      created_at: Date;
      sent_at: Date | null;
      attempts: number;
      last_error: string | null;
      next_attempt_at: Date;
    }[] = await this.dataSource.query(
      `SELECT status, recipient, failure_count, created_at, sent_at, attempts, last_error, next_attempt_at
           FROM notification_digests WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 1`,
      [tenantId],
    );
    const row = rows[0];
    if (!row) return null;
    const pending = row.status === 'pending';
    return {
      status: row.status === 'pending' ? (row.attempts > 0 ? 'retrying' : 'sending') : row.status,
      recipient: row.recipient,
      failureCount: row.failure_count,
      createdAt: row.created_at.toISOString(),
      sentAt: row.sent_at ? row.sent_at.toISOString() : null,
      attempts: row.attempts,
      lastError: row.last_error,
      nextAttemptAt: pending ? row.next_attempt_at.toISOString() : null,
    };
  }
}
