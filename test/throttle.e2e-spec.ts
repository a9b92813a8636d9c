import { sampleValue, scrape } from './support/prometheus';
import { TestStack, type ScimResponse } from './support/stack';

type Json = Record<string, any>;

/**
 * The per-tenant rate limit at the gateway, with the shipped defaults (50/s, bursts of 100):
 * 429 with Retry-After and a SCIM error naming the limit; reads and writes both count; a refused
 * write never reaches the queue; tenants do not share buckets; a tenant may have its own rate.
 */
describe('per-tenant rate limit (end to end, default limits)', () => {
  // Blank values are unset: the defaults, not the test stacks' high limit.
  const stack = new TestStack({ label: 'throttle', env: { RATE_LIMIT_PER_SECOND: '', RATE_LIMIT_BURST: '' } });

  beforeAll(async () => {
    await stack.start();
  }, 60000);

  afterAll(async () => {
    await stack.stop();
  }, 60000);

  /** `n` requests at once; the answers in order. */
  function volley(
    token: string,
    n: number,
    request: (i: number) => [string, string, unknown?],
  ): Promise<ScimResponse<Json>[]> {
    const client = stack.client(token);
    return Promise.all(
      Array.from({ length: n }, (_, i) => client.request<Json>(...(request(i) as [string, string, unknown]))),
    );
  }

  const statuses = (answers: ScimResponse[]) =>
    answers.reduce<Record<number, number>>((counts, a) => ({ ...counts, [a.status]: (counts[a.status] ?? 0) + 1 }), {});

  it('lets a burst of 100 through, then answers 429 with Retry-After and a SCIM error naming the limit', async () => {
    const { token } = await stack.createTenant();
    const before = await scrape(`${stack.baseUrl}/metrics`);
    const answers = await volley(token, 250, () => ['GET', '/Users?count=1']);
    const counts = statuses(answers);
    expect(Object.keys(counts).sort()).toEqual(['200', '429']);
    // 100 saved tokens plus the few that flowed in (50/s) while the volley ran.
    expect(counts[200]).toBeGreaterThanOrEqual(100);
    expect(counts[200]).toBeLessThan(250);
    const refused = answers.find((a) => a.status === 429)!;
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(refused.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(refused.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '429',
      detail: expect.stringMatching(/the limit is 50 requests per second \(bursts of up to 100\).*Retry after \d+ s/),
    });
    const after = await scrape(`${stack.baseUrl}/metrics`);
    expect(
      (sampleValue(after, 'scim_rate_limited_total') ?? 0) - (sampleValue(before, 'scim_rate_limited_total') ?? 0),
    ).toBe(counts[429]);
  });

  it('counts writes too, and a refused write never reaches the queue', async () => {
    const { tenantId, token } = await stack.createTenant();
    const answers = await volley(token, 250, (i) => ['POST', '/Users', { userName: `burst-${i}@example.com` }]);
    const counts = statuses(answers);
    expect(counts[429]).toBeGreaterThan(0);
    expect(counts[201]).toBeGreaterThanOrEqual(100);
    const operations: { n: string }[] = await stack.dataSource.query(
      `SELECT count(*) AS n FROM operations WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(Number(operations[0]!.n)).toBe(counts[201]);
    const users: { n: string }[] = await stack.dataSource.query(
      `SELECT count(*) AS n FROM users WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(Number(users[0]!.n)).toBe(counts[201]);
  });

  it('keeps tenants apart: while one is over its limit, another is served in full', async () => {
    const noisy = await stack.createTenant();
    const quiet = await stack.createTenant();
    const [noisyAnswers, quietAnswers] = await Promise.all([
      volley(noisy.token, 250, () => ['GET', '/Users?count=1']),
      volley(quiet.token, 40, () => ['GET', '/Users?count=1']),
    ]);
    expect(statuses(noisyAnswers)[429]).toBeGreaterThan(0);
    expect(statuses(quietAnswers)).toEqual({ 200: 40 });
  });

  it('serves the tenant again once Retry-After has passed', async () => {
    const { token } = await stack.createTenant();
    const answers = await volley(token, 250, () => ['GET', '/Users?count=1']);
    const retryAfter = Number(answers.find((a) => a.status === 429)!.headers.get('retry-after'));
    await new Promise((r) => setTimeout(r, retryAfter * 1000));
    expect((await stack.client(token).get('/Users?count=1')).status).toBe(200);
  });

  it("applies a tenant's own rate (npm run tenant -- set --rate-limit N), with bursts in the same proportion", async () => {
    const fast = await stack.createTenant({ rateLimit: 200 });
    const fastAnswers = statuses(await volley(fast.token, 300, () => ['GET', '/Users?count=1']));
    expect(fastAnswers).toEqual({ 200: 300 });
    const slow = await stack.createTenant({ rateLimit: 25 });
    const slowAnswers = await volley(slow.token, 150, () => ['GET', '/Users?count=1']);
    expect(statuses(slowAnswers)[200]).toBeLessThan(150);
    expect(statuses(slowAnswers)[200]).toBeGreaterThanOrEqual(50);
    expect(slowAnswers.find((a) => a.status === 429)!.body['detail']).toMatch(
      /the limit is 25 requests per second \(bursts of up to 50\)/,
    );
  });
});
