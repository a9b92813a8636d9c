import { randomBytes, randomUUID } from 'node:crypto';
import IORedis from 'ioredis';
import { TenantRateLimiter, leaseSize, rateLimitDetail } from './tenant-rate.limiter';

const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

describe('TenantRateLimiter (token bucket in real Redis)', () => {
  const prefix = `test-rate-${process.pid}-${randomBytes(3).toString('hex')}`;
  let redis: IORedis;

  beforeAll(async () => {
    redis = new IORedis(REDIS_URL);
    await redis.ping();
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  async function burst(limiter: TenantRateLimiter, tenantId: string, n: number, rate: number | null = null) {
    const answers = [];
    for (let i = 0; i < n; i++) answers.push(await limiter.admit(tenantId, rate));
    return answers;
  }

  it('lets a burst through, then refuses with a Retry-After of whole seconds', async () => {
    const limiter = new TenantRateLimiter(redis, `${prefix}:a`, { perSecond: 25, burst: 50 });
    const answers = await burst(limiter, randomUUID(), 100);
    const allowed = answers.filter((a) => a.allowed).length;
    // 50 saved tokens, plus the few that flowed in while the loop ran (25/s).
    expect(allowed).toBeGreaterThanOrEqual(50);
    expect(allowed).toBeLessThan(100);
    const refused = answers.find((a) => !a.allowed);
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 1, limit: { perSecond: 25, burst: 50 } });
  });

  it('refills at the rate: after a refusal, a token is free again within 1/rate s', async () => {
    const limiter = new TenantRateLimiter(redis, `${prefix}:b`, { perSecond: 50, burst: 50 });
    const tenant = randomUUID();
    // Until the first refusal (a slow machine refills a few tokens while the burst runs).
    let refused = false;
    for (let i = 0; i < 1000 && !refused; i++) refused = !(await limiter.admit(tenant, null)).allowed;
    expect(refused).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect((await limiter.admit(tenant, null)).allowed).toBe(true);
  });

  it('keeps tenants apart: one tenant over its limit does not slow another', async () => {
    const limiter = new TenantRateLimiter(redis, `${prefix}:c`, { perSecond: 25, burst: 25 });
    const noisy = randomUUID();
    await burst(limiter, noisy, 40);
    expect((await limiter.admit(noisy, null)).allowed).toBe(false);
    expect((await burst(limiter, randomUUID(), 20)).every((a) => a.allowed)).toBe(true);
  });

  it('shares one bucket between gateways (processes) through Redis', async () => {
    const tenant = randomUUID();
    const one = new TenantRateLimiter(redis, `${prefix}:d`, { perSecond: 25, burst: 30 });
    const two = new TenantRateLimiter(redis, `${prefix}:d`, { perSecond: 25, burst: 30 });
    const answers = [...(await burst(one, tenant, 20)), ...(await burst(two, tenant, 40))];
    expect(answers.filter((a) => a.allowed).length).toBeLessThan(60);
    expect(answers.slice(0, 20).every((a) => a.allowed)).toBe(true);
  });

  it("applies a tenant's own rate, keeping the default ratio of burst to rate", async () => {
    const limiter = new TenantRateLimiter(redis, `${prefix}:e`, { perSecond: 50, burst: 100 });
    expect(limiter.limitFor(null)).toEqual({ perSecond: 50, burst: 100 });
    expect(limiter.limitFor(25)).toEqual({ perSecond: 25, burst: 50 });
    expect(limiter.limitFor(200)).toEqual({ perSecond: 200, burst: 400 });
    const answers = await burst(limiter, randomUUID(), 100, 25);
    expect(answers.filter((a) => a.allowed).length).toBeLessThan(100);
    expect(answers.find((a) => !a.allowed)).toMatchObject({ limit: { perSecond: 25, burst: 50 } });
  });

  it('takes tokens from Redis in leases at high rates: one script call per 100 requests at 5,000/s', async () => {
    expect(leaseSize({ perSecond: 50, burst: 100 })).toBe(1);
    expect(leaseSize({ perSecond: 1000, burst: 2000 })).toBe(20);
    expect(leaseSize({ perSecond: 1_000_000, burst: 1_000_000 })).toBe(100);
    const own = new IORedis(REDIS_URL);
    try {
      const limiter = new TenantRateLimiter(own, `${prefix}:lease`, { perSecond: 5000, burst: 10_000 });
      // Count the script's calls (defineCommand put it on the connection; the limiter calls it there).
      const commands = own as unknown as { scimTakeTokens: (...args: unknown[]) => Promise<[number, number]> };
      const takeTokens = commands.scimTakeTokens.bind(own);
      const calls: unknown[][] = [];
      commands.scimTakeTokens = (...args) => {
        calls.push(args);
        return takeTokens(...args);
      };
      const tenant = randomUUID();
      expect((await burst(limiter, tenant, 100)).every((a) => a.allowed)).toBe(true);
      expect(calls).toEqual([[`${prefix}:lease:${tenant}`, 100, 5000, 10_000]]);
      expect((await limiter.admit(tenant, null)).allowed).toBe(true);
      expect(calls).toHaveLength(2);
    } finally {
      own.disconnect();
    }
  });

  it('shares a lease among concurrent requests and grants no more than the burst', async () => {
    const limiter = new TenantRateLimiter(redis, `${prefix}:concurrent`, { perSecond: 1000, burst: 1000 });
    const tenant = randomUUID();
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 3000 }, () => limiter.admit(tenant, null)));
    const elapsedMs = performance.now() - started;
    const allowed = answers.filter((a) => a.allowed).length;
    // The 1,000 saved tokens, and at most what flowed in meanwhile (1/ms) plus one lease of 20.
    expect(allowed).toBeGreaterThanOrEqual(1000);
    expect(allowed).toBeLessThanOrEqual(1000 + Math.ceil(elapsedMs) + 20);
  });

  it('lets requests through when Redis does not answer', async () => {
    const down = new IORedis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    down.on('error', () => undefined);
    const limiter = new TenantRateLimiter(down, `${prefix}:f`, { perSecond: 25, burst: 25 });
    expect((await burst(limiter, randomUUID(), 30)).every((a) => a.allowed)).toBe(true);
    down.disconnect();
  });

  it('names the limit in the 429 detail', () => {
    expect(rateLimitDetail({ perSecond: 50, burst: 100 }, 1)).toBe(
      'Too many requests for this tenant: the limit is 50 requests per second (bursts of up to 100), reads and writes together. Retry after 1 s.',
    );
  });
});
