import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764150000000 implements MigrationInterface {
  name = 'InitialSchema1764150000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        notify_email text,
        notify_on_failure boolean NOT NULL DEFAULT false,
        work_domains text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        token_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX api_tokens_token_hash_key ON api_tokens (token_hash)`);
    await queryRunner.query(`CREATE INDEX api_tokens_tenant_idx ON api_tokens (tenant_id)`);
    await queryRunner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        -- Creation order, for stable paging (timestamps can tie).
        seq bigint GENERATED ALWAYS AS IDENTITY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        user_name text NOT NULL,
        external_id text,
        active boolean NOT NULL,
        work_email text,
        data jsonb NOT NULL,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // userName is unique per tenant, compared case-insensitively: the database decides races.
    await queryRunner.query(`CREATE UNIQUE INDEX users_tenant_user_name_key ON users (tenant_id, lower(user_name))`);
    await queryRunner.query(`CREATE INDEX users_tenant_external_id_idx ON users (tenant_id, external_id)`);
    await queryRunner.query(`CREATE INDEX users_tenant_work_email_idx ON users (tenant_id, lower(work_email))`);
    await queryRunner.query(`CREATE INDEX users_tenant_seq_idx ON users (tenant_id, seq)`);
    await queryRunner.query(`
      CREATE TABLE operations (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        kind text NOT NULL,
        resource_type text NOT NULL,
        resource_id uuid,
        resource_name text,
        external_id text,
        outcome text NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
        status integer NOT NULL,
        scim_type text,
        error text,
        notes jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX operations_tenant_created_idx ON operations (tenant_id, created_at DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE operations`);
    await queryRunner.query(`DROP TABLE users`);
    await queryRunner.query(`DROP TABLE api_tokens`);
    await queryRunner.query(`DROP TABLE tenants`);
  }
}
