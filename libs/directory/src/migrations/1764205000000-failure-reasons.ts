import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A failed write is recorded by its reason (FailureReason), a detail and context; the HTTP status
 * and scimType are the gateway's business and are no longer stored for failures. The columns
 * stay for the rows written before, and `status` keeps the status of successes (200, 201, 204).
 */
export class FailureReasons1764205000000 implements MigrationInterface {
  name = 'FailureReasons1764205000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE operations ALTER COLUMN status DROP NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE operations SET status = 400 WHERE status IS NULL`);
    await queryRunner.query(`ALTER TABLE operations ALTER COLUMN status SET NOT NULL`);
  }
}
