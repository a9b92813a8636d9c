import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
import { WorkerHeartbeats, workerHeartbeatKey } from './worker-heartbeats';

const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

describe('WorkerHeartbeats (real Redis)', () => {
  const prefix = `test-heartbeats-${process.pid}-${randomBytes(3).toString('hex')}`;
  let redis: IORedis;
  let heartbeats: WorkerHeartbeats;

  beforeAll(() => {
    redis = new IORedis(REDIS_URL);
    heartbeats = new WorkerHeartbeats(redis, prefix);
  });

  afterAll(async () => {
    await redis.del(workerHeartbeatKey(prefix));
    redis.disconnect();
  });

  it('counts no worker before any heartbeat', async () => {
    expect(await heartbeats.alive()).toBe(0);
  });

  it('counts each worker that beat within the window once, however often it beat', async () => {
    await heartbeats.beat('worker-a');
    await heartbeats.beat('worker-a');
    await heartbeats.beat('worker-b');
    expect(await heartbeats.alive()).toBe(2);
  });

  it('does not count a beat older than the window', async () => {
    const [seconds] = await redis.time();
    await redis.zadd(workerHeartbeatKey(prefix), Number(seconds) - 20, 'worker-stale');
    expect(await heartbeats.alive(15)).toBe(2);
    expect(await heartbeats.alive(30)).toBe(3);
  });

  it('forgets a worker that leaves', async () => {
    await heartbeats.leave('worker-a');
    await heartbeats.leave('worker-b');
    expect(await heartbeats.alive()).toBe(0);
  });

  it('keeps the key from living forever', async () => {
    await heartbeats.beat('worker-c');
    const ttl = await redis.ttl(workerHeartbeatKey(prefix));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300);
  });
});
