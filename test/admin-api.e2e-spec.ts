import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { AdminSessionRepository } from '@scim/directory';
import { AdminClient, cliSignInLink } from './support/admin-client';
import { SmtpSink } from './support/smtp-sink';
import { TestStack, filterQuery, freePort } from './support/stack';

type Json = Record<string, any>;

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every route of the console's API, with a placeholder id where the path takes one. */
const ROUTES: [string, string][] = [
  ['GET', '/admin/api/session'],
  ['POST', '/admin/api/sign-out'],
  ['GET', '/admin/api/connection'],
  ['POST', '/admin/api/tokens'],
  ['DELETE', `/admin/api/tokens/${randomUUID()}`],
  ['GET', '/admin/api/notifications'],
  ['PUT', '/admin/api/notifications'],
  ['POST', '/admin/api/notifications/test'],
  ['GET', `/admin/api/notifications/test/${randomUUID()}`],
  ['GET', '/admin/api/domains'],
  ['PUT', '/admin/api/domains'],
  ['GET', '/admin/api/activity'],
  ['GET', '/admin/api/activity/summary'],
  ['GET', `/admin/api/activity/${randomUUID()}`],
  ['GET', '/admin/api/no-such-route'],
];

/**
 * The admin console's JSON API against the built gateway, worker and notifier, real Postgres,
 * Redis and an SMTP sink: sign-in links, sessions, CSRF, and one tenant per session.
 */
describe('admin console API (end to end)', () => {
  // Several tests run the CLI or start a gateway (fresh Node processes): seconds apiece on a loaded machine.
  jest.setTimeout(30000);
  const smtp = new SmtpSink();
  let stack: TestStack;

  beforeAll(async () => {
    await smtp.start();
    stack = new TestStack({
      label: 'admin_api',
      notifier: true,
      env: { SMTP_URL: smtp.url, NOTIFY_DIGEST_MS: '1000', NOTIFY_RETRY_MS: '300' },
    });
    await stack.start();
  }, 90000);

  afterAll(async () => {
    await stack?.stop();
    await smtp.stop();
  }, 60000);

  async function tenantWithAdmin(
    name = `t-${randomUUID().slice(0, 8)}`,
    admins: string[] = [],
  ): Promise<{ tenantId: string; token: string; admin: AdminClient }> {
    const { tenant, token } = await stack.tenants.create({ name, workDomains: ['acme.test'], adminEmails: admins });
    const admin = new AdminClient(stack.baseUrl);
    expect((await admin.signIn(cliSignInLink(stack.env(), tenant.id))).status).toBe(200);
    return { tenantId: tenant.id, token, admin };
  }

  it('serves the page at /admin with a strict Content-Security-Policy, and its assets compressed', async () => {
    const page = await fetch(`${stack.baseUrl}/admin`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    const script = /src="(\/admin\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${stack.baseUrl}${script}`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-encoding')).toBe('gzip');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${stack.baseUrl}/admin/sign-in`)).status).toBe(200);
    expect((await fetch(`${stack.baseUrl}/admin/activity?digest=x`)).status).toBe(200);
  });

  it('answers 401 JSON on every API route without a session (and with an unknown cookie)', async () => {
    const anonymous = new AdminClient(stack.baseUrl);
    const forged = new AdminClient(stack.baseUrl);
    forged.cookie = `scim_admin=ses_${'x'.repeat(43)}`;
    for (const client of [anonymous, forged]) {
      for (const [method, path] of ROUTES) {
        const response = await client.request(method, path, method === 'GET' || method === 'DELETE' ? undefined : {});
        expect({ method, path, status: response.status }).toEqual({ method, path, status: 401 });
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        expect(typeof response.body.error).toBe('string');
      }
    }
  });

  it('signs in once with a CLI link: the session cookie is HttpOnly and SameSite=Strict, and the link cannot be used again', async () => {
    const { tenant } = await stack.tenants.create({ name: 'Fabrikam' });
    const link = cliSignInLink(stack.env(), tenant.id);
    expect(link).toMatch(new RegExp(`^${stack.baseUrl}/admin/sign-in#sil_[A-Za-z0-9_-]{43}$`));
    const admin = new AdminClient(stack.baseUrl);
    const first = await admin.signIn(link);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      tenant: { id: tenant.id, name: 'Fabrikam' },
      signedInAs: null,
      idleMinutes: 480,
    });
    const cookie = first.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^scim_admin=ses_/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/admin');
    expect(cookie).not.toContain('Secure');
    expect((await admin.get('/admin/api/session')).body.tenant.id).toBe(tenant.id);

    const again = await new AdminClient(stack.baseUrl).signIn(link);
    expect(again.status).toBe(410);
    expect(again.body).toMatchObject({ reason: 'used' });
    expect(again.body.error).toMatch(/already been used/);
    expect(again.headers.get('set-cookie')).toBeNull();
    const unknown = await new AdminClient(stack.baseUrl).signIn('sil_not-a-link');
    expect(unknown.status).toBe(400);
    expect(unknown.body.reason).toBe('unknown');
  });

  it('sets admin addresses and prints links with the CLI, refusing bad values', async () => {
    const cli = join(__dirname, '..', 'dist', 'tools', 'tenant-cli.js');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [cli, ...args], { env: stack.env(), encoding: 'utf8' });
    const created = run('create', '--name', 'Cli admins', '--admins', 'A@Cli.test,b@cli.test');
    expect(created.status).toBe(0);
    const { tenantId } = JSON.parse(created.stdout);
    expect((await stack.tenants.get(tenantId)).adminEmails).toEqual(['a@cli.test', 'b@cli.test']);
    expect(JSON.parse(run('set', '--tenant', tenantId, '--admins', 'none').stdout).adminEmails).toEqual([]);
    const bad = run('set', '--tenant', tenantId, '--admins', 'not-an-address');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('Not a valid email address: not-an-address.');
    const ttl = run('admin-link', '--tenant', tenantId, '--ttl-minutes', '0');
    expect(ttl.status).toBe(2);
    expect(ttl.stderr).toContain('--ttl-minutes takes a whole number from 1 to 1440');
    expect(run('admin-link', '--tenant', randomUUID()).status).toBe(1);
    expect(JSON.parse(run('admin-link', '--tenant', tenantId).stdout)).toEqual({
      url: expect.stringMatching(/\/admin\/sign-in#sil_/),
    });
  });

  it('refuses an expired link, and the database holds only hashes', async () => {
    const { tenant } = await stack.tenants.create({ name: 'Expired' });
    const link = cliSignInLink(stack.env(), tenant.id, ['--ttl-minutes', '1']);
    const secret = link.split('#')[1]!;
    const stored: { token_hash: string }[] = await stack.dataSource.query(
      `SELECT token_hash FROM admin_sign_in_links WHERE tenant_id = $1`,
      [tenant.id],
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]!.token_hash).not.toContain(secret);
    await stack.dataSource.query(
      `UPDATE admin_sign_in_links SET expires_at = now() - interval '1 second' WHERE tenant_id = $1`,
      [tenant.id],
    );
    const response = await new AdminClient(stack.baseUrl).signIn(link);
    expect(response.status).toBe(410);
    expect(response.body.reason).toBe('expired');
    expect(response.body.error).toMatch(/expired/);
  });

  it("ends a session on sign-out, after 8 hours idle, and when the tenant's admins change", async () => {
    const { tenantId, admin } = await tenantWithAdmin(undefined, ['first@acme.test']);
    expect((await admin.request('POST', '/admin/api/sign-out')).status).toBe(204);
    expect((await admin.get('/admin/api/session')).status).toBe(401);

    const idle = await tenantWithAdmin();
    // Automatic refreshes do not keep a session alive; requests of the admin do.
    await stack.dataSource.query(
      `UPDATE admin_sessions SET last_seen_at = now() - interval '7 hours' WHERE tenant_id = $1`,
      [idle.tenantId],
    );
    expect((await idle.admin.get('/admin/api/connection', { 'X-Console-Refresh': '1' })).status).toBe(200);
    const [untouched] = await stack.dataSource.query(
      `SELECT now() - last_seen_at > interval '6 hours' AS old FROM admin_sessions WHERE tenant_id = $1`,
      [idle.tenantId],
    );
    expect(untouched.old).toBe(true);
    await stack.dataSource.query(
      `UPDATE admin_sessions SET last_seen_at = now() - interval '8 hours 1 minute' WHERE tenant_id = $1`,
      [idle.tenantId],
    );
    const expired = await idle.admin.get('/admin/api/connection');
    expect(expired.status).toBe(401);
    expect(expired.body.error).toMatch(/session has ended/);

    const second = new AdminClient(stack.baseUrl);
    expect((await second.signIn(cliSignInLink(stack.env(), tenantId))).status).toBe(200);
    await stack.tenants.update(tenantId, { adminEmails: ['first@acme.test', 'second@acme.test'] });
    expect((await second.get('/admin/api/session')).status).toBe(401);
  });

  it('refuses state-changing calls without the CSRF token, with a wrong one, or from another site', async () => {
    const { token, admin } = await tenantWithAdmin();
    const noToken = await admin.request('POST', '/admin/api/tokens', {}, { 'X-CSRF-Token': '' });
    expect(noToken.status).toBe(403);
    expect(noToken.body.error).toMatch(/CSRF/);
    expect(
      (await admin.request('PUT', '/admin/api/domains', { domains: ['x.test'] }, { 'X-CSRF-Token': 'wrong' })).status,
    ).toBe(403);
    expect(
      (await admin.request('POST', '/admin/api/sign-out', undefined, { Origin: 'https://evil.example' })).status,
    ).toBe(403);
    expect((await admin.request('POST', '/admin/api/tokens', {}, { Origin: 'null' })).status).toBe(403);
    const crossSite = await fetch(`${stack.baseUrl}/admin/api/tokens`, {
      method: 'POST',
      headers: {
        Cookie: admin.cookie!,
        'X-CSRF-Token': admin.csrf,
        'Sec-Fetch-Site': 'cross-site',
        'Content-Type': 'application/json',
      },
      body: '{}',
    });
    expect(crossSite.status).toBe(403);
    // A sign-in from another site is refused too (it would sign the victim in to the attacker's tenant).
    expect(
      (await admin.request('POST', '/admin/api/sign-in', { link: 'sil_x' }, { Origin: 'https://evil.example' })).status,
    ).toBe(403);
    // Nothing of the above changed anything: still one token, still the session.
    expect((await admin.get('/admin/api/connection')).body.tokens).toHaveLength(1);
    expect((await stack.client(token).get('/Users')).status).toBe(200);
    expect((await admin.get('/admin/api/session')).status).toBe(200);
  });

  it("generates a token shown once (old tokens keep their grace period), revokes tokens, and notes Entra's Test Connection", async () => {
    const { token: first, admin } = await tenantWithAdmin();
    const generated = await admin.request('POST', '/admin/api/tokens', { revokeOthers: false });
    expect(generated.status).toBe(201);
    expect(generated.body.token).toMatch(/^scim_/);
    expect(generated.body.othersExpireAt).not.toBeNull();
    const scim = stack.client(generated.body.token);
    const test = await scim.get<Json>(`/Users${filterQuery(`userName eq "${randomUUID()}"`)}`);
    expect(test.status).toBe(200);
    expect(test.body['totalResults']).toBe(0);
    expect((await stack.client(first).get('/Users')).status).toBe(200);
    const connection = await waitFor('the Test Connection to be recorded', async () => {
      const c = (await admin.get('/admin/api/connection')).body;
      return c.lastTestConnectionAt ? c : undefined;
    });
    expect(connection.tenantUrl).toBe(stack.scimUrl);
    expect(connection.lastRequestAt).not.toBeNull();
    expect(JSON.stringify(connection)).not.toContain(generated.body.token);
    expect(connection.tokens.map((t: Json) => t.id)).toContain(generated.body.info.id);
    expect(connection.tokens.find((t: Json) => t.id !== generated.body.info.id).expiresAt).not.toBeNull();

    const revoked = await admin.request('DELETE', `/admin/api/tokens/${generated.body.info.id}`);
    expect(revoked.status).toBe(204);
    const started = Date.now();
    await waitFor('the revoked token to be refused', async () => (await scim.get('/Users')).status === 401, 10000);
    console.log(`admin-api: a token revoked in the console was refused after ${Date.now() - started} ms`);

    const replaced = await admin.request('POST', '/admin/api/tokens', { revokeOthers: true });
    expect(replaced.body.othersRevoked).toBe(1);
    await waitFor(
      'the other token to be refused',
      async () => (await stack.client(first).get('/Users')).status === 401,
      10000,
    );
    expect((await stack.client(replaced.body.token).get('/Users')).status).toBe(200);
  });

  it('saves the notification email and work domains, with clear errors for bad values', async () => {
    const { admin } = await tenantWithAdmin();
    const on = await admin.request('PUT', '/admin/api/notifications', { email: 'it@acme.test', enabled: true });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ email: 'it@acme.test', enabled: true, latestDigest: null });
    const bad = await admin.request('PUT', '/admin/api/notifications', { email: 'not an address', enabled: true });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/not a valid email address/);
    expect((await admin.request('PUT', '/admin/api/notifications', { email: null, enabled: true })).status).toBe(400);

    const domains = await admin.request('PUT', '/admin/api/domains', {
      domains: ['Acme.test', 'bad..domain', 'example.org', '-x.com'],
    });
    expect(domains.status).toBe(400);
    expect(domains.body).toMatchObject({ status: 400, invalid: ['bad..domain', '-x.com'] });
    expect((await admin.get('/admin/api/domains')).body.domains).toEqual(['acme.test']);
    const saved = await admin.request('PUT', '/admin/api/domains', { domains: ['Acme.test', 'example.org'] });
    expect(saved.body.domains).toEqual(['acme.test', 'example.org']);

    const notJson = await admin.request('POST', '/admin/api/tokens', '{"revokeOthers": ', {
      'Content-Type': 'application/json',
    });
    expect(notJson.status).toBe(400);
    expect(notJson.headers.get('content-type')).toMatch(/^application\/json/);
    expect(notJson.body).toEqual({ status: 400, error: 'The request body is not valid JSON.' });
    const notObject = await admin.request('PUT', '/admin/api/domains', '"acme.test"');
    expect(notObject.status).toBe(400);
    expect(notObject.body).toEqual({ status: 400, error: 'The request body must be a JSON object.' });
  });

  it('sends a real test email through the notifier and reports that it was sent', async () => {
    const { admin } = await tenantWithAdmin('Test mail tenant');
    expect((await admin.request('POST', '/admin/api/notifications/test')).status).toBe(400);
    await admin.request('PUT', '/admin/api/notifications', { email: 'testmail@acme.test', enabled: false });
    const queued = await admin.request('POST', '/admin/api/notifications/test');
    expect(queued.status).toBe(202);
    const mail = await waitFor('the test email', () => smtp.to('testmail@acme.test')[0]);
    expect(mail.subject).toBe('[SCIM provisioning] Test email for tenant Test mail tenant');
    expect(mail.text).toContain(`${stack.baseUrl}/admin`);
    const state = await waitFor('the test email state', async () => {
      const s = (await admin.get(`/admin/api/notifications/test/${queued.body.id}`)).body;
      return s.state === 'sent' ? s : undefined;
    });
    expect(state).toMatchObject({ to: 'testmail@acme.test', state: 'sent', error: null });
  });

  it('emails a sign-in link to a known admin address, answers an unknown one the same, and rate-limits requests', async () => {
    const { tenant } = await stack.tenants.create({ name: 'Linked', adminEmails: ['Boss@Linked.test'] });
    const anonymous = new AdminClient(stack.baseUrl);
    const known = await anonymous.request('POST', '/admin/api/sign-in/request', { email: 'boss@linked.test' });
    const unknown = await anonymous.request('POST', '/admin/api/sign-in/request', { email: 'nobody@linked.test' });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.body.message.replace('nobody@', 'boss@')).toBe(known.body.message);
    const mail = await waitFor('the sign-in email', () => smtp.to('boss@linked.test')[0]);
    expect(mail.subject).toContain('Linked');
    const link = /(http:\/\/\S+\/admin\/sign-in#sil_[A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
    const admin = new AdminClient(stack.baseUrl);
    const session = await admin.signIn(link);
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ tenant: { id: tenant.id }, signedInAs: 'boss@linked.test' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(smtp.to('nobody@linked.test')).toHaveLength(0);

    expect((await anonymous.request('POST', '/admin/api/sign-in/request', { email: 'not-an-address' })).status).toBe(
      400,
    );
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push(
        (await anonymous.request('POST', '/admin/api/sign-in/request', { email: 'limited@linked.test' })).status,
      );
    const limited = await anonymous.request('POST', '/admin/api/sign-in/request', { email: 'limited@linked.test' });
    expect(statuses).toEqual([202, 202, 202]);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body.error).toMatch(/Too many sign-in links/);
  });

  it('lists the activity newest first with filters, paging and the advice of the failure email', async () => {
    const { token, admin } = await tenantWithAdmin();
    const scim = stack.client(token);
    for (let i = 0; i < 4; i++)
      expect((await scim.post('/Users', { userName: `user${i}@acme.test`, externalId: `ext-${i}` })).status).toBe(201);
    expect(
      (await scim.post('/Users', { userName: 'outsider', emails: [{ type: 'work', value: 'outsider@fabrikam.test' }] }))
        .status,
    ).toBe(400);
    expect((await scim.post('/Groups', { displayName: 'Sales team' })).status).toBe(201);

    const all = (await admin.get('/admin/api/activity')).body;
    expect(all.items.map((i: Json) => i.name)).toEqual([
      'Sales team',
      'outsider',
      'user3@acme.test',
      'user2@acme.test',
      'user1@acme.test',
      'user0@acme.test',
    ]);
    const failure = all.items[1];
    expect(failure).toMatchObject({
      outcome: 'failed',
      status: 400,
      operation: 'create user',
      reason: 'work email on a domain that is not allowed',
    });
    expect(failure.advice).toBe(
      "Add fabrikam.test under Work domains in the admin console, or correct the user's mail attribute in Entra.",
    );
    expect((await admin.get(`/admin/api/activity/${failure.id}`)).body).toEqual(failure);

    expect((await admin.get('/admin/api/activity?failed=true')).body.items.map((i: Json) => i.name)).toEqual([
      'outsider',
    ]);
    expect((await admin.get('/admin/api/activity?type=Group')).body.items.map((i: Json) => i.name)).toEqual([
      'Sales team',
    ]);
    expect((await admin.get('/admin/api/activity?q=EXT-2')).body.items.map((i: Json) => i.name)).toEqual([
      'user2@acme.test',
    ]);
    expect((await admin.get('/admin/api/activity?q=%25')).body.items).toEqual([]);
    const page1 = (await admin.get('/admin/api/activity?limit=4')).body;
    expect(page1.items).toHaveLength(4);
    const page2 = (await admin.get(`/admin/api/activity?limit=4&before=${page1.nextCursor}`)).body;
    expect(page2.items.map((i: Json) => i.name)).toEqual(['user1@acme.test', 'user0@acme.test']);
    expect(page2.nextCursor).toBeNull();
    expect((await admin.get('/admin/api/activity?type=Robots')).status).toBe(400);

    const summary = (await admin.get('/admin/api/activity/summary')).body;
    expect(summary).toMatchObject({ users: 4, groups: 1, writes24h: 6, failures24h: 1 });
    expect(summary.hourly).toHaveLength(168);
    expect(summary.hourly[167]).toMatchObject({ writes: 6, failures: 1 });
  });

  it("never lets one tenant's session reach another tenant's resources: 404 on every route that takes an id", async () => {
    const a = await tenantWithAdmin('Tenant A');
    const b = await tenantWithAdmin('Tenant B');
    await a.admin.request('PUT', '/admin/api/notifications', { email: 'a-admin@acme.test', enabled: true });
    const aScim = stack.client(a.token);
    expect(
      (await aScim.post('/Users', { userName: 'a-only', emails: [{ type: 'work', value: 'a@other.test' }] })).status,
    ).toBe(400);
    const aOperation = (await a.admin.get('/admin/api/activity')).body.items[0];
    const aTest = (await a.admin.request('POST', '/admin/api/notifications/test')).body;
    const aToken = (await a.admin.get('/admin/api/connection')).body.tokens[0];
    const digest = await waitFor("tenant A's digest", async () => {
      const rows: { id: string }[] = await stack.dataSource.query(
        `SELECT id FROM notification_digests WHERE tenant_id = $1`,
        [a.tenantId],
      );
      return rows[0];
    });

    const answers = [
      await b.admin.request('DELETE', `/admin/api/tokens/${aToken.id}`),
      await b.admin.get(`/admin/api/activity/${aOperation.id}`),
      await b.admin.get(`/admin/api/notifications/test/${aTest.id}`),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(404);
      expect(answer.body.error).toMatch(/not found in this tenant/);
    }
    expect((await aScim.get('/Users')).status).toBe(200);
    expect((await b.admin.get(`/admin/api/activity?digest=${digest.id}`)).body.items).toEqual([]);
    expect((await b.admin.get(`/admin/api/activity?before=${aOperation.id}`)).body.items).toEqual([]);
    const bViews = JSON.stringify([
      (await b.admin.get('/admin/api/session')).body,
      (await b.admin.get('/admin/api/connection')).body,
      (await b.admin.get('/admin/api/notifications')).body,
      (await b.admin.get('/admin/api/domains')).body,
      (await b.admin.get('/admin/api/activity')).body,
      (await b.admin.get('/admin/api/activity/summary')).body,
    ]);
    for (const secret of [a.tenantId, 'a-only', 'a-admin@acme.test', aToken.id, 'Tenant A'])
      expect(bViews).not.toContain(secret);
    expect((await a.admin.get(`/admin/api/activity?digest=${digest.id}`)).body.items.map((i: Json) => i.name)).toEqual([
      'a-only',
    ]);
  }, 30000);

  it('marks the session cookie Secure when PUBLIC_URL is https', async () => {
    const port = await freePort();
    await stack.startGateway({ PORT: String(port), PUBLIC_URL: 'https://console.example' });
    const { tenant } = await stack.tenants.create({ name: 'Secure' });
    const sessions = new AdminSessionRepository(stack.dataSource);
    const link = await sessions.issueLink(tenant.id);
    const admin = new AdminClient(`http://127.0.0.1:${port}`);
    const response = await admin.signIn(link.secret);
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toContain('Secure');
  });
});
