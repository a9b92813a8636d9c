import { randomUUID } from 'node:crypto';
import type IORedis from 'ioredis';
import { PrivateRedis, dumpKeys } from './support/private-redis';
import { SmtpSink } from './support/smtp-sink';
import { TestStack, type ScimClient } from './support/stack';

type Json = Record<string, any>;
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

async function eventually<T>(check: () => Promise<T>, timeoutMs = 10000): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() - started > timeoutMs) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The keys (of this stack) whose content mentions `text`. */
async function keysMentioning(redis: IORedis, prefix: string, text: string): Promise<string[]> {
  const dump = await dumpKeys(redis, prefix);
  return [...dump].filter(([, content]) => content.toLowerCase().includes(text.toLowerCase())).map(([key]) => key);
}

/**
 * What the queues keep in Redis (issue 8, "Secrets and personal data in Redis"): the stack runs
 * on a Redis of the test's own, watched with MONITOR, so that every byte sent to Redis is seen.
 */
describe('passwords and personal data in Redis (end to end)', () => {
  const redis = new PrivateRedis();
  const smtp = new SmtpSink();
  let stack: TestStack;
  let scim: ScimClient;
  let tenantId = '';
  let monitored: IORedis;
  let monitor: IORedis;
  let inspector: IORedis;
  /** Every command Redis received from the stack, as text. */
  let sent = '';

  beforeAll(async () => {
    await redis.start();
    await smtp.start();
    stack = new TestStack({
      label: 'queue_data',
      viaProxies: true,
      notifier: true,
      env: { REDIS_URL: redis.url, SMTP_URL: smtp.url, NOTIFY_DIGEST_MS: '500', NOTIFY_RETRY_MS: '300' },
    });
    await stack.start();
    const tenant = await stack.createTenant({
      notifyEmail: 'ops@queue-data.test',
      notifyOnFailure: true,
      workDomains: ['contoso.example'],
    });
    tenantId = tenant.tenantId;
    scim = stack.client(tenant.token);
    inspector = redis.client();
    monitored = redis.client();
    monitor = await monitored.monitor();
    monitor.on('monitor', (_time: string, args: string[]) => {
      sent += `${args.join(' ')}\n`;
    });
  }, 60000);

  afterAll(async () => {
    monitor?.disconnect();
    monitored?.disconnect();
    inspector?.disconnect();
    await stack?.stop();
    await smtp.stop();
    await redis.stop();
  }, 60000);

  it('never lets a password reach Redis, a log or the database', async () => {
    const secret = `Pw-${randomUUID()}`;
    const userName = `pw.${randomUUID().slice(0, 8)}@contoso.example`;
    const schemas = await scim.get<Json>('/Schemas/urn:ietf:params:scim:schemas:core:2.0:User');
    expect(schemas.body['attributes'].map((a: Json) => a['name'])).not.toContain('password');

    const created = await scim.post<Json>('/Users', {
      userName,
      password: secret,
      'urn:ietf:params:scim:schemas:core:2.0:User:password': secret,
    });
    expect(created.status).toBe(201);
    expect(created.body).not.toHaveProperty('password');
    const id = created.body['id'];
    expect((await scim.put<Json>(`/Users/${id}`, { userName, password: secret, displayName: 'Replaced' })).status).toBe(
      200,
    );

    for (const operation of [
      { op: 'replace', path: 'password', value: secret },
      { op: 'add', value: { password: secret } },
      { op: 'replace', value: { 'urn:ietf:params:scim:schemas:core:2.0:User': { password: secret } } },
    ]) {
      const refused = await scim.patch<Json>(`/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'title', value: 'x' }, operation],
      });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({
        scimType: 'invalidPath',
        detail: expect.stringContaining('passwords are not accepted'),
      });
      expect(JSON.stringify(refused.body)).not.toContain(secret);
    }
    // Whatever else a PATCH body carries stays at the gateway; only the operations travel.
    expect(
      (
        await scim.patch<Json>(`/Users/${id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'replace', path: 'title', value: 'x' }],
          password: secret,
        })
      ).status,
    ).toBe(200);

    const bulk = await scim.post<Json>('/Bulk', {
      schemas: [BULK_REQUEST],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'b1', data: { userName: `bulk-${userName}`, password: secret } },
        {
          method: 'PATCH',
          path: `/Users/${id}`,
          data: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'password', value: secret }] },
        },
      ],
    });
    expect(bulk.body['Operations'].map((o: Json) => o['status'])).toEqual(['201', '400']);

    // MONITOR saw the writes' payloads go through Redis (so it is looking), but never the password.
    await eventually(async () => expect(sent).toContain(`bulk-${userName}`));
    expect(sent).toContain(userName);
    expect(sent).not.toContain(secret);
    expect(await keysMentioning(inspector, stack.queuePrefix, secret)).toEqual([]);
    const inDatabase: { n: string }[] = await stack.dataSource.query(
      `SELECT (SELECT count(*) FROM users u WHERE row_to_json(u)::text LIKE '%' || $1 || '%')
            + (SELECT count(*) FROM operations o WHERE row_to_json(o)::text LIKE '%' || $1 || '%') AS n`,
      [secret],
    );
    expect(Number(inDatabase[0]!.n)).toBe(0);
    for (const app of stack.apps) expect(app.logs).not.toContain(secret);
  }, 30000);

  it("removes a completed write at once and keeps no names or emails in the job's event stream", async () => {
    const marker = randomUUID().slice(0, 8);
    const givenName = `Carolyn${marker}`;
    const userName = `carol.${marker}@contoso.example`;
    const created = await scim.post<Json>('/Users', {
      userName,
      name: { givenName },
      emails: [{ type: 'work', value: userName }],
    });
    expect(created.status).toBe(201);
    const patched = await scim.patch<Json>(`/Users/${created.body['id']}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'name.familyName', value: `Fam${marker}` }],
    });
    expect(patched.status).toBe(200);
    expect(sent).toContain(givenName); // the payload did travel through Redis

    // The job is removed when it completes, just after its reply was published.
    await eventually(async () => expect(await keysMentioning(inspector, stack.queuePrefix, marker)).toEqual([]));
    const events = await inspector.xrange(`${stack.queuePrefix}:directory:events`, '-', '+');
    const completed = events.map(([, fields]) => fields).filter((fields) => fields[1] === 'completed');
    expect(completed.length).toBeGreaterThan(0);
    for (const fields of completed)
      expect(fields[fields.indexOf('returnvalue') + 1]).toMatch(/^\{"ok":(true|false),"status":\d+\}$/);
  }, 30000);

  it('keeps only the ids and the reason of a write that failed for good, and drops its notice once recorded', async () => {
    const marker = randomUUID().slice(0, 8);
    const userName = `lost.${marker}@contoso.example`;
    // A read first, so that the token is cached and the write reaches the worker.
    expect((await scim.get('/Users?count=1')).status).toBe(200);
    await stack.postgresProxy!.down();
    let response;
    try {
      response = await scim.post<Json>('/Users', { userName, name: { givenName: `Gone${marker}` } });
      expect(response.status).toBe(503);
      const failed = await eventually(async () => {
        const ids = await inspector.zrange(`${stack.queuePrefix}:directory:failed`, 0, -1);
        expect(ids).toHaveLength(1);
        const job = await inspector.hgetall(`${stack.queuePrefix}:directory:${ids[0]}`);
        expect(JSON.parse(job['data']!)).toMatchObject({ payload: 'removed' });
        return { id: ids[0]!, job };
      });
      expect(JSON.parse(failed.job['data']!)).toEqual({
        operationId: failed.id,
        requestId: expect.any(String),
        tenantId,
        payload: 'removed',
      });
      expect(failed.job['failedReason']).toBeTruthy();
      // While the notice cannot be recorded, it is the one place the user's name is kept.
      const mentioning = await keysMentioning(inspector, stack.queuePrefix, marker);
      expect(mentioning).toEqual([`${stack.queuePrefix}:notifications:${failed.id}`]);
    } finally {
      await stack.postgresProxy!.up();
    }
    // The notifier records it when Postgres is back (its job retries every 10 s); then it is gone from Redis.
    await eventually(async () => expect(await keysMentioning(inspector, stack.queuePrefix, marker)).toEqual([]), 30000);
    const rows: { outcome: string; reason: string; resource_name: string }[] = await stack.dataSource.query(
      `SELECT outcome, reason, resource_name FROM operations WHERE tenant_id = $1 AND resource_name = $2`,
      [tenantId, userName],
    );
    expect(rows).toEqual([{ outcome: 'failed', reason: 'UNAVAILABLE', resource_name: userName }]);
  }, 60000);
});

/**
 * A reply the gateway never receives (here: PUBLISH is disabled on the stack's own Redis, so every
 * reply is lost) is answered from the operations log when WRITE_TIMEOUT_MS runs out: completed
 * jobs are not kept in Redis.
 */
describe('a lost reply (end to end)', () => {
  const redis = new PrivateRedis(['--rename-command', 'PUBLISH', '']);
  let stack: TestStack;
  let scim: ScimClient;

  beforeAll(async () => {
    await redis.start();
    stack = new TestStack({ label: 'lost_reply', env: { REDIS_URL: redis.url, WRITE_TIMEOUT_MS: '1500' } });
    await stack.start();
    scim = stack.client((await stack.createTenant()).token);
  }, 60000);

  afterAll(async () => {
    await stack?.stop();
    await redis.stop();
  }, 60000);

  it('answers an applied write, and a refused one, from the operations log', async () => {
    const created = await scim.post<Json>('/Users', { userName: 'lost-reply', name: { givenName: 'Lost' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      userName: 'lost-reply',
      name: { givenName: 'Lost' },
      meta: { version: 'W/"1"' },
    });
    const duplicate = await scim.post<Json>('/Users', { userName: 'LOST-REPLY' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toMatchObject({ scimType: 'uniqueness' });
    expect(stack.apps.find((app) => app.name === 'worker')!.logs).toContain('Could not publish the result');
  }, 30000);
});
