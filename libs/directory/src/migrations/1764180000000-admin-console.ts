import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tenant admin console: each tenant's admin addresses, one-time sign-in links and server-side
 * sessions (both stored as SHA-256 hashes of their secrets), and the time of the last Test
 * Connection seen from Entra.
 */
export class AdminConsole1764180000000 implements MigrationInterface {
  name = 'AdminConsole1764180000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tenants
      ADD COLUMN admin_emails text[] NOT NULL DEFAULT '{}',
      ADD COLUMN last_test_connection_at timestamptz`);
    await queryRunner.query(`
      CREATE TABLE admin_sign_in_links (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        token_hash text NOT NULL,
        sent_to text,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        CONSTRAINT admin_sign_in_links_token_hash_key UNIQUE (token_hash)
      )`);
    await queryRunner.query(`CREATE INDEX admin_sign_in_links_tenant_idx ON admin_sign_in_links (tenant_id)`);
    await queryRunner.query(`
      CREATE TABLE admin_sessions (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        token_hash text NOT NULL,
        csrf_token text NOT NULL,
        admin_email text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT admin_sessions_token_hash_key UNIQUE (token_hash)
      )`);
    await queryRunner.query(`CREATE INDEX admin_sessions_tenant_idx ON admin_sessions (tenant_id)`);
    // The console's activity view filters by outcome and resource type within a tenant, newest first.
    await queryRunner.query(
      `CREATE INDEX operations_tenant_failed_idx ON operations (tenant_id, created_at DESC) WHERE outcome = 'failed'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX operations_tenant_failed_idx`);
    await queryRunner.query(`DROP TABLE admin_sessions`);
    await queryRunner.query(`DROP TABLE admin_sign_in_links`);
    await queryRunner.query(`ALTER TABLE tenants DROP COLUMN last_test_connection_at, DROP COLUMN admin_emails`);
  }
}
