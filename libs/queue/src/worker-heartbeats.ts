import type { RedisConnection } from './redis-connection';

/** How often a directory worker says it is alive, and how long the gateway trusts the last time it did. */
export const WORKER_HEARTBEAT_INTERVAL_MS = 5000;
export const WORKER_HEARTBEAT_WINDOW_SECONDS = 15;
/** Entries older than this are dropped (workers that died without saying goodbye). */
const FORGET_AFTER_SECONDS = 300;

/** One sorted set per stack: member = worker id, score = Redis time (s) of its last heartbeat. */
export function workerHeartbeatKey(prefix: string): string {
  return `${prefix}:directory-workers`;
}

// Redis' own clock on both sides, so that skewed host clocks cannot make a live worker look dead.
const BEAT = `local now = tonumber(redis.call('TIME')[1])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('EXPIRE', KEYS[1], ARGV[2])
return now`;
const COUNT = `local now = tonumber(redis.call('TIME')[1])
return redis.call('ZCOUNT', KEYS[1], now - tonumber(ARGV[1]), '+inf')`;

type HeartbeatRedis = RedisConnection & {
  scimWorkerBeat(key: string, workerId: string, forgetAfter: number): Promise<number>;
  scimWorkersAlive(key: string, windowSeconds: number): Promise<number>;
};

function withScripts(redis: RedisConnection): HeartbeatRedis {
  const scripted = redis as HeartbeatRedis;
  if (typeof scripted.scimWorkerBeat !== 'function') {
    redis.defineCommand('scimWorkerBeat', { numberOfKeys: 1, lua: BEAT });
    redis.defineCommand('scimWorkersAlive', { numberOfKeys: 1, lua: COUNT });
  }
  return scripted;
}

/**
 * Worker heartbeats in Redis, under the stack's QUEUE_PREFIX: each directory worker beats every
 * 5 s; the gateway is ready only while at least one beat is younger than 15 s.
 */
export class WorkerHeartbeats {
  private readonly redis: HeartbeatRedis;
  private readonly key: string;

  constructor(redis: RedisConnection, prefix: string) {
    this.redis = withScripts(redis);
    this.key = workerHeartbeatKey(prefix);
  }

  async beat(workerId: string): Promise<void> {
    await this.redis.scimWorkerBeat(this.key, workerId, FORGET_AFTER_SECONDS);
  }

  /** A worker that stops says so, so that readiness does not wait out the window. */
  async leave(workerId: string): Promise<void> {
    await this.redis.zrem(this.key, workerId);
  }

  /** Workers whose last beat is within the window. */
  async alive(windowSeconds = WORKER_HEARTBEAT_WINDOW_SECONDS): Promise<number> {
    return Number(await this.redis.scimWorkersAlive(this.key, windowSeconds));
  }
}
