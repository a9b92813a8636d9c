import { Inject, Injectable } from '@nestjs/common';
import { ScimError } from '@scim/scim';
import type { AuthenticatedTenant } from '../auth/tenant-auth.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { DirectoryClient } from '../queue/directory.client';
import { TenantRateLimiter, rateLimitDetail } from './tenant-rate.limiter';

/**
 * The per-tenant rate limit at the door: every authenticated SCIM request, read or write, takes a
 * token; without one the answer is 429 with Retry-After, and a write never reaches the queue.
 */
@Injectable()
export class TenantThrottle {
  private readonly limiter: TenantRateLimiter;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    directory: DirectoryClient,
    private readonly metrics: GatewayMetrics,
  ) {
    this.limiter = new TenantRateLimiter(directory.redis, `${config.queuePrefix}:rate-limit`, config.rateLimit);
  }

  async admit(tenant: AuthenticatedTenant): Promise<void> {
    const admission = await this.limiter.admit(tenant.tenantId, tenant.rateLimit);
    if (admission.allowed) return;
    this.metrics.rateLimited?.inc();
    throw new ScimError(429, rateLimitDetail(admission.limit, admission.retryAfterSeconds), undefined, admission.retryAfterSeconds);
  }
}
