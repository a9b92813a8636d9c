import { SmtpSink } from './support/smtp-sink';
import { TestStack, type ScimClient } from './support/stack';

type Json = Record<string, any>;

/**
 * Outages: Postgres or Redis gone (cut with a TCP proxy in front of the real servers), and a
 * write that waits longer than WRITE_TIMEOUT_MS. The client always gets an answer within
 * seconds: 503 with Retry-After, never a hang or a 500.
 */
describe('outages and timeouts (end to end)', () => {
  const smtp = new SmtpSink();
  let stack: TestStack;
  let scim: ScimClient;
  let tenantId = '';

  beforeAll(async () => {
    await smtp.start();
    stack = new TestStack({
      label: 'resilience',
      viaProxies: true,
      notifier: true,
      env: { SMTP_URL: smtp.url, NOTIFY_DIGEST_MS: '500', NOTIFY_RETRY_MS: '300' },
    });
    await stack.start();
    const tenant = await stack.createTenant({ notifyEmail: 'ops@resilience.test', notifyOnFailure: true });
    tenantId = tenant.tenantId;
    scim = stack.client(tenant.token);
    // Warm the token cache and the pools.
    expect((await scim.post('/Users', { userName: 'before-outage' })).status).toBe(201);
  }, 60000);

  afterAll(async () => {
    await stack.stop();
    await smtp.stop();
  }, 60000);

  function expectUnavailable(response: { status: number; headers: Headers; body: unknown; ms: number }): void {
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(response.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503' });
    expect(response.ms).toBeLessThan(2000);
  }

  it('answers writes with 503 within 2 s while Redis is down, keeps serving reads, and recovers', async () => {
    await stack.redisProxy!.down();
    try {
      expectUnavailable(await scim.post('/Users', { userName: 'during-redis-outage' }));
      const read = await scim.get<Json>('/Users');
      expect(read.status).toBe(200);
      const health = await fetch(`${stack.baseUrl}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ postgres: 'up', redis: 'down' });
    } finally {
      await stack.redisProxy!.up();
    }
    await eventually(async () =>
      expect((await scim.post('/Users', { userName: 'after-redis-outage' })).status).toBe(201),
    );
  }, 30000);

  it('answers reads and writes with 503 within 2 s while Postgres is down, and recovers', async () => {
    // Let the token cache expire so that authentication needs the database too.
    await new Promise((r) => setTimeout(r, 3100));
    await stack.postgresProxy!.down();
    try {
      expectUnavailable(await scim.get('/Users'));
      expectUnavailable(await scim.post('/Users', { userName: 'during-postgres-outage' }));
      const health = await fetch(`${stack.baseUrl}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ postgres: 'down', redis: 'up' });
    } finally {
      await stack.postgresProxy!.up();
    }
    await eventually(async () =>
      expect((await scim.post('/Users', { userName: 'after-postgres-outage' })).status).toBe(201),
    );
    const lost: { n: string }[] = await stack.dataSource.query(
      `SELECT count(*) AS n FROM users WHERE user_name LIKE 'during-%'`,
    );
    expect(Number(lost[0]!.n)).toBe(0);
  }, 30000);

  it('reports a write whose retries ran out while Postgres was down, once it is back', async () => {
    // The token is cached, so the write reaches the worker, which cannot reach the database.
    expect((await scim.get('/Users')).status).toBe(200);
    await stack.postgresProxy!.down();
    let response;
    try {
      response = await scim.post('/Users', { userName: 'lost-in-outage', externalId: 'ext-outage' });
    } finally {
      await stack.postgresProxy!.up();
    }
    expectUnavailable(response);
    // The notifier records the failure when it can (its job retries every 10 s) and mails it.
    const mail = await eventuallyValue(() => smtp.to('ops@resilience.test')[0], 30000);
    expect(mail.subject).toMatch(/1 failure for tenant/);
    expect(mail.text).toContain('service unavailable');
    expect(mail.text).toContain('lost-in-outage');
    // The notifier marks the digest sent after the SMTP server has accepted it: the mail can arrive first.
    await eventually(async () => {
      const rows: { outcome: string; status: number; reason: string; notification: string }[] =
        await stack.dataSource.query(
          `SELECT outcome, status, reason, notification FROM operations WHERE tenant_id = $1 AND resource_name = 'lost-in-outage'`,
          [tenantId],
        );
      expect(rows).toEqual([{ outcome: 'failed', status: 503, reason: 'UNAVAILABLE', notification: 'sent' }]);
    });
    const users: { n: string }[] = await stack.dataSource.query(
      `SELECT count(*) AS n FROM users WHERE user_name = 'lost-in-outage'`,
    );
    expect(Number(users[0]!.n)).toBe(0);
  }, 45000);

  it('answers 503 when no worker answers within WRITE_TIMEOUT_MS, and never applies that write later', async () => {
    const gateway = stack.apps.find((app) => app.name === 'gateway')!;
    await gateway.stop();
    await Promise.all(stack.workers().map((worker) => worker.stop()));
    await stack.startGateway({ WRITE_TIMEOUT_MS: '1500' });
    const response = await scim.post('/Users', { userName: 'nobody-home' });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBeTruthy();
    expect(response.ms).toBeGreaterThanOrEqual(1400);
    expect(response.ms).toBeLessThan(4000);
    // A worker arriving afterwards must not apply the abandoned write.
    await stack.startWorker();
    expect((await scim.post('/Users', { userName: 'somebody-home' })).status).toBe(201);
    const rows: { n: string }[] = await stack.dataSource.query(
      `SELECT count(*) AS n FROM users WHERE user_name = 'nobody-home'`,
    );
    expect(Number(rows[0]!.n)).toBe(0);
  }, 30000);
});

async function eventuallyValue<T>(read: () => T | undefined, timeoutMs: number): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`nothing after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function eventually(check: () => Promise<void>, timeoutMs = 10000): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() - started > timeoutMs) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
