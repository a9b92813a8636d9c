import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { LIVE_REPORT, type HealthReport } from './health';

export interface OpsEndpoints {
  /** Absent when metrics are off (METRICS=off): /metrics answers 404. */
  registry?: Registry;
  /** The app's readiness: its own dependencies. */
  ready(): Promise<HealthReport>;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  response.end(JSON.stringify(body));
}

async function handle(endpoints: OpsEndpoints, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/';
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  switch (path) {
    case '/health/live':
      return sendJson(response, 200, LIVE_REPORT);
    case '/health':
    case '/health/ready': {
      const report = await endpoints.ready();
      return sendJson(response, report.status === 'ok' ? 200 : 503, report);
    }
    case '/metrics':
      if (!endpoints.registry) return sendJson(response, 404, { detail: 'Metrics are off (METRICS=off).' });
      response.writeHead(200, { 'Content-Type': endpoints.registry.contentType });
      response.end(await endpoints.registry.metrics());
      return;
    default:
      return sendJson(response, 404, {
        detail: `No ${path} here: this listener serves /metrics, /health/live and /health/ready.`,
      });
  }
}

/**
 * The worker's and notifier's only HTTP: /metrics and the health routes on METRICS_PORT, for
 * Prometheus and for probes. Every request is bounded in time.
 */
export async function startOpsServer(port: number, endpoints: OpsEndpoints): Promise<Server> {
  const server = createServer((request, response) => {
    handle(endpoints, request, response).catch((error: unknown) => {
      if (!response.headersSent)
        sendJson(response, 500, { detail: error instanceof Error ? error.message : String(error) });
      else response.destroy();
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

export function closeOpsServer(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
