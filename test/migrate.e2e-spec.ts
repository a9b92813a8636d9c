import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { freePort } from './support/stack';
import { startMigrate } from './support/migrate';
import { TcpProxy } from './support/tcp-proxy';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('migrate waits for Postgres', () => {
  // migrate is a fresh Node process that retries, then migrates: seconds on a loaded machine.
  jest.setTimeout(30000);
  const name = `scim_test_migrate_${process.pid}_${randomBytes(3).toString('hex')}`;
  let proxy: TcpProxy | undefined;

  afterAll(async () => {
    await proxy?.down();
    const admin = new Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });

  it('retries while nothing listens, then creates the database and migrates once Postgres appears', async () => {
    // Nothing listens on this port until the proxy to the real Postgres opens on it.
    const port = await freePort();
    const migrate = startMigrate(`postgres://postgres@127.0.0.1:${port}/${name}`);

    await waitFor(() => /attempt 2 failed/.test(migrate.output()), 'two failed attempts');
    proxy = new TcpProxy('127.0.0.1', 5432);
    await proxy.start(port);

    expect(await migrate.exited).toBe(0);
    const output = migrate.output();
    expect(output).toContain(
      `Waiting for Postgres at 127.0.0.1:${port}: attempt 1 failed (connect ECONNREFUSED 127.0.0.1:${port}); retrying in 1 s, giving up after 60 s`,
    );
    expect(output).toMatch(new RegExp(`Postgres at 127\\.0\\.0\\.1:${port} answered on attempt \\d+`));
    expect(output).toContain(`Created database ${name} on 127.0.0.1:${port}`);
    expect(output).toMatch(/Applied migrations: \w+/);

    const client = new Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${name}` });
    await client.connect();
    const tables: { n: string }[] = (await client.query(`SELECT count(*) AS n FROM migrations`)).rows;
    await client.end();
    expect(Number(tables[0]!.n)).toBeGreaterThan(0);
  });

  it('runs again as a no-op once the database is up to date', async () => {
    const migrate = startMigrate(`postgres://postgres@127.0.0.1:5432/${name}`);
    expect(await migrate.exited).toBe(0);
    expect(migrate.output()).not.toContain('Waiting for Postgres');
    expect(migrate.output()).toContain('Database is up to date');
  });

  it('fails at once, without waiting, when the server gives a definite no', async () => {
    const migrate = startMigrate(`postgres://no_such_role_${randomBytes(3).toString('hex')}@127.0.0.1:5432/${name}`);
    expect(await migrate.exited).toBe(1);
    expect(migrate.output()).toMatch(/^migrate: role "no_such_role_\w+" does not exist$/m);
    expect(migrate.output()).not.toContain('Waiting for Postgres');
  });
});
