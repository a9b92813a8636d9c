import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Failure notifications. A failed write's operations row says why (reason, context) and where
 * its notification stands: pending → gathered into a digest → sent (or undeliverable). Digests
 * are stored before they are sent, with a stable Message-ID, so a crash neither loses nor
 * duplicates one.
 */
export class FailureNotifications1764170000000 implements MigrationInterface {
  name = 'FailureNotifications1764170000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE notification_digests (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        recipient text NOT NULL,
        message_id text NOT NULL,
        subject text NOT NULL,
        text_body text NOT NULL,
        html_body text NOT NULL,
        failure_count integer NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'undeliverable')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        CONSTRAINT notification_digests_message_id_key UNIQUE (message_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX notification_digests_due_idx ON notification_digests (next_attempt_at) WHERE status = 'pending'`,
    );
    await queryRunner.query(`ALTER TABLE operations
      ADD COLUMN reason text,
      ADD COLUMN context jsonb,
      ADD COLUMN notification text CHECK (notification IN ('pending', 'gathered', 'sent', 'undeliverable')),
      ADD COLUMN digest_id uuid REFERENCES notification_digests(id) ON DELETE SET NULL,
      ADD COLUMN notified_at timestamptz`);
    await queryRunner.query(
      `CREATE INDEX operations_pending_notification_idx ON operations (tenant_id, created_at) WHERE notification = 'pending'`,
    );
    await queryRunner.query(`CREATE INDEX operations_digest_idx ON operations (digest_id) WHERE digest_id IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE operations DROP COLUMN notified_at, DROP COLUMN digest_id, DROP COLUMN notification, DROP COLUMN context, DROP COLUMN reason`,
    );
    await queryRunner.query(`DROP TABLE notification_digests`);
  }
}
