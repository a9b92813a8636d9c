import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { TenantRepository, createDirectoryDataSource } from '@scim/directory';
import { createTestDatabase } from '@scim/directory/testing';
import type { MailSender, OutgoingMail } from './mail-sender';
import { NotificationStore } from './notification.store';

let ds: DataSource;
let drop: () => Promise<void>;
let store: NotificationStore;
let tenants: TenantRepository;

const render = (tenant: { name: string }, failures: unknown[]) => ({
  subject: `${failures.length} for ${tenant.name}`,
  text: 't',
  html: 'h',
});
const policy = { retryMs: 100, maxRetryDelayMs: 1000, giveUpAfterMs: 60_000 };

beforeAll(async () => {
  const db = await createTestDatabase('notification_store');
  drop = db.drop;
  ds = createDirectoryDataSource({ url: db.url, poolSize: 8 });
  await ds.initialize();
  store = new NotificationStore(ds);
  tenants = new TenantRepository(ds);
}, 30000);

afterAll(async () => {
  await ds.destroy();
  await drop();
});

async function failureFor(tenantId: string, occurredAt = new Date(Date.now() - 10_000)): Promise<string> {
  const operationId = randomUUID();
  await store.recordNotice({
    tenantId,
    operationId,
    kind: 'create-user',
    resourceType: 'User',
    resourceId: null,
    resourceName: 'u',
    externalId: null,
    status: 400,
    scimType: 'invalidValue',
    detail: 'no',
    reason: 'WORK_EMAIL_REJECTED',
    context: { domain: 'x.org' },
    occurredAt: occurredAt.toISOString(),
  });
  return operationId;
}

class CountingSender implements MailSender {
  readonly sent: OutgoingMail[] = [];
  failing = false;
  async send(mail: OutgoingMail): Promise<void> {
    await new Promise((r) => setTimeout(r, 50));
    if (this.failing) throw new Error('SMTP down');
    this.sent.push(mail);
  }
}

describe('NotificationStore', () => {
  it('records a reported failure once, pending only for tenants that want emails', async () => {
    const on = (await tenants.create({ name: 'on', notifyEmail: 'on@x.test' })).tenant.id;
    const off = (await tenants.create({ name: 'off', notifyEmail: 'off@x.test', notifyOnFailure: false })).tenant.id;
    const id = await failureFor(on);
    expect(
      await store.recordNotice({
        tenantId: on,
        operationId: id,
        kind: 'create-user',
        resourceType: 'User',
        resourceId: null,
        resourceName: 'u',
        externalId: null,
        status: 400,
        scimType: null,
        detail: 'no',
        reason: 'X',
        context: null,
        occurredAt: new Date().toISOString(),
      }),
    ).toBe(false);
    await failureFor(off);
    const rows: { tenant_id: string; notification: string | null }[] = await ds.query(
      `SELECT tenant_id, notification FROM operations WHERE tenant_id = ANY($1::uuid[])`,
      [[on, off]],
    );
    expect(rows.find((r) => r.tenant_id === on)!.notification).toBe('pending');
    expect(rows.find((r) => r.tenant_id === off)!.notification).toBeNull();
  });

  it('waits for the window before gathering', async () => {
    const tenantId = (await tenants.create({ name: 'window', notifyEmail: 'w@x.test' })).tenant.id;
    await failureFor(tenantId, new Date());
    await store.gatherDue(60_000, 'x.test', render);
    const digests: unknown[] = await ds.query(`SELECT 1 FROM notification_digests WHERE tenant_id = $1`, [tenantId]);
    expect(digests).toHaveLength(0);
  });

  it('gathers a tenant once when two replicas gather at the same time, and sends each digest once', async () => {
    const tenantId = (await tenants.create({ name: 'race', notifyEmail: 'race@x.test' })).tenant.id;
    for (let i = 0; i < 5; i++) await failureFor(tenantId);
    await Promise.all([
      store.gatherDue(1000, 'x.test', render),
      store.gatherDue(1000, 'x.test', render),
      store.gatherDue(1000, 'x.test', render),
    ]);
    const digests: { id: string; failure_count: number; message_id: string }[] = await ds.query(
      `SELECT id, failure_count, message_id FROM notification_digests WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(digests).toHaveLength(1);
    expect(digests[0]!.failure_count).toBe(5);
    expect(digests[0]!.message_id).toBe(`<digest-${digests[0]!.id}@x.test>`);

    const sender = new CountingSender();
    await Promise.all([
      store.sendNextDue(sender, policy),
      store.sendNextDue(sender, policy),
      store.sendNextDue(sender, policy),
    ]);
    expect(sender.sent.filter((m) => m.to === 'race@x.test')).toHaveLength(1);
    const ops: { notification: string; notified_at: Date | null }[] = await ds.query(
      `SELECT notification, notified_at FROM operations WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(ops.every((o) => o.notification === 'sent' && o.notified_at instanceof Date)).toBe(true);
  });

  it('backs off after a failed send, then gives up after the budget and keeps the failures visible', async () => {
    const tenantId = (await tenants.create({ name: 'down', notifyEmail: 'down@x.test' })).tenant.id;
    await failureFor(tenantId);
    await store.gatherDue(1000, 'x.test', render);
    const sender = new CountingSender();
    sender.failing = true;
    const digestId: string = (await ds.query(`SELECT id FROM notification_digests WHERE tenant_id = $1`, [tenantId]))[0]
      .id;
    expect(await store.sendNextDue(sender, policy)).toEqual({
      outcome: 'retry',
      digestId,
      tenantId,
      attempts: 1,
      failureCount: 1,
      error: new Error('SMTP down'),
      retryInMs: 100,
    });
    const [after] = await ds.query(
      `SELECT attempts, next_attempt_at > now() AS later, last_error FROM notification_digests WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(after).toEqual({ attempts: 1, later: true, last_error: 'SMTP down' });
    expect(await store.sendNextDue(sender, policy)).toEqual({ outcome: 'idle' });
    await ds.query(
      `UPDATE notification_digests SET next_attempt_at = now(), created_at = now() - interval '2 minutes' WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(await store.sendNextDue(sender, policy)).toMatchObject({
      outcome: 'undeliverable',
      digestId,
      tenantId,
      attempts: 2,
    });
    const ops: { notification: string }[] = await ds.query(`SELECT notification FROM operations WHERE tenant_id = $1`, [
      tenantId,
    ]);
    expect(ops).toEqual([{ notification: 'undeliverable' }]);
  });

  it('does not notify failures of a tenant that turned notifications off before the window ended', async () => {
    const tenantId = (await tenants.create({ name: 'turned off', notifyEmail: 't@x.test' })).tenant.id;
    await failureFor(tenantId);
    await tenants.update(tenantId, { notifyOnFailure: false });
    expect(await store.gatherDue(1000, 'x.test', render)).toBe(0);
    const ops: { notification: string | null }[] = await ds.query(
      `SELECT notification FROM operations WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(ops).toEqual([{ notification: null }]);
  });

  it("lists a tenant's digests with state, attempts and the last SMTP error, and counts pending failures", async () => {
    const tenantId = (await tenants.create({ name: 'listed', notifyEmail: 'listed@x.test' })).tenant.id;
    const pendingBefore = await store.pendingFailures();
    await failureFor(tenantId);
    await failureFor(tenantId);
    expect(await store.pendingFailures()).toBe(pendingBefore + 2);
    await store.gatherDue(1000, 'x.test', render);
    expect(await store.pendingFailures()).toBe(pendingBefore);
    const sender = new CountingSender();
    sender.failing = true;
    await store.sendNextDue(sender, policy);
    expect(await store.digests(tenantId)).toEqual([
      {
        digestId: expect.any(String),
        createdAt: expect.any(String),
        state: 'pending',
        attempts: 1,
        lastError: 'SMTP down',
        nextAttemptAt: expect.any(String),
        sentAt: null,
        failureCount: 2,
        recipient: 'listed@x.test',
        subject: '2 for listed',
      },
    ]);
    await ds.query(`UPDATE notification_digests SET next_attempt_at = now() WHERE tenant_id = $1`, [tenantId]);
    sender.failing = false;
    expect(await store.sendNextDue(sender, policy)).toMatchObject({
      outcome: 'sent',
      tenantId,
      attempts: 2,
      failureCount: 2,
    });
    expect(await store.digests(tenantId)).toMatchObject([
      { state: 'sent', attempts: 2, lastError: null, nextAttemptAt: null, sentAt: expect.any(String) },
    ]);
    expect(await store.digests(randomUUID())).toEqual([]);
  });
});
