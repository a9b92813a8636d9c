/** Test support: used by this lib's integration tests and by the end-to-end harness in test/. */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrateDirectory } from '../database/data-source';

const ADMIN_URL = process.env['TEST_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh, migrated database for one test file, dropped afterwards: test runs never collide. */
export async function createTestDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `scim_test_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  await migrateDirectory(url.toString());
  return {
    url: url.toString(),
    async drop() {
      const admin = new Client({ connectionString: ADMIN_URL });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}

export function uniqueQueuePrefix(label: string): string {
  return `test-${label}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
