import { TestStack, freePort } from './support/stack';

type Json = Record<string, any>;
const OPERATOR_TOKEN = 'operator-token-for-the-e2e-test-0123456789';
const BASE = '/admin/queues';

/**
 * The queue dashboard (Bull Board) at /admin/queues: only with OPERATOR_TOKEN, only for whoever
 * has it (Bearer header, or the session cookie of the sign-in form), read-only, and never
 * showing the personal data that write jobs carry.
 */
describe('queue dashboard (end to end)', () => {
  // No worker at first, so that a write waits in the queue with its user document.
  const stack = new TestStack({ label: 'dashboard', workers: 0, env: { OPERATOR_TOKEN, WRITE_TIMEOUT_MS: '20000' } });
  let token = '';

  beforeAll(async () => {
    await stack.start();
    ({ token } = await stack.createTenant());
  }, 60000);

  afterAll(async () => {
    await stack.stop();
  }, 60000);

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${stack.baseUrl}${BASE}${path}`, { headers, redirect: 'manual' });

  async function signIn(given: string): Promise<Response> {
    return fetch(`${stack.baseUrl}${BASE}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: given }).toString(),
      redirect: 'manual',
    });
  }

  it('asks a browser to sign in, and tells a script what it needs', async () => {
    const page = await get('/', { Accept: 'text/html,application/xhtml+xml' });
    expect(page.status).toBe(401);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    expect(html).toContain(`action="${BASE}/login"`);
    expect(html).toContain('type="password"');
    const api = await get('/api/queues');
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toBe('Bearer realm="operator"');
    expect(((await api.json()) as Json)['detail']).toMatch(/operator token/);
    expect((await get('/static/js/nothing.js')).status).toBe(401);
  });

  it("refuses a wrong token, a tenant's SCIM token and a forged cookie", async () => {
    const wrong = await signIn('not-the-operator-token');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(await wrong.text()).toContain('That is not the operator token.');
    expect((await get('/api/queues', { Authorization: `Bearer ${token}` })).status).toBe(401);
    expect((await get('/api/queues', { Cookie: `scim_operator=9999999999.${'A'.repeat(43)}` })).status).toBe(401);
  });

  it('signs a browser in with a session cookie (HttpOnly, SameSite=Strict) and shows the board', async () => {
    const signedIn = await signIn(OPERATOR_TOKEN);
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe(`${BASE}/`);
    const cookie = signedIn.headers.get('set-cookie')!;
    expect(cookie).toMatch(
      new RegExp(`^scim_operator=\\d+\\.[A-Za-z0-9_-]{43}; Path=${BASE}; Max-Age=28800; HttpOnly; SameSite=Strict$`),
    );
    const session = cookie.split(';')[0]!;
    const board = await get('/', { Cookie: session, Accept: 'text/html' });
    expect(board.status).toBe(200);
    expect(await board.text()).toContain(`<base href="${BASE}/"`);
    const queues = await get('/api/queues', { Cookie: session });
    expect(queues.status).toBe(200);
    expect(queues.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await queues.json()) as Json;
    expect(body['queues'].map((q: Json) => [q['name'], q['readOnlyMode']]).sort()).toEqual([
      ['directory', true],
      ['notifications', true],
    ]);
    const out = await get('/logout', { Cookie: session });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^scim_operator=; Path=\/admin\/queues; Max-Age=0/);
  });

  it('shows a waiting write by its ids, never its user document; a worker then applies it', async () => {
    const write = stack.client(token).post('/Users', {
      userName: 'dashboard.person@example.com',
      name: { givenName: 'Dashboard', familyName: 'Person' },
    });
    const auth = { Authorization: `Bearer ${OPERATOR_TOKEN}` };
    let jobs: Json[] = [];
    for (let i = 0; i < 50 && jobs.length === 0; i++) {
      const response = await get('/api/queues?activeQueue=directory&status=waiting&page=1&jobsPerPage=10', auth);
      const text = await response.text();
      expect(text).not.toMatch(/dashboard\.person|Dashboard|Person/);
      jobs = (JSON.parse(text)['queues'] as Json[]).find((q) => q['name'] === 'directory')!['jobs'];
      if (jobs.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!['name']).toBe('create-user');
    expect(jobs[0]!['data']).toMatchObject({
      tenantId: expect.any(String),
      operationId: jobs[0]!['id'],
      user: '[redacted: 3 attributes]',
    });
    // Read-only: nothing can be changed, retried, added or removed from here.
    const clean = await fetch(`${stack.baseUrl}${BASE}/api/queues/directory/clean/waiting`, {
      method: 'PUT',
      headers: auth,
    });
    expect(clean.status).toBeGreaterThanOrEqual(400);
    await stack.startWorker();
    expect((await write).status).toBe(201);
  });

  it('is not there at all without OPERATOR_TOKEN', async () => {
    const port = await freePort();
    const plain = stack.startApp('gateway', { PORT: String(port), OPERATOR_TOKEN: '' });
    await plain.waitForLog(/queue dashboard off/);
    const response = await fetch(`http://127.0.0.1:${port}${BASE}`, {
      headers: { Authorization: `Bearer ${OPERATOR_TOKEN}` },
    });
    expect(response.status).toBe(404);
    await plain.stop();
    // It starts a gateway of its own: more than jest's 5 s default on a loaded machine.
  }, 30000);
});
