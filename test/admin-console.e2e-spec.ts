import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { BrowserContext, Page } from 'playwright-core';
import { cliSignInLink } from './support/admin-client';
import { openBrowser, screenshotPath } from './support/browser';
import { SmtpSink } from './support/smtp-sink';
import { TestStack, filterQuery } from './support/stack';

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

/**
 * The admin console in a real headless Chromium (Debian's, through playwright-core) against the
 * built gateway, worker and notifier and an SMTP sink. Screenshots of each screen go to
 * test-output/admin-console/.
 */
jest.setTimeout(30000);

describe('admin console in a browser (end to end)', () => {
  const smtp = new SmtpSink();
  let stack: TestStack;
  const browsers: { context: BrowserContext; close(): Promise<void> }[] = [];
  let tenantA: { id: string; token: string };

  beforeAll(async () => {
    await smtp.start();
    stack = new TestStack({
      label: 'admin_console',
      notifier: true,
      env: { SMTP_URL: smtp.url, NOTIFY_DIGEST_MS: '1000', NOTIFY_RETRY_MS: '300' },
    });
    await stack.start();
    const { tenant, token } = await stack.tenants.create({
      name: 'Contoso',
      workDomains: ['contoso.test'],
      adminEmails: ['it-admin@contoso.test'],
    });
    tenantA = { id: tenant.id, token };
  }, 90000);

  afterAll(async () => {
    for (const browser of browsers) await browser.close();
    await stack?.stop();
    await smtp.stop();
  }, 60000);

  async function newPage(): Promise<Page> {
    const browser = await openBrowser();
    browsers.push(browser);
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('dialog', (dialog) => void dialog.accept());
    page.setDefaultTimeout(10000);
    return page;
  }

  let admin: Page;

  it('signs in with a link from the CLI; a second use of the link is refused with what to do next', async () => {
    admin = await newPage();
    const link = cliSignInLink(stack.env(), tenantA.id);
    const started = Date.now();
    await admin.goto(link);
    await admin.getByRole('button', { name: 'Generate token' }).waitFor();
    const interactive = Date.now() - started;
    const timing = await admin.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return { domInteractive: Math.round(nav.domInteractive), loadEvent: Math.round(nav.loadEventEnd) };
    });
    console.log(
      `admin-console: signed in and interactive (Generate token clickable) ${interactive} ms after opening the link; domInteractive ${timing.domInteractive} ms, load ${timing.loadEvent} ms`,
    );
    expect(admin.url()).toBe(`${stack.baseUrl}/admin/connection`);
    await admin.getByText('Contoso', { exact: true }).waitFor();
    await admin.getByText(`${stack.baseUrl}/api/scim`, { exact: true }).waitFor();
    await admin.getByRole('button', { name: 'Revoke' }).first().waitFor();
    await admin.screenshot({ path: screenshotPath('01-connection'), fullPage: true });

    const other = await newPage();
    await other.goto(link);
    await other.getByRole('heading', { name: 'This sign-in link has already been used' }).waitFor();
    await other.getByText(/each link works once/).waitFor();
    await other.getByRole('button', { name: 'Email me a sign-in link' }).waitFor();
    expect(other.url()).toBe(`${stack.baseUrl}/admin/sign-in`);
    await other.screenshot({ path: screenshotPath('02-link-already-used'), fullPage: true });
  });

  it('reports the first-load size of the page (JS + CSS, gzipped)', async () => {
    const html = await (await fetch(`${stack.baseUrl}/admin`)).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/admin\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
    let gzipped = 0;
    for (const asset of assets)
      gzipped += gzipSync(Buffer.from(await (await fetch(`${stack.baseUrl}${asset}`)).arrayBuffer()), {
        level: 9,
      }).length;
    console.log(
      `admin-console: first load ${assets.length} files, ${(gzipped / 1024).toFixed(1)} KiB of JS + CSS gzipped`,
    );
    expect(assets.length).toBeGreaterThanOrEqual(2);
  });

  it("generates a token that passes Entra's Test Connection, and a revoked token is refused", async () => {
    await admin.getByRole('button', { name: 'Generate token' }).click();
    const token = (await admin.getByTestId('new-token').textContent())!.trim();
    expect(token).toMatch(/^scim_/);
    await admin.getByText(/It will not be shown again/).waitFor();
    await admin.screenshot({ path: screenshotPath('03-token-generated'), fullPage: true });

    const scim = stack.client(token);
    const test = await scim.get<Record<string, unknown>>(`/Users${filterQuery(`userName eq "${randomUUID()}"`)}`);
    expect(test.status).toBe(200);
    expect(test.body['totalResults']).toBe(0);

    await admin.getByRole('row').filter({ hasText: 'New' }).getByRole('button', { name: 'Revoke' }).click();
    await admin.getByText('The token was revoked').waitFor();
    const revokedAt = Date.now();
    await waitFor('the revoked token to be refused', async () => (await scim.get('/Users')).status === 401, 15000);
    console.log(`admin-console: the revoked token got 401 ${Date.now() - revokedAt} ms after Revoke`);
    await admin.reload();
    await admin.getByText('Last Test Connection', { exact: true }).waitFor();
    await waitFor('the Test Connection on the page', async () => {
      await admin.reload();
      return (await admin.getByText('Not seen yet').count()) === 0;
    });
  });

  it('sets the notification email and sends a real test email', async () => {
    await admin.getByRole('link', { name: 'Notifications' }).click();
    await waitFor('the settings', async () => admin.getByLabel('Notification email').isEnabled());
    await admin.getByLabel('Notification email').fill('it-admin@contoso.test');
    await admin.getByLabel('Email me when provisioning fails').check();
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.getByText('Saved. Failure emails go to it-admin@contoso.test.').waitFor();
    await admin.getByRole('button', { name: 'Send test email' }).click();
    const mail = await waitFor('the test email', () =>
      smtp.to('it-admin@contoso.test').find((m) => m.subject.includes('Test email')),
    );
    expect(mail.text).toContain('tenant "Contoso"');
    expect(mail.text).toContain(`${stack.baseUrl}/admin`);
    await admin.getByText(/test email was handed to the mail server/).waitFor();
    await admin.screenshot({ path: screenshotPath('04-notifications'), fullPage: true });
  });

  it('saves work domains, and shows an invalid one inline', async () => {
    await admin.getByRole('link', { name: 'Work domains' }).click();
    const field = admin.getByLabel('Work domains');
    await waitFor('the saved domains', async () => (await field.inputValue()) === 'contoso.test');
    await field.fill('contoso.test\nbad..domain');
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.getByText('Not a valid domain: bad..domain.').waitFor();
    await expect(field.getAttribute('aria-invalid')).resolves.toBe('true');
    await admin.screenshot({ path: screenshotPath('05-work-domains-invalid'), fullPage: true });
    await field.fill('contoso.test\ncontoso-labs.test');
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.getByText('Saved: contoso.test, contoso-labs.test.').waitFor();
    expect((await stack.tenants.get(tenantA.id)).workDomains).toEqual(['contoso.test', 'contoso-labs.test']);
  });

  it('shows a write refused by the work-email rule in Activity, with the advice of the failure email', async () => {
    const scim = stack.client(tenantA.token);
    for (const name of ['adele', 'alex', 'megan']) {
      expect(
        (
          await scim.post('/Users', {
            userName: `${name}@contoso.test`,
            externalId: name,
            emails: [{ type: 'work', value: `${name}@contoso.test` }],
          })
        ).status,
      ).toBe(201);
    }
    expect((await scim.post('/Groups', { displayName: 'Sales' })).status).toBe(201);
    await admin.getByRole('link', { name: 'Activity' }).click();
    await admin.getByText('megan@contoso.test').waitFor();
    const refusedAt = Date.now();
    expect(
      (
        await scim.post('/Users', {
          userName: 'pradeep@fabrikam.test',
          externalId: 'pradeep',
          emails: [{ type: 'work', value: 'pradeep@fabrikam.test' }],
        })
      ).status,
    ).toBe(400);
    const row = admin.getByRole('row').filter({ hasText: 'pradeep@fabrikam.test' });
    await row.waitFor({ timeout: 15000 });
    console.log(
      `admin-console: the refused write appeared in Activity ${Date.now() - refusedAt} ms after it was answered (no reload)`,
    );
    await row.getByText('Failed').waitFor();
    await row.getByRole('button', { name: 'Details' }).click();
    const advice =
      "Add fabrikam.test under Work domains in the admin console, or correct the user's mail attribute in Entra.";
    await admin.getByText(advice).waitFor();
    await admin.screenshot({ path: screenshotPath('06-activity-failure'), fullPage: true });

    // The failure email says the same, and links to exactly these failures in the console.
    const digest = await waitFor(
      'the failure email',
      () => smtp.to('it-admin@contoso.test').find((m) => m.subject.includes('failure')),
      20000,
    );
    expect(digest.text).toContain(advice);
    const link = /(http:\/\/\S+\/admin\/activity\?digest=[0-9a-f-]+)/.exec(digest.text)![1]!;
    await admin.goto(link);
    await admin.getByText('Showing the failures of one failure email.').waitFor();
    await admin.getByText('pradeep@fabrikam.test').waitFor();
    await expect(admin.getByText('megan@contoso.test').count()).resolves.toBe(0);
    await admin.screenshot({ path: screenshotPath('07-activity-from-failure-email'), fullPage: true });
  }, 40000);

  it("shows tenant B's admin only tenant B", async () => {
    const { tenant, token } = await stack.tenants.create({ name: 'Northwind', workDomains: ['northwind.test'] });
    expect((await stack.client(token).post('/Users', { userName: 'nancy@northwind.test' })).status).toBe(201);
    const other = await newPage();
    await other.goto(cliSignInLink(stack.env(), tenant.id));
    await other.getByRole('button', { name: 'Revoke' }).first().waitFor();
    await other.getByText('Northwind', { exact: true }).waitFor();
    await expect(other.getByRole('button', { name: 'Revoke' }).count()).resolves.toBe(1);
    await other.getByRole('link', { name: 'Activity' }).click();
    await other.getByText('nancy@northwind.test').waitFor();
    await other.screenshot({ path: screenshotPath('08-tenant-b-activity'), fullPage: true });
    const text = await other.locator('body').innerText();
    for (const secret of ['Contoso', 'pradeep', 'megan', 'it-admin@contoso.test']) expect(text).not.toContain(secret);
    await other.getByRole('link', { name: 'Work domains' }).click();
    await waitFor(
      "tenant B's domains",
      async () => (await other.getByLabel('Work domains').inputValue()) === 'northwind.test',
    );
  });

  it('signs out, and the sign-in page offers to email a link', async () => {
    await admin.getByRole('button', { name: 'Sign out' }).click();
    await admin.getByRole('heading', { name: 'Sign in to the admin console' }).waitFor();
    await admin.getByLabel('Your admin email address').fill('it-admin@contoso.test');
    await admin.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await admin.getByText(/a sign-in link is on its way/).waitFor();
    await admin.screenshot({ path: screenshotPath('09-sign-in'), fullPage: true });
    const mail = await waitFor('the sign-in email', () =>
      smtp.to('it-admin@contoso.test').find((m) => m.subject.includes('Sign in')),
    );
    const link = /(http:\/\/\S+\/admin\/sign-in#sil_[A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
    await admin.goto(link);
    await admin.getByText('Signed in as it-admin@contoso.test').waitFor();
    await admin.goto(`${stack.baseUrl}/admin/activity`);
    await admin.getByRole('button', { name: 'Sign out' }).click();
    await admin.getByRole('heading', { name: 'Sign in to the admin console' }).waitFor();
    await admin.goto(`${stack.baseUrl}/admin/connection`);
    await admin.getByRole('heading', { name: 'Sign in to the admin console' }).waitFor();
  });
});
