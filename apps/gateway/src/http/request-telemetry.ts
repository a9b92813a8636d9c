import type { FastifyInstance } from 'fastify';
import { REQUEST_ID_HEADER, UNMATCHED_ROUTE, requestIdFrom, type HttpMetrics, type Logger } from '@scim/telemetry';
import type { AdminRequest } from '../admin/admin-session.guard';
import type { ScimRequest } from '../auth/scim-auth.guard';

/** Fastify's `genReqId`: the caller's X-Request-Id when it is safe to log and store, else a new UUID. */
export function requestIdOf(request: { headers: Record<string, string | string[] | undefined> }): string {
  return requestIdFrom(request.headers[REQUEST_ID_HEADER]);
}

/**
 * A client hammering past its rate limit would otherwise write thousands of identical 429 lines a
 * second: per tenant, one 429 line a second is written, counting the ones left out. Every 429 is
 * counted in scim_rate_limited_total.
 */
export class RefusalSampler {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  /** undefined: leave this line out; a number: write it, with this many left out before it. */
  admit(tenantId: string, now: number): number | undefined {
    const entry = this.last.get(tenantId);
    if (entry && now - entry.at < 1000) {
      entry.suppressed += 1;
      return undefined;
    }
    if (this.last.size >= 10_000) this.last.clear();
    this.last.set(tenantId, { at: now, suppressed: 0 });
    return entry?.suppressed ?? 0;
  }
}

/**
 * Every answer carries its X-Request-Id; every request, once answered, is one log line (method,
 * route template, status, ms, tenantId, requestId) and one observation in the HTTP metrics, except
 * a tenant's 429s beyond one a second (RefusalSampler). Probes and scrapes are logged at debug
 * only. Nothing of the URL's query, the headers or the body is logged: the route template names
 * the endpoint, the request id finds the rest.
 */
export function registerRequestTelemetry(
  fastify: FastifyInstance,
  logger: Logger,
  metrics: HttpMetrics | undefined,
): void {
  const refusals = new RefusalSampler();
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  if (!metrics && !logger.isLevelEnabled('info') && !logger.isLevelEnabled('debug')) return;
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    metrics?.observe(request.method, route, status, ms / 1000);
    const quiet = route.startsWith('/health') || route === '/metrics';
    const level = quiet ? 'debug' : 'info';
    if (logger.isLevelEnabled(level)) {
      // The SCIM token's tenant, or the admin console session's.
      const tenantId = (request as ScimRequest).tenant?.tenantId ?? (request as AdminRequest).adminSession?.tenantId;
      const suppressed = status === 429 && tenantId ? refusals.admit(tenantId, Date.now()) : 0;
      if (suppressed !== undefined) {
        const fields = {
          method: request.method,
          route,
          status,
          ms: Math.round(ms * 10) / 10,
          tenantId,
          requestId: request.id,
        };
        logger[level](suppressed > 0 ? { ...fields, suppressed } : fields, 'request');
      }
    }
    done();
  });
}
