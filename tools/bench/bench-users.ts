import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { loadEnv } from '@scim/config';
import { TenantRepository, createDirectoryDataSource } from '@scim/directory';
import { benchUserBody } from './bench-user';

/**
 * `npm run bench:users`: load figures for a running stack (start it first, e.g. npm run start:all).
 * Creates a fresh tenant, then measures with autocannon:
 *   1. POST /Users, each request a new user (the initial-sync shape),
 *   2. GET /Users?filter=userName eq "…" over the users just created (Entra's matching query).
 * Prints requests/s and latency percentiles. Figures for a person to read, not a test.
 * Options via env: BENCH_URL (gateway base, default PUBLIC_URL), BENCH_CONNECTIONS (16),
 * BENCH_SECONDS (15), plus DATABASE_URL to create the tenant.
 * The tenant gets its own rate limit of BENCH_RATE_LIMIT requests/s (default 1,000,000), so that
 * raw throughput is measured with the per-tenant limiter running but never refusing.
 */
interface Figures {
  label: string;
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  statuses: Record<string, number>;
}

async function run(label: string, options: autocannon.Options): Promise<Figures> {
  const statuses: Record<string, number> = {};
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error, finished) => (error ? reject(error) : resolve(finished)));
    instance.on('response', (_client, statusCode) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    });
  });
  return {
    label,
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    statuses,
  };
}

function print(figures: Figures, connections: number): void {
  const statuses = Object.entries(figures.statuses)
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
  console.log(
    `${figures.label.padEnd(34)} ${String(figures.rps).padStart(6)} req/s   p50 ${String(figures.p50).padStart(4)} ms   p90 ${String(figures.p90).padStart(4)} ms   p99 ${String(figures.p99).padStart(4)} ms   (${figures.requests} requests, ${connections} connections; ${statuses})`,
  );
}

async function main(): Promise<void> {
  const env = loadEnv(['DATABASE_URL', 'PUBLIC_URL']);
  const baseUrl = (process.env['BENCH_URL'] ?? env.PUBLIC_URL).replace(/\/+$/, '');
  const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 16);
  const duration = Number(process.env['BENCH_SECONDS'] ?? 15);
  const rateLimit = Number(process.env['BENCH_RATE_LIMIT'] ?? 1_000_000);

  const dataSource = createDirectoryDataSource({ url: env.DATABASE_URL, poolSize: 1 });
  await dataSource.initialize();
  const { tenant, token } = await new TenantRepository(dataSource).create({
    name: `bench-${Date.now()}`,
    workDomains: ['bench.example'],
    rateLimit,
  });
  const before: { n: string }[] = await dataSource.query('SELECT count(*) AS n FROM users');
  await dataSource.destroy();

  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };
  const runId = randomUUID().slice(0, 8);
  let sequence = 0;
  const userNames: string[] = [];
  console.log(`Benchmarking ${baseUrl}/api/scim as tenant ${tenant.id} (users table held ${before[0]!.n} rows)`);

  const create = await run('POST /Users (new user each)', {
    url: `${baseUrl}/api/scim/Users`,
    connections,
    duration,
    requests: [
      {
        method: 'POST',
        headers,
        setupRequest: (request) => {
          const userName = `bench-${runId}-${sequence++}@bench.example`;
          userNames.push(userName);
          return {
            ...request,
            body: benchUserBody(userName, sequence),
          };
        },
      },
    ],
  });
  print(create, connections);

  let lookup = 0;
  const find = await run('GET /Users?filter=userName eq', {
    url: `${baseUrl}/api/scim/Users`,
    connections,
    duration,
    requests: [
      {
        method: 'GET',
        headers,
        setupRequest: (request) => {
          const userName = userNames[lookup++ % userNames.length]!.toUpperCase();
          return { ...request, path: `/api/scim/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}` };
        },
      },
    ],
  });
  print(find, connections);
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
