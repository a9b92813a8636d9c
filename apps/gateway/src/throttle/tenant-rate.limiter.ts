import type { RedisConnection } from '@scim/queue';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** A token bucket: `perSecond` tokens flow in each second, up to `burst` saved. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

export type Admission = { allowed: true } | { allowed: false; retryAfterSeconds: number; limit: RateLimit };

const ALLOWED: Admission = { allowed: true };

/**
 * The bucket as GCRA in one Lua script (one Redis round trip per request), plugged into
 * rate-limiter-flexible in place of its fixed-window counter. The key holds the bucket's
 * "theoretical arrival time" in ms of Redis' clock, so every gateway shares one bucket per tenant.
 * Arguments as rate-limiter-flexible passes them: cost, whole seconds, points (= burst) and
 * duration (= burst / rate, in seconds). Returns {tokens in use, ms}: over the burst means refused,
 * and ms is then how long until one token is free.
 */
const TOKEN_BUCKET_LUA = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cost = tonumber(ARGV[1])
local burst = tonumber(ARGV[3])
local interval = tonumber(ARGV[4]) * 1000 / burst
local tat = tonumber(redis.call('GET', KEYS[1]))
if (not tat) or tat < now then tat = now end
local newTat = tat + cost * interval
local horizon = burst * interval
if newTat - now > horizon + 0.001 then
  return {burst + 1, math.ceil(newTat - now - horizon)}
end
redis.call('SET', KEYS[1], string.format('%.3f', newTat), 'PX', math.ceil(newTat - now))
return {math.min(burst, math.ceil((newTat - now) / interval - 0.000001)), math.ceil(newTat - now)}`;

/**
 * Per-tenant token buckets in Redis. Once a tenant is over its limit, this process answers its
 * requests from memory until a token is due (no Redis call), so a client hammering past its 429s
 * costs almost nothing. When Redis does not answer the request is let through: reads still work,
 * and writes fail on the queue anyway.
 */
export class TenantRateLimiter {
  private readonly limiters = new Map<string, RateLimiterRedis>();

  constructor(
    private readonly redis: RedisConnection,
    private readonly keyPrefix: string,
    readonly defaults: RateLimit,
  ) {
    if (defaults.burst < defaults.perSecond) throw new Error('The burst must be at least the rate per second');
  }

  /** A tenant's own rate keeps the default's ratio of burst to rate. */
  limitFor(tenantRate: number | null): RateLimit {
    if (tenantRate === null || tenantRate === this.defaults.perSecond) return this.defaults;
    return {
      perSecond: tenantRate,
      burst: Math.max(tenantRate, Math.round((tenantRate * this.defaults.burst) / this.defaults.perSecond)),
    };
  }

  async admit(tenantId: string, tenantRate: number | null): Promise<Admission> {
    const limit = this.limitFor(tenantRate);
    try {
      await this.limiterFor(limit).consume(tenantId, 1);
      return ALLOWED;
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) return ALLOWED;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)), limit };
    }
  }

  private limiterFor(limit: RateLimit): RateLimiterRedis {
    const key = `${limit.perSecond}/${limit.burst}`;
    let limiter = this.limiters.get(key);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: this.keyPrefix,
        points: limit.burst,
        duration: limit.burst / limit.perSecond,
        customIncrTtlLuaScript: TOKEN_BUCKET_LUA,
        inMemoryBlockOnConsumed: limit.burst + 1,
        rejectIfRedisNotReady: true,
      });
      this.limiters.set(key, limiter);
    }
    return limiter;
  }
}

/** The SCIM error detail of a 429: names the limit and when to retry. */
export function rateLimitDetail(limit: RateLimit, retryAfterSeconds: number): string {
  return (
    `Too many requests for this tenant: the limit is ${limit.perSecond} requests per second (bursts of up to ${limit.burst}), ` +
    `reads and writes together. Retry after ${retryAfterSeconds} s.`
  );
}
