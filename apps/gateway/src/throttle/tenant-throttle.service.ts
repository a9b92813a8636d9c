import { Inject, Injectable } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { ScimError, scimErrorBody } from '@scim/scim';
import type { ScimRequest } from '../auth/scim-auth.guard';
import { TenantAuthService, type AuthenticatedTenant } from '../auth/tenant-auth.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { DirectoryClient } from '../queue/directory.client';
import { TenantRateLimiter, rateLimitDetail, type Admission } from './tenant-rate.limiter';
import { RETRY_AFTER_SECONDS } from '@scim/queue';
import { TenantWriteGate } from './tenant-write-gate';

const SCIM_PATH = /^\/api\/scim(\/|\?|$)/i;
const BEARER = /^Bearer\s+(\S+)\s*$/i;
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const SEARCH = /\/\.search\/?(\?|$)/i;

/**
 * The per-tenant rate limit at the door: every authenticated SCIM request, read or write, takes a
 * token; without one the answer is 429 with Retry-After, and a write never reaches the queue. Then
 * the write gate: a tenant's writes beyond its cap in flight wait here, so that its bursts do not
 * queue up in front of other tenants' writes.
 */
@Injectable()
export class TenantThrottle {
  private readonly limiter: TenantRateLimiter;
  private readonly gate = new TenantWriteGate();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    directory: DirectoryClient,
    private readonly metrics: GatewayMetrics,
    private readonly auth: TenantAuthService,
  ) {
    this.limiter = new TenantRateLimiter(directory.redis, `${config.queuePrefix}:rate-limit`, config.rateLimit);
  }

  /** For ScimAuthGuard, when the hook below could not decide (the token look-up failed): throws the 429. */
  async admit(tenant: AuthenticatedTenant): Promise<void> {
    const admission = await this.limiter.admit(tenant.tenantId, tenant.rateLimit);
    if (admission.allowed) return;
    this.metrics.rateLimited?.inc();
    throw new ScimError(
      429,
      rateLimitDetail(admission.limit, admission.retryAfterSeconds),
      undefined,
      admission.retryAfterSeconds,
    );
  }

  /**
   * Decides before the body is read and before Nest runs, so that a client hammering past its
   * limit costs little: a cached token look-up, and no Redis call while it is known to be over.
   * A request it lets through carries its tenant, which ScimAuthGuard then trusts. Anything it
   * cannot decide (no or unknown token, database down) is left to the guard.
   */
  register(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', async (request, reply) => {
      if (!SCIM_PATH.test(request.url)) return;
      const header = request.headers.authorization;
      const match = typeof header === 'string' ? BEARER.exec(header) : null;
      if (!match) return;
      let tenant: AuthenticatedTenant | undefined;
      try {
        tenant = await this.auth.authenticate(match[1]!);
      } catch {
        return;
      }
      if (!tenant) return;
      (request as ScimRequest).tenant = tenant;
      const admission: Admission = await this.limiter.admit(tenant.tenantId, tenant.rateLimit);
      if (admission.allowed) {
        if (!WRITE_METHODS.has(request.method) || SEARCH.test(request.url)) return;
        const cap = TenantWriteGate.capFor(this.limiter.limitFor(tenant.rateLimit).perSecond);
        const release = await this.gate.enter(tenant.tenantId, cap, this.config.writeTimeoutMs);
        if (release) {
          // 'close' comes once the answer is sent or the client has gone: the slot is never lost.
          reply.raw.once('close', release);
          return;
        }
        return reply
          .code(503)
          .header('Retry-After', String(RETRY_AFTER_SECONDS))
          .header('Content-Type', 'application/scim+json; charset=utf-8')
          .send(
            scimErrorBody(
              503,
              `This tenant's earlier writes (${cap} at a time) did not finish within ${this.config.writeTimeoutMs} ms; this one was not applied. Retry later.`,
            ),
          );
      }
      this.metrics.rateLimited?.inc();
      return reply
        .code(429)
        .header('Retry-After', String(admission.retryAfterSeconds))
        .header('Content-Type', 'application/scim+json; charset=utf-8')
        .send(scimErrorBody(429, rateLimitDetail(admission.limit, admission.retryAfterSeconds)));
    });
  }
}
