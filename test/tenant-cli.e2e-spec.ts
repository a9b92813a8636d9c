import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { createTestDatabase } from '@scim/directory/testing';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The built admin tools (`npm run migrate`, `npm run tenant -- …`), run as real processes. */
describe('tenant CLI and migrate (end to end)', () => {
  // Each test runs the CLI several times, each a fresh Node process: seconds apiece on a loaded machine.
  jest.setTimeout(30000);
  let databaseUrl = '';
  let drop: () => Promise<void>;
  const env = () => ({ PATH: process.env['PATH'], DATABASE_URL: databaseUrl, PUBLIC_URL: 'https://scim.example.com/' });

  async function cli(script: string, args: string[]): Promise<CliResult> {
    try {
      const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'dist', 'tools', script), ...args], {
        env: env(),
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }
  const tenant = (...args: string[]) => cli('tenant-cli.js', args);

  beforeAll(async () => {
    ({ url: databaseUrl, drop } = await createTestDatabase('cli'));
  }, 30000);

  afterAll(async () => {
    await drop();
  });

  it('migrate creates a missing database, then reports it up to date', async () => {
    const url = new URL(databaseUrl);
    url.pathname = `${url.pathname}_fresh`;
    const fresh = url.toString();
    try {
      const first = await run(process.execPath, [join(ROOT, 'dist', 'tools', 'migrate.js')], {
        env: { ...env(), DATABASE_URL: fresh },
      });
      expect(first.stdout).toMatch(/Created database .*_fresh/);
      expect(first.stdout).toMatch(/Applied migrations: InitialSchema/);
      const second = await run(process.execPath, [join(ROOT, 'dist', 'tools', 'migrate.js')], {
        env: { ...env(), DATABASE_URL: fresh },
      });
      expect(second.stdout.trim()).toBe('Database is up to date');
    } finally {
      const admin = new Client({ connectionString: databaseUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${url.pathname.slice(1)}" WITH (FORCE)`);
      await admin.end();
    }
  }, 30000);

  it('create prints exactly one JSON line with tenantId, a 256-bit token and the SCIM URL', async () => {
    const result = await tenant(
      'create',
      '--name',
      'Acme',
      '--notify',
      'admin@acme.test',
      '--domains',
      'Acme.test,@example.org',
    );
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const created = JSON.parse(lines[0]!);
    expect(Object.keys(created).sort()).toEqual(['scimUrl', 'tenantId', 'token']);
    expect(created.scimUrl).toBe('https://scim.example.com/api/scim');
    expect(Buffer.from(created.token.replace(/^scim_/, ''), 'base64url').length).toBeGreaterThanOrEqual(32);

    const listed = await tenant('list');
    const row = listed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((t) => t.id === created.tenantId);
    expect(row).toMatchObject({
      name: 'Acme',
      notifyEmail: 'admin@acme.test',
      notifyOnFailure: true,
      workDomains: ['acme.test', 'example.org'],
      activeTokens: 1,
    });

    // Only the token's hash is stored.
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    const stored = await client.query('SELECT token_hash FROM api_tokens WHERE tenant_id = $1', [created.tenantId]);
    await client.end();
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.rows[0].token_hash).not.toContain(created.token);
  });

  it('set changes the address, the on/off flag and the domains', async () => {
    const created = JSON.parse((await tenant('create', '--name', 'Globex')).stdout);
    const set = await tenant(
      'set',
      '--tenant',
      created.tenantId,
      '--notify',
      'ops@globex.test',
      '--notifications',
      'on',
      '--domains',
      'globex.test',
    );
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({
      notifyEmail: 'ops@globex.test',
      notifyOnFailure: true,
      workDomains: ['globex.test'],
    });
    const off = await tenant('set', '--tenant', created.tenantId, '--notifications', 'off', '--domains', 'none');
    expect(JSON.parse(off.stdout)).toMatchObject({ notifyOnFailure: false, workDomains: [] });
  });

  it('rotate-token issues a new token and bounds the old one to the grace period; revoke-token ends them', async () => {
    const created = JSON.parse((await tenant('create', '--name', 'Initech')).stdout);
    const rotated = await tenant('rotate-token', '--tenant', created.tenantId, '--grace-hours', '2');
    expect(rotated.code).toBe(0);
    const body = JSON.parse(rotated.stdout);
    expect(body.token).not.toBe(created.token);
    const expires = Date.parse(body.oldTokensExpireAt) - Date.now();
    expect(expires).toBeGreaterThan(1.9 * 3600 * 1000);
    expect(expires).toBeLessThan(2.1 * 3600 * 1000);
    const revoked = await tenant('revoke-token', '--tenant', created.tenantId);
    expect(JSON.parse(revoked.stdout)).toEqual({ tenantId: created.tenantId, revoked: 2 });
  });

  it('log shows the operations log, newest first, optionally only failures', async () => {
    const created = JSON.parse((await tenant('create', '--name', 'Logged')).stdout);
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(
      `INSERT INTO operations (id, tenant_id, kind, resource_type, resource_name, outcome, status, created_at)
       VALUES (gen_random_uuid(), $1, 'create-user', 'User', 'first', 'succeeded', 201, now() - interval '1 minute')`,
      [created.tenantId],
    );
    await client.query(
      `INSERT INTO operations (id, tenant_id, kind, resource_type, resource_name, outcome, status, scim_type, error, reason, notification)
       VALUES (gen_random_uuid(), $1, 'create-user', 'User', 'second', 'failed', 409, 'uniqueness', 'taken', 'USER_NAME_TAKEN', 'pending')`,
      [created.tenantId],
    );
    await client.end();
    const all = (await tenant('log', '--tenant', created.tenantId)).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(all.map((r) => r.resourceName)).toEqual(['second', 'first']);
    expect(all[0]).toMatchObject({
      outcome: 'failed',
      status: 409,
      reason: 'USER_NAME_TAKEN',
      detail: 'taken',
      notification: 'pending',
      notifiedAt: null,
    });
    const failed = (await tenant('log', '--tenant', created.tenantId, '--failed', '--limit', '5')).stdout
      .trim()
      .split('\n');
    expect(failed).toHaveLength(1);
    const bad = await tenant('log', '--tenant', created.tenantId, '--limit', 'lots');
    expect(bad.code).not.toBe(0);
  });

  it("sets a tenant's own rate limit, never below 25 requests per second, and back to the default", async () => {
    const created = JSON.parse((await tenant('create', '--name', 'Throttled')).stdout);
    const set = await tenant('set', '--tenant', created.tenantId, '--rate-limit', '200');
    expect(JSON.parse(set.stdout)).toMatchObject({ id: created.tenantId, rateLimit: 200 });
    const low = await tenant('set', '--tenant', created.tenantId, '--rate-limit', '10');
    expect(low.code).toBe(1);
    expect(low.stdout).toBe('');
    expect(low.stderr.trim().split('\n')).toHaveLength(1);
    expect(low.stderr).toMatch(/at least|from 25/);
    const listed = (await tenant('list')).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .find((t) => t.id === created.tenantId);
    expect(listed.rateLimit).toBe(200);
    const reset = await tenant('set', '--tenant', created.tenantId, '--rate-limit', 'default');
    expect(JSON.parse(reset.stdout)).toMatchObject({ rateLimit: null });
  });

  it("digests shows a tenant's failure emails with state, attempts and the last SMTP error", async () => {
    const created = JSON.parse((await tenant('create', '--name', 'Mailed', '--notify', 'ops@mailed.test')).stdout);
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(
      `INSERT INTO notification_digests (id, tenant_id, recipient, message_id, subject, text_body, html_body, failure_count, status, attempts, last_error, created_at)
       VALUES (gen_random_uuid(), $1, 'ops@mailed.test', 'm1', 'old', 't', 'h', 2, 'sent', 1, NULL, now() - interval '1 hour'),
              (gen_random_uuid(), $1, 'ops@mailed.test', 'm2', 'new', 't', 'h', 3, 'pending', 4, 'connect ECONNREFUSED 127.0.0.1:1025', now())`,
      [created.tenantId],
    );
    await client.end();
    const lines = (await tenant('digests', '--tenant', created.tenantId)).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      expect.objectContaining({
        subject: 'new',
        state: 'pending',
        attempts: 4,
        lastError: 'connect ECONNREFUSED 127.0.0.1:1025',
        failureCount: 3,
        nextAttemptAt: expect.any(String),
      }),
      expect.objectContaining({ subject: 'old', state: 'sent', attempts: 1, lastError: null, nextAttemptAt: null }),
    ]);
    expect(
      (await tenant('digests', '--tenant', created.tenantId, '--limit', '1')).stdout.trim().split('\n'),
    ).toHaveLength(1);
  });

  it('prints nothing but JSON lines through "npm run -s tenant", so that jq can read it', async () => {
    const { stdout } = await run('npm', ['run', '-s', 'tenant', '--', 'list'], {
      cwd: ROOT,
      env: { ...env(), HOME: process.env['HOME'] },
    });
    const lines = stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  it.each([
    [['create'], /--name is required/],
    [['create', '--name', 'X', '--notify', 'not-an-email'], /not a valid email address/],
    [['create', '--name', 'X', '--domains', 'bad_domain'], /Not a valid domain: bad_domain/],
    [['create', '--name', 'X', '--notifications', 'maybe'], /"on" or "off"/],
    [['create', '--name', 'X', '--bogus'], /Unknown option '--bogus'/],
    [['set', '--tenant', '00000000-0000-4000-8000-000000000000', '--name', 'Y'], /No tenant with id/],
    [['set', '--tenant', 'not-a-uuid', '--name', 'Y'], /No tenant with id/],
    [
      ['set', '--tenant', '00000000-0000-4000-8000-000000000000', '--rate-limit', 'fast'],
      /--rate-limit takes a whole number of requests per second \(at least 25\)/,
    ],
    [['digests'], /--tenant is required/],
    [['digests', '--tenant', '00000000-0000-4000-8000-000000000000'], /No tenant with id/],
    [
      ['rotate-token', '--tenant', '00000000-0000-4000-8000-000000000000', '--grace-hours', '1e9'],
      /--grace-hours takes a number of hours from 0 to 720 \(30 days\), got "1e9"/,
    ],
    [['rotate-token', '--tenant', '00000000-0000-4000-8000-000000000000', '--grace-hours=-1'], /from 0 to 720/],
    [['rotate-token', '--tenant', '00000000-0000-4000-8000-000000000000', '--grace-hours', 'soon'], /from 0 to 720/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [[], /a command is required/],
  ])('refuses %j with a one-line error and a non-zero exit', async (args, message) => {
    const result = await tenant(...args);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });
});
