import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { TenantRepository, hashToken } from '@scim/directory';
import { ExpiringCache } from './expiring-cache';

export interface AuthenticatedTenant {
  tenantId: string;
  tokenId: string;
  /** The tenant's own requests per second, or null for RATE_LIMIT_PER_SECOND. */
  rateLimit: number | null;
}

/** Cached answers are trusted this long, which bounds how late a revocation or a new rate limit takes effect (< 5 s). */
const CACHE_TTL_MS = 3000;
const CACHE_MAX_ENTRIES = 10000;
/** `last_used_at` is written in batches, not on every request. */
const TOUCH_INTERVAL_MS = 60000;

/** Bearer token → tenant, with a short cache so that a burst of requests costs one lookup. */
@Injectable()
export class TenantAuthService implements OnApplicationShutdown {
  private readonly cache = new ExpiringCache<AuthenticatedTenant | undefined>(CACHE_TTL_MS, CACHE_MAX_ENTRIES);
  private readonly used = new Set<string>();
  private readonly touchTimer: NodeJS.Timeout;

  constructor(private readonly tenants: TenantRepository) {
    this.touchTimer = setInterval(() => void this.flushUsage(), TOUCH_INTERVAL_MS);
    this.touchTimer.unref();
  }

  async authenticate(token: string): Promise<AuthenticatedTenant | undefined> {
    const tenant = await this.cache.get(hashToken(token), () => this.tenants.authenticate(token));
    if (tenant) this.used.add(tenant.tokenId);
    return tenant;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.touchTimer);
    await this.flushUsage();
  }

  private async flushUsage(): Promise<void> {
    const ids = [...this.used];
    this.used.clear();
    await this.tenants.touchTokens(ids).catch(() => undefined);
  }
}
