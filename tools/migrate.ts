import 'reflect-metadata';
import { loadEnv } from '@scim/config';
import { migrateDirectory } from '@scim/directory';

/** `npm run migrate`: creates the database named in DATABASE_URL if missing, then applies migrations. */
async function main(): Promise<void> {
  const { DATABASE_URL } = loadEnv(['DATABASE_URL']);
  const { created, applied } = await migrateDirectory(DATABASE_URL);
  const where = new URL(DATABASE_URL);
  if (created) console.log(`Created database ${where.pathname.slice(1)} on ${where.host}`);
  console.log(applied.length > 0 ? `Applied migrations: ${applied.join(', ')}` : 'Database is up to date');
}

main().catch((error: unknown) => {
  console.error(`migrate: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
