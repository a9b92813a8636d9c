import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operability: each operation records the id of the HTTP request that made it (X-Request-Id, also
 * in the gateway's and worker's log lines), and a tenant may have its own request rate, never
 * below the 25 requests/s Entra needs (NULL: RATE_LIMIT_PER_SECOND).
 */
export class Operability1764190000000 implements MigrationInterface {
  name = 'Operability1764190000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE operations ADD COLUMN request_id text`);
    await queryRunner.query(
      `ALTER TABLE tenants ADD COLUMN rate_limit integer CONSTRAINT tenants_rate_limit_check CHECK (rate_limit >= 25)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tenants DROP COLUMN rate_limit`);
    await queryRunner.query(`ALTER TABLE operations DROP COLUMN request_id`);
  }
}
