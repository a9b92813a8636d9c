import 'reflect-metadata';
import { loadEnv } from '@scim/config';
import { ensureDatabase, migrateDirectory } from '@scim/directory';
import { waitForPostgres } from './wait-for-postgres';

/** How long migrate waits for Postgres to accept connections (compose and Kubernetes may start it first). */
const CONNECT_DEADLINE_MS = 60_000;
const CONNECT_RETRY_MS = 1_000;

/**
 * `npm run migrate`: waits up to 60 s for Postgres, creates the database named in DATABASE_URL if
 * missing, then applies migrations.
 */
async function main(): Promise<void> {
  const { DATABASE_URL } = loadEnv(['DATABASE_URL']);
  const where = new URL(DATABASE_URL);
  // The first connection is the one that may meet a database that is not up yet; what follows runs once.
  const created = await waitForPostgres(() => ensureDatabase(DATABASE_URL), {
    where: where.host,
    deadlineMs: CONNECT_DEADLINE_MS,
    delayMs: CONNECT_RETRY_MS,
    log: (line) => console.log(line),
  });
  const { applied } = await migrateDirectory(DATABASE_URL);
  if (created) console.log(`Created database ${where.pathname.slice(1)} on ${where.host}`);
  console.log(applied.length > 0 ? `Applied migrations: ${applied.join(', ')}` : 'Database is up to date');
}

main().catch((error: unknown) => {
  console.error(`migrate: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
