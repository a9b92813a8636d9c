import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The Prometheus families of the three apps, defined once. Labels are bounded: HTTP methods, route
 * templates (never raw paths), status codes, job kinds and outcomes; never a tenant id or user data.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Route label of requests that matched no route (404s): raw paths would be unbounded. */
export const UNMATCHED_ROUTE = 'unmatched';

/** `scim_http_requests_total{method,route,status}` and `scim_http_request_duration_seconds{method,route}`. */
export class HttpMetrics {
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route'>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'scim_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status code.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'scim_http_request_duration_seconds',
      help: 'Time from receiving a request to the end of its answer, by method and route template.',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
  }

  /** About 1 µs a request. */
  observe(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.duration.observe({ method, route }, seconds);
  }
}

/** `scim_rate_limited_total`: requests answered 429 by the per-tenant limit. */
export function rateLimitedCounter(registry: Registry): Counter {
  return new Counter({
    name: 'scim_rate_limited_total',
    help: 'Requests refused with 429 by the per-tenant rate limit.',
    registers: [registry],
  });
}

export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

/**
 * `scim_directory_queue_jobs{state}`, read from Redis at scrape time. When Redis does not answer the
 * family is left empty rather than failing the whole scrape.
 */
export function directoryQueueGauge(
  registry: Registry,
  count: () => Promise<Partial<Record<QueueState, number>>>,
): Gauge<'state'> {
  return new Gauge({
    name: 'scim_directory_queue_jobs',
    help: 'Jobs in the directory queue by state (waiting, active, delayed, failed).',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      try {
        const counts = await count();
        for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0);
      } catch {
        this.reset();
      }
    },
  });
}

export type WriteOutcome = 'succeeded' | 'refused' | 'failed';

/**
 * `scim_writes_total{kind,outcome}`, `scim_write_duration_seconds{kind}` and
 * `scim_write_job_size` (writes per queue job: how well gateways coalesce), measured in the worker.
 */
export class WriteMetrics {
  private readonly writes: Counter<'kind' | 'outcome'>;
  private readonly duration: Histogram<'kind'>;
  private readonly jobSize: Histogram;

  constructor(registry: Registry) {
    this.writes = new Counter({
      name: 'scim_writes_total',
      help: 'Directory writes by job kind and outcome: succeeded, refused (a rule or validation said no), failed (an error; retried).',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'scim_write_duration_seconds',
      help: 'Time the worker spent applying a directory write, by job kind.',
      labelNames: ['kind'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    this.jobSize = new Histogram({
      name: 'scim_write_job_size',
      help: 'Writes per directory queue job: 1 for a lone write, up to 64 for a batch a gateway gathered under load.',
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers: [registry],
    });
  }

  record(kind: string, outcome: WriteOutcome, seconds: number): void {
    this.writes.inc({ kind, outcome });
    this.duration.observe({ kind }, seconds);
  }

  job(writes: number): void {
    this.jobSize.observe(writes);
  }
}

export type DigestOutcome = 'sent' | 'retry' | 'undeliverable';

/** `scim_notification_digests_total{outcome}` and `scim_notification_pending_failures`. */
export class NotificationMetrics {
  private readonly digests: Counter<'outcome'>;

  constructor(registry: Registry, pendingFailures: () => Promise<number>) {
    this.digests = new Counter({
      name: 'scim_notification_digests_total',
      help: 'Attempts to send a failure digest, by outcome: sent, retry (the SMTP server refused or was unreachable), undeliverable (given up).',
      labelNames: ['outcome'],
      registers: [registry],
    });
    new Gauge({
      name: 'scim_notification_pending_failures',
      help: 'Failed writes waiting to be gathered into a digest.',
      registers: [registry],
      async collect() {
        try {
          this.set(await pendingFailures());
        } catch {
          this.reset();
        }
      },
    });
  }

  record(outcome: DigestOutcome): void {
    this.digests.inc({ outcome });
  }
}

export type { Registry };
