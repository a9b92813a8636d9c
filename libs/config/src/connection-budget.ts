/**
 * Postgres connections per process, and the one rule that sums them against `max_connections`
 * (README, "Running at scale"). Every default here is fixed: none depends on the host's cores, so
 * the sum is the same on a laptop and on a 64-core node.
 */

/** Gateway pool unless DB_POOL_SIZE says otherwise: reads, token look-ups, health checks. */
export const DEFAULT_GATEWAY_POOL_SIZE = 20;

/** The fewest a gateway can run with: one each for its watchdog, member pages and everything else. */
export const GATEWAY_MIN_POOL_SIZE = 3;

/**
 * How a gateway splits its DB_POOL_SIZE connections, so that its total stays DB_POOL_SIZE: one
 * for the database watchdog, a fifth (1 to 4) for reading group members page by page (a pool of
 * their own, so member reads never take the connections other requests need), the rest for
 * everything else. 20 gives 15 + 4 + 1.
 */
export function gatewayPools(poolSize: number): { main: number; memberPages: number; watchdog: number } {
  const memberPages = Math.min(4, Math.max(1, Math.floor(poolSize / 5)));
  return { main: poolSize - memberPages - 1, memberPages, watchdog: 1 };
}

/**
 * Jobs one worker runs at once unless WORKER_CONCURRENCY says otherwise. A write spends most of its
 * time waiting on Postgres, so a worker (one Node thread on any host) overlaps several.
 */
export const DEFAULT_WORKER_CONCURRENCY = 16;

/** Worker connections beyond one per running job: tenant-settings reads, the ANALYZE after big membership changes. */
export const WORKER_POOL_HEADROOM = 2;

/** Notifier pool (fixed): its 4 concurrent notification jobs and the digest scheduler. */
export const NOTIFIER_POOL_SIZE = 6;

/** migrate and the tenant CLI each hold one connection while they run. */
export const TOOL_POOL_SIZE = 1;

/** Postgres keeps superuser_reserved_connections (3 by default) of max_connections for superusers. */
export const SUPERUSER_RESERVED_CONNECTIONS = 3;

/** A worker's pool: DB_POOL_SIZE if set, else one connection per concurrent job plus headroom. */
export function workerPoolSize(concurrency: number, dbPoolSize?: number): number {
  return dbPoolSize ?? concurrency + WORKER_POOL_HEADROOM;
}

export interface ConnectionUse {
  /** e.g. "gateway". */
  name: string;
  /** The most processes of this kind that can run at once (replicas at their maximum, plus rollout). */
  processes: number;
  /** Pool size of each. */
  connectionsEach: number;
}

export interface ConnectionBudget {
  uses: (ConnectionUse & { connections: number })[];
  total: number;
  /** max_connections less the superuser slots. */
  available: number;
  fits: boolean;
}

/** Σ processes × pool ≤ max_connections − superuser_reserved_connections. */
export function connectionBudget(uses: readonly ConnectionUse[], maxConnections: number): ConnectionBudget {
  const lines = uses.map((use) => ({ ...use, connections: use.processes * use.connectionsEach }));
  const total = lines.reduce((sum, line) => sum + line.connections, 0);
  const available = maxConnections - SUPERUSER_RESERVED_CONNECTIONS;
  return { uses: lines, total, available, fits: total <= available };
}

/** One line for logs and test failures: "gateway 3×10 + worker 4×10 = 70 of 97". */
export function describeBudget(budget: ConnectionBudget): string {
  const terms = budget.uses.map((use) => `${use.name} ${use.processes}×${use.connectionsEach}`).join(' + ');
  return `${terms} = ${budget.total} of ${budget.available}`;
}
