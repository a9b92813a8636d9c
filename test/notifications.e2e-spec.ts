import { waitFor } from './support/wait-for';
import { SmtpSink } from './support/smtp-sink';
import { TestStack, type AppProcess, type ScimClient } from './support/stack';

type Json = Record<string, any>;
const DIGEST_MS = 1500;
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Failure notifications end to end: gateway, worker and notifier running, a real SMTP server
 * (smtp-server) receiving, mails parsed with mailparser.
 */
describe('failure notifications (end to end)', () => {
  const smtp = new SmtpSink();
  let stack: TestStack;
  let notifier: AppProcess;

  beforeAll(async () => {
    await smtp.start();
    stack = new TestStack({
      label: 'notifications',
      env: {
        SMTP_URL: smtp.url,
        NOTIFY_DIGEST_MS: String(DIGEST_MS),
        NOTIFY_RETRY_MS: '300',
        MAIL_FROM: 'SCIM provisioning <provisioning@scim.test>',
      },
    });
    await stack.start();
    notifier = stack.startApp('notifier');
    await notifier.waitForLog(/Notifier ready/);
  }, 60000);

  afterAll(async () => {
    await stack.stop();
    await smtp.stop();
  }, 60000);

  async function tenantWith(address: string | null, on = true): Promise<{ tenantId: string; scim: ScimClient }> {
    const { tenantId, token } = await stack.createTenant({
      notifyEmail: address,
      notifyOnFailure: on && address !== null,
      workDomains: ['acme.test'],
    });
    return { tenantId, scim: stack.client(token) };
  }

  it('sends one digest listing three different failures of one window, with reasons and advice', async () => {
    const { tenantId, scim } = await tenantWith('admin@acme.test');
    expect((await scim.post('/Users', { userName: 'taken@acme.test' })).status).toBe(201);
    expect((await scim.post('/Users', { userName: 'TAKEN@acme.test', externalId: 'ext-dup' })).status).toBe(409);
    expect(
      (await scim.post('/Users', { userName: 'outsider', emails: [{ type: 'work', value: 'outsider@example.org' }] }))
        .status,
    ).toBe(400);
    const group = await scim.post<Json>('/Groups', { displayName: 'Engineering' });
    const ghost = '00000000-0000-4000-8000-00000000dead';
    expect(
      (
        await scim.patch(`/Groups/${group.body['id']}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'Add', path: 'members', value: [{ value: ghost }] }],
        })
      ).status,
    ).toBe(400);

    const mail = await waitFor('the digest', () => smtp.to('admin@acme.test')[0]);
    await sleep(DIGEST_MS + 1000);
    expect(smtp.to('admin@acme.test')).toHaveLength(1);
    expect(mail.subject).toBe(`[SCIM provisioning] 3 failures for tenant ${(await stack.tenants.get(tenantId)).name}`);
    expect(mail.from).toContain('provisioning@scim.test');
    expect(mail.messageId).toMatch(/^<digest-[0-9a-f-]+@scim\.test>$/);
    expect(mail.text).toContain('userName already taken');
    expect(mail.text).toContain('TAKEN@acme.test');
    expect(mail.text).toContain('externalId ext-dup');
    expect(mail.text).toContain('work email on a domain that is not allowed');
    expect(mail.text).toContain("Add example.org to the tenant's work domains");
    expect(mail.text).toContain('members that are not provisioned');
    expect(mail.text).toContain(ghost);
    expect(mail.text).toContain('Group Engineering');
    expect(mail.html).toContain('<table');
    expect(mail.html).toContain('example.org');

    const log: { notification: string; notified_at: Date | null }[] = await stack.dataSource.query(
      `SELECT notification, notified_at FROM operations WHERE tenant_id = $1 AND outcome = 'failed'`,
      [tenantId],
    );
    expect(log).toHaveLength(3);
    for (const row of log) {
      expect(row.notification).toBe('sent');
      expect(row.notified_at).toBeInstanceOf(Date);
    }
  }, 30000);

  it('sends nothing for successes, for a tenant with notifications off, and for 404s', async () => {
    const quiet = await tenantWith('quiet@acme.test');
    expect((await quiet.scim.post('/Users', { userName: 'fine@acme.test' })).status).toBe(201);
    expect((await quiet.scim.delete('/Users/00000000-0000-4000-8000-000000000001')).status).toBe(404);
    const off = await tenantWith('off@acme.test', false);
    expect(
      (await off.scim.post('/Users', { userName: 'x', emails: [{ type: 'work', value: 'x@example.org' }] })).status,
    ).toBe(400);
    await sleep(DIGEST_MS * 2 + 1000);
    expect(smtp.to('quiet@acme.test')).toHaveLength(0);
    expect(smtp.to('off@acme.test')).toHaveLength(0);
    const rows: { notification: string | null }[] = await stack.dataSource.query(
      `SELECT notification FROM operations WHERE tenant_id = $1 AND outcome = 'failed'`,
      [off.tenantId],
    );
    expect(rows).toEqual([{ notification: null }]);
  }, 30000);

  it("never puts two tenants' failures in one email", async () => {
    const a = await tenantWith('a@acme.test');
    const b = await tenantWith('b@acme.test');
    expect(
      (await a.scim.post('/Users', { userName: 'a', emails: [{ type: 'work', value: 'a@example.org' }] })).status,
    ).toBe(400);
    expect(
      (await b.scim.post('/Users', { userName: 'b', emails: [{ type: 'work', value: 'b@example.net' }] })).status,
    ).toBe(400);
    const mailA = await waitFor('a digest for a', () => smtp.to('a@acme.test')[0]);
    const mailB = await waitFor('a digest for b', () => smtp.to('b@acme.test')[0]);
    expect(mailA.to).toEqual(['a@acme.test']);
    expect(mailA.text).toContain('a@example.org');
    expect(mailA.text).not.toContain('b@example.net');
    expect(mailB.text).toContain('b@example.net');
    expect(mailB.text).not.toContain('a@example.org');
  }, 30000);

  it('delivers exactly once when the SMTP server is down at the due time and back a little later', async () => {
    const { scim } = await tenantWith('outage@acme.test');
    await smtp.stop();
    try {
      expect(
        (await scim.post('/Users', { userName: 'o', emails: [{ type: 'work', value: 'o@example.org' }] })).status,
      ).toBe(400);
      // The digest falls due while the server is down and its first sends fail.
      await sleep(DIGEST_MS + 2000);
      const digests: { attempts: number; status: string }[] = await stack.dataSource.query(
        `SELECT d.attempts, d.status FROM notification_digests d WHERE d.recipient = 'outage@acme.test'`,
      );
      expect(digests).toHaveLength(1);
      expect(digests[0]!.status).toBe('pending');
      expect(digests[0]!.attempts).toBeGreaterThanOrEqual(1);
    } finally {
      await smtp.start();
    }
    await waitFor('the retried digest', () => smtp.to('outage@acme.test')[0], 20000);
    await sleep(2000);
    expect(smtp.to('outage@acme.test')).toHaveLength(1);
  }, 40000);

  it('delivers exactly once when the notifier is killed between gathering and sending', async () => {
    const { scim } = await tenantWith('crash@acme.test');
    await smtp.stop();
    expect(
      (await scim.post('/Users', { userName: 'c', emails: [{ type: 'work', value: 'c@example.org' }] })).status,
    ).toBe(400);
    // Gathered and stored, not sent (the relay is down)…
    await sleep(DIGEST_MS + 1500);
    const stored: { status: string }[] = await stack.dataSource.query(
      `SELECT status FROM notification_digests WHERE recipient = 'crash@acme.test'`,
    );
    expect(stored).toEqual([{ status: 'pending' }]);
    // …then the notifier dies without any chance to clean up, and comes back.
    await notifier.stop('SIGKILL');
    await smtp.start();
    notifier = stack.startApp('notifier');
    await notifier.waitForLog(/Notifier ready/);
    await waitFor('the digest after the restart', () => smtp.to('crash@acme.test')[0], 20000);
    await sleep(2000);
    expect(smtp.to('crash@acme.test')).toHaveLength(1);
    const sent: { status: string }[] = await stack.dataSource.query(
      `SELECT status FROM notification_digests WHERE recipient = 'crash@acme.test'`,
    );
    expect(sent).toEqual([{ status: 'sent' }]);
  }, 60000);

  it('lists at most 100 failures, then says how many more, with counts per reason', async () => {
    const { scim } = await tenantWith('many@acme.test');
    // The notifier is stopped while the 105 failures are recorded, so that all of them fall in one
    // window however long the writes take on a loaded machine; it gathers them when it is back.
    await notifier.stop();
    const results = await Promise.all(
      Array.from({ length: 105 }, (_, i) =>
        scim.post('/Users', { userName: `m${i}`, emails: [{ type: 'work', value: `m${i}@example.org` }] }),
      ),
    );
    expect(results.every((r) => r.status === 400)).toBe(true);
    notifier = stack.startApp('notifier');
    await notifier.waitForLog(/Notifier ready/);
    const mail = await waitFor('the big digest', () => smtp.to('many@acme.test')[0], 20000);
    expect(mail.subject).toContain('105 failures');
    expect(mail.text).toContain('105 × work email on a domain that is not allowed');
    expect(mail.text).toContain('… and 5 more failures, not listed here.');
    expect(mail.text.match(/^\d+\. /gm)).toHaveLength(100);
  }, 40000);
});
