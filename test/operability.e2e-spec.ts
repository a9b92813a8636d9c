import { SmtpSink } from './support/smtp-sink';
import { parsePrometheusText, sampleValue, scrape } from './support/prometheus';
import { TestStack, freePort, type AppProcess, type ScimClient } from './support/stack';

type Json = Record<string, any>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 20000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A record of `app` whose fields include `fields`, once it has been logged. */
function recordOf(app: AppProcess, fields: Json): Promise<Json> {
  return eventually(`${app.name} to log ${JSON.stringify(fields)}`, async () =>
    app.records.find((r) => Object.entries(fields).every(([k, v]) => r[k] === v)),
  );
}

/**
 * Operating the stack (issue 10): JSON log lines with request ids across the gateway and the
 * worker, the operations log's request id, Prometheus metrics on every app, and readiness that
 * follows the workers' heartbeats.
 */
describe('logs, metrics and health (end to end)', () => {
  const smtp = new SmtpSink();
  let stack: TestStack;
  let gateway: AppProcess;
  let worker: AppProcess;
  let notifier: AppProcess;
  let workerPort = 0;
  let notifierPort = 0;
  let scim: ScimClient;
  let tenantId = '';
  let token = '';

  beforeAll(async () => {
    await smtp.start();
    // No worker at first: readiness must say so.
    stack = new TestStack({
      label: 'operability',
      workers: 0,
      env: { SMTP_URL: smtp.url, NOTIFY_DIGEST_MS: '500', NOTIFY_RETRY_MS: '300' },
    });
    await stack.start();
    gateway = stack.apps.find((a) => a.name === 'gateway')!;
    ({ tenantId, token } = await stack.createTenant({ notifyEmail: 'ops@acme.test', workDomains: ['acme.test'] }));
    scim = stack.client(token);
  }, 60000);

  afterAll(async () => {
    await stack?.stop();
    await smtp.stop();
  }, 60000);

  it('is not ready without a worker, names what is missing, and is live all the same', async () => {
    const ready = await fetch(`${stack.baseUrl}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'unavailable',
      postgres: 'up',
      redis: 'up',
      workers: 'down',
      missing: ['workers: no directory worker has sent a heartbeat in the last 15 s'],
    });
    expect((await fetch(`${stack.baseUrl}/health`)).status).toBe(503);
    const live = await fetch(`${stack.baseUrl}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
  });

  it('becomes ready once a worker beats, with its own /metrics and /health on METRICS_PORT', async () => {
    workerPort = await freePort();
    worker = await stack.startWorker({ METRICS_PORT: String(workerPort) });
    await eventually(
      'the gateway to be ready',
      async () => (await fetch(`${stack.baseUrl}/health/ready`)).status === 200,
    );
    expect(await (await fetch(`${stack.baseUrl}/health`)).json()).toEqual({
      status: 'ok',
      postgres: 'up',
      redis: 'up',
      workers: 'up',
    });
    const workerReady = await fetch(`http://127.0.0.1:${workerPort}/health/ready`);
    expect(workerReady.status).toBe(200);
    expect(await workerReady.json()).toEqual({ status: 'ok', postgres: 'up', redis: 'up' });
    expect((await fetch(`http://127.0.0.1:${workerPort}/health/live`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${workerPort}/nothing`)).status).toBe(404);
  });

  it('logs one start-up line per app, and only JSON lines with ISO UTC times and no colour codes', async () => {
    for (const app of [gateway, worker]) {
      const records = app.records;
      for (const record of records) {
        expect(record['time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(typeof record['level']).toBe('string');
        expect(record['app']).toBe(app.name);
      }
      expect(app.logs).not.toContain('\u001b[');
      expect(app.logs).not.toMatch(/Mapped \{|RouterExplorer|InstanceLoader/);
    }
    expect(
      gateway.records.filter((r) => r['context'] === 'Gateway' && /listening/.test(String(r['msg']))),
    ).toHaveLength(1);
    expect(worker.records.filter((r) => /Worker started/.test(String(r['msg'])))).toHaveLength(1);
  });

  it("follows a request by its X-Request-Id through the gateway's and the worker's log lines into the operations log", async () => {
    const requestId = `e2e-${Date.now()}`;
    const created = await scim.request<Json>(
      'POST',
      '/Users',
      { userName: 'traced@acme.test', name: { givenName: 'Traced' } },
      { 'X-Request-Id': requestId },
    );
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe(requestId);

    const gatewayLine = await recordOf(gateway, { requestId, msg: 'request' });
    expect(gatewayLine).toMatchObject({
      level: 'info',
      method: 'POST',
      route: '/api/scim/Users',
      status: 201,
      tenantId,
      requestId,
    });
    expect(typeof gatewayLine['ms']).toBe('number');
    const workerLine = await recordOf(worker, { requestId, msg: 'write' });
    expect(workerLine).toMatchObject({
      level: 'info',
      tenantId,
      requestId,
      kind: 'create-user',
      outcome: 'succeeded',
      status: 201,
    });
    expect(workerLine['operationId']).toMatch(UUID);
    expect(typeof workerLine['ms']).toBe('number');

    const rows: { request_id: string; id: string }[] = await stack.dataSource.query(
      `SELECT id, request_id FROM operations WHERE tenant_id = $1 AND resource_name = 'traced@acme.test'`,
      [tenantId],
    );
    expect(rows).toEqual([{ id: workerLine['operationId'], request_id: requestId }]);
  });

  it('logs a refused write with its reason, and never a token or anything of the body', async () => {
    const requestId = `refused-${Date.now()}`;
    const refused = await scim.request<Json>(
      'POST',
      '/Users',
      { userName: 'private.person@acme.test', emails: [{ type: 'work', value: 'private.person@gmail.com' }] },
      { 'X-Request-Id': requestId },
    );
    expect(refused.status).toBe(400);
    expect(await recordOf(worker, { requestId, msg: 'write' })).toMatchObject({
      outcome: 'refused',
      reason: 'WORK_EMAIL_REJECTED',
    });
    expect(await recordOf(gateway, { requestId, msg: 'request' })).toMatchObject({ status: 400 });
    for (const app of [gateway, worker]) {
      expect(app.logs).not.toContain(token);
      expect(app.logs).not.toContain('private.person');
      expect(app.logs).not.toContain('Traced');
    }
  });

  it('puts an X-Request-Id on every answer, and replaces an unsafe one with its own', async () => {
    const unauthenticated = await fetch(`${stack.scimUrl}/Users`);
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('x-request-id')).toMatch(UUID);
    const unknown = await fetch(`${stack.baseUrl}/nowhere`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('x-request-id')).toMatch(UUID);
    for (const unsafe of ['has spaces', 'x'.repeat(200), 'quote"s']) {
      const response = await scim.request('GET', '/Users?count=1', undefined, { 'X-Request-Id': unsafe });
      expect(response.headers.get('x-request-id')).toMatch(UUID);
    }
    const unauthLine = await recordOf(gateway, { requestId: unauthenticated.headers.get('x-request-id')! });
    expect(unauthLine).toMatchObject({ status: 401, route: '/api/scim/Users' });
    expect(unauthLine['tenantId']).toBeUndefined();
    expect(await recordOf(gateway, { requestId: unknown.headers.get('x-request-id')! })).toMatchObject({
      status: 404,
      route: 'unmatched',
    });
  });

  it('serves Prometheus text on the gateway that counts a request, with bounded labels', async () => {
    const before = await scrape(`${stack.baseUrl}/metrics`);
    const count = (e: typeof before) =>
      sampleValue(e, 'scim_http_requests_total', { method: 'GET', route: '/api/scim/Users/:id', status: '404' }) ?? 0;
    expect((await scim.get(`/Users/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    const after = await scrape(`${stack.baseUrl}/metrics`);
    expect(count(after)).toBe(count(before) + 1);
    expect(after.types.get('scim_http_requests_total')).toBe('counter');
    expect(after.types.get('scim_http_request_duration_seconds')).toBe('histogram');
    expect(after.types.get('scim_rate_limited_total')).toBe('counter');
    expect(after.types.get('scim_directory_queue_jobs')).toBe('gauge');
    expect(after.types.get('process_cpu_seconds_total')).toBe('counter');
    expect(after.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    for (const state of ['waiting', 'active', 'delayed', 'failed'])
      expect(sampleValue(after, 'scim_directory_queue_jobs', { state })).toBeGreaterThanOrEqual(0);
    // Route templates, never ids; no tenant anywhere.
    const routes = new Set(after.samples.map((s) => s.labels['route']).filter(Boolean));
    expect([...routes].every((route) => !/[0-9a-f]{8}-/.test(route!))).toBe(true);
    expect(after.samples.some((s) => Object.values(s.labels).includes(tenantId))).toBe(false);
  });

  it("serves the worker's write metrics on METRICS_PORT, counting each write by kind and outcome", async () => {
    const url = `http://127.0.0.1:${workerPort}/metrics`;
    const before = await scrape(url);
    const succeeded = (e: typeof before) =>
      sampleValue(e, 'scim_writes_total', { kind: 'create-user', outcome: 'succeeded' }) ?? 0;
    expect((await scim.post('/Users', { userName: 'counted@acme.test' })).status).toBe(201);
    const after = await scrape(url);
    expect(succeeded(after)).toBe(succeeded(before) + 1);
    expect(sampleValue(after, 'scim_writes_total', { kind: 'create-user', outcome: 'refused' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(after.types.get('scim_write_duration_seconds')).toBe('histogram');
    expect(sampleValue(after, 'scim_write_duration_seconds_count', { kind: 'create-user' })).toBeGreaterThanOrEqual(2);
    // Lone writes here (one at a time): each job carried one.
    expect(after.types.get('scim_write_job_size')).toBe('histogram');
    expect(sampleValue(after, 'scim_write_job_size_bucket', { le: '1' })).toBeGreaterThanOrEqual(2);
    expect(after.types.get('scim_directory_queue_jobs')).toBe('gauge');
    expect(after.types.get('process_resident_memory_bytes')).toBe('gauge');
  });

  it("serves the notifier's digest metrics on METRICS_PORT and logs each digest attempt", async () => {
    notifierPort = await freePort();
    notifier = stack.startApp('notifier', { METRICS_PORT: String(notifierPort) });
    await notifier.waitForLog(/Notifier ready/);
    const sent = await eventually('the digest of the refused write', async () => {
      const e = await scrape(`http://127.0.0.1:${notifierPort}/metrics`);
      return (sampleValue(e, 'scim_notification_digests_total', { outcome: 'sent' }) ?? 0) >= 1 ? e : undefined;
    });
    expect(sent.types.get('scim_notification_pending_failures')).toBe('gauge');
    expect(sampleValue(sent, 'scim_notification_pending_failures')).toBe(0);
    expect(smtp.received.some((m) => m.to.includes('ops@acme.test'))).toBe(true);
    const line = await recordOf(notifier, { msg: 'digest sent' });
    expect(line).toMatchObject({ tenantId, outcome: 'sent', attempts: 1, failures: 1 });
    expect(line['digestId']).toMatch(UUID);
    expect(notifier.logs).not.toContain('private.person');
    const ready = await fetch(`http://127.0.0.1:${notifierPort}/health/ready`);
    expect(await ready.json()).toEqual({ status: 'ok', postgres: 'up', redis: 'up' });
  });

  it('logs a failed digest attempt with the SMTP error and its reason', async () => {
    await smtp.stop();
    try {
      const requestId = `smtp-down-${Date.now()}`;
      await scim.request(
        'POST',
        '/Users',
        { userName: 'again@acme.test', emails: [{ type: 'work', value: 'again@gmail.com' }] },
        { 'X-Request-Id': requestId },
      );
      const line = await recordOf(notifier, { outcome: 'retry' });
      expect(line).toMatchObject({ level: 'warn', tenantId, smtp: { reason: 'the SMTP server could not be reached' } });
      expect(String(line['smtp']['message'])).toMatch(/ECONNREFUSED/);
    } finally {
      await smtp.start();
    }
  });

  it('is not ready again as soon as the last worker stops, and the worker drains and exits 0', async () => {
    expect(await worker.stop()).toBe(0);
    const ready = await fetch(`${stack.baseUrl}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ workers: 'down' });
  });

  it('can switch metrics off (METRICS=off): no /metrics', async () => {
    const port = await freePort();
    const quiet = stack.startApp('gateway', { PORT: String(port), METRICS: 'off' });
    await quiet.waitForLog(/Gateway listening/);
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as Json)['detail']).toMatch(/METRICS=off/);
    await quiet.stop();
    // It starts a gateway of its own: more than jest's 5 s default on a loaded machine.
  }, 30000);

  it('parses text the way Prometheus does (the parser used above refuses what Prometheus would)', () => {
    expect(() => parsePrometheusText('# TYPE x counter\nx{a="1"} 1\n')).not.toThrow();
    expect(() => parsePrometheusText('x 1\n')).toThrow(/before its TYPE/);
    expect(() => parsePrometheusText('# TYPE x counter\nx{a=1} 1\n')).toThrow(/not a sample/);
    expect(() => parsePrometheusText('# TYPE x counter\nx one\n')).toThrow(/bad value/);
    expect(parsePrometheusText('# TYPE x gauge\nx Nan\nx +Inf\n').samples.map((s) => s.value)).toEqual([NaN, Infinity]);
  });
});
