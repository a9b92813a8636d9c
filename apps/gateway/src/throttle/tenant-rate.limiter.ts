import type { RedisConnection } from '@scim/queue';

/** A token bucket: `perSecond` tokens flow in each second, up to `burst` saved. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

export type Admission = { allowed: true } | { allowed: false; retryAfterSeconds: number; limit: RateLimit };

const ALLOWED: Admission = { allowed: true };

/**
 * Takes up to ARGV[1] tokens from a tenant's bucket, as GCRA: the key holds the bucket's
 * "theoretical arrival time" in ms of Redis' clock, so every gateway shares one bucket per tenant.
 * ARGV: tokens wanted, tokens per second, burst. Returns {tokens granted, ms until one is free}:
 * nothing granted means refused, and the ms say when to come back.
 */
const TAKE_TOKENS_LUA = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wanted = tonumber(ARGV[1])
local interval = 1000 / tonumber(ARGV[2])
local horizon = tonumber(ARGV[3]) * interval
local tat = tonumber(redis.call('GET', KEYS[1]))
if (not tat) or tat < now then tat = now end
local free = math.floor((now + horizon - tat) / interval + 0.000001)
if free < 1 then
  return {0, math.ceil(tat + interval - now - horizon)}
end
local granted = math.min(wanted, free)
local newTat = tat + granted * interval
redis.call('SET', KEYS[1], string.format('%.3f', newTat), 'PX', math.ceil(newTat - now))
return {granted, 0}`;

type TakeTokens = (key: string, wanted: number, perSecond: number, burst: number) => Promise<[number, number]>;

/**
 * Tokens a gateway takes from Redis at once: what the tenant may send in 20 ms, between 1 and 100.
 * A tenant at Entra's pace (50/s) takes them one by one, so its bucket is exact across gateways;
 * a tenant allowed thousands a second pays one Redis round trip per up to 100 requests (issue 13:
 * the script per request was the gateway's dearest socket write). A gateway holds at most 20 ms
 * worth of unused tokens, which other gateways cannot use: the shared limit is that much stricter.
 */
export function leaseSize(limit: RateLimit): number {
  return Math.min(100, Math.max(1, Math.floor(limit.perSecond / 50)));
}

interface TenantTokens {
  limit: RateLimit;
  /** Tokens taken from Redis and not used yet. */
  tokens: number;
  /** Refused by Redis until then (ms, this process' clock): answered from memory, no Redis call. */
  refusedUntil: number;
  /** The lease being asked for; requests arriving meanwhile wait for it instead of asking again. */
  leasing?: Promise<'granted' | 'refused' | 'unknown'>;
}

/**
 * Per-tenant token buckets in Redis, taken from in leases (leaseSize). Once a tenant is over its
 * limit, this process answers its requests from memory until a token is due, so a client
 * hammering past its 429s costs almost nothing. When Redis does not answer the request is let
 * through: reads still work, and writes fail on the queue anyway.
 */
export class TenantRateLimiter {
  private readonly tenants = new Map<string, TenantTokens>();
  private readonly takeTokens: TakeTokens;

  constructor(
    redis: RedisConnection,
    private readonly keyPrefix: string,
    readonly defaults: RateLimit,
  ) {
    if (defaults.burst < defaults.perSecond) throw new Error('The burst must be at least the rate per second');
    // defineCommand sends EVALSHA and falls back to EVAL once when Redis does not know the script.
    redis.defineCommand('scimTakeTokens', { numberOfKeys: 1, lua: TAKE_TOKENS_LUA });
    const commands = redis as unknown as { scimTakeTokens: TakeTokens };
    this.takeTokens = (...args) => commands.scimTakeTokens(...args);
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
    const state = this.stateOf(tenantId, this.limitFor(tenantRate));
    for (;;) {
      if (state.tokens > 0) {
        state.tokens -= 1;
        return ALLOWED;
      }
      const waitMs = state.refusedUntil - Date.now();
      if (waitMs > 0) {
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)), limit: state.limit };
      }
      state.leasing ??= this.lease(tenantId, state).finally(() => (state.leasing = undefined));
      // Redis did not answer: let it through. Otherwise look again (others waiting may have taken the lease).
      if ((await state.leasing) === 'unknown') return ALLOWED;
    }
  }

  /** A changed rate starts a fresh local state: tokens leased under the old one are dropped. */
  private stateOf(tenantId: string, limit: RateLimit): TenantTokens {
    let state = this.tenants.get(tenantId);
    if (!state || state.limit.perSecond !== limit.perSecond || state.limit.burst !== limit.burst) {
      state = { limit, tokens: 0, refusedUntil: 0 };
      this.tenants.set(tenantId, state);
    }
    return state;
  }

  private async lease(tenantId: string, state: TenantTokens): Promise<'granted' | 'refused' | 'unknown'> {
    const { perSecond, burst } = state.limit;
    try {
      const [granted, waitMs] = await this.takeTokens(
        `${this.keyPrefix}:${tenantId}`,
        leaseSize(state.limit),
        perSecond,
        burst,
      );
      if (granted > 0) {
        state.tokens += granted;
        return 'granted';
      }
      state.refusedUntil = Date.now() + Math.max(1, waitMs);
      return 'refused';
    } catch {
      return 'unknown';
    }
  }
}

/** The SCIM error detail of a 429: names the limit and when to retry. */
export function rateLimitDetail(limit: RateLimit, retryAfterSeconds: number): string {
  return (
    `Too many requests for this tenant: the limit is ${limit.perSecond} requests per second (bursts of up to ${limit.burst}), ` +
    `reads and writes together. Retry after ${retryAfterSeconds} s.`
  );
}
