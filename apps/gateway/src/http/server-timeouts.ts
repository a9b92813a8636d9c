import type { ServerOptions } from 'node:http';
import type { FastifyServerOptions } from 'fastify';

/** A request's headers must arrive within this long; the check runs every second. */
export const HEADERS_TIMEOUT_MS = 5_000;

/**
 * Every connection has a bounded hold time (STYLE.md §13): Node's HTTP server closes a
 * connection whose headers are not complete after 5 s (checked every second, so within 6 s), a
 * request whose body is not complete after 30 s, an idle keep-alive connection after 65 s (longer
 * than the 60 s idle timeout of common load balancers, so they close first), and any socket with
 * no traffic either way (a client that stopped reading its answer) for longer than a write may
 * legitimately wait for its result.
 */
export function serverTimeouts(
  writeTimeoutMs: number,
): Pick<FastifyServerOptions, 'connectionTimeout' | 'requestTimeout' | 'keepAliveTimeout'> & { http: ServerOptions } {
  return {
    connectionTimeout: Math.max(60_000, writeTimeoutMs + 30_000),
    requestTimeout: 30_000,
    keepAliveTimeout: 65_000,
    http: { headersTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: 1_000 },
  };
}
