import 'reflect-metadata';
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { loadEnv } from '@scim/config';
import { TenantRepository, createDirectoryDataSource } from '@scim/directory';

/**
 * `npm run bench:fairness`: does one tenant's flood slow another tenant down? Against a running
 * stack (npm run start:all) with its rate limits as configured (the defaults: 50/s, bursts of
 * 100). Tenant B writes (POST /Users) at a steady 5 requests/s: alone; while tenant A writes with
 * BENCH_CONNECTIONS clients as fast as it is allowed, waiting out each 429's Retry-After as Entra
 * does; while A sends as fast as its connections go, ignoring its 429s; and while an A whose own
 * limit is lifted does the same (what the per-tenant limit protects B from).
 * Prints B's latency percentiles in each phase and the ratio of B's p99 to its quiet p99.
 * Figures for a person to read, not a test.
 * Options via env: BENCH_URL (default PUBLIC_URL), BENCH_SECONDS per phase (30),
 * BENCH_CONNECTIONS for A (16), BENCH_B_RATE (5 per second), DATABASE_URL to create the tenants.
 */
interface Latencies {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  statuses: Record<string, number>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function userBody(userName: string): string {
  return JSON.stringify({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    externalId: randomUUID(),
    active: true,
    name: { givenName: 'Fair', familyName: 'User' },
    emails: [{ primary: true, type: 'work', value: userName }],
  });
}

/** Open loop: one write every 1/rate s whatever the answers, for `seconds`; the latency of each. */
async function steadyWrites(
  baseUrl: string,
  token: string,
  rate: number,
  seconds: number,
  label: string,
): Promise<Latencies> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const pending: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < rate * seconds; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    pending.push(
      fetch(`${baseUrl}/api/scim/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        body: userBody(`${label}-${i}-${randomUUID().slice(0, 8)}@fair.example`),
      }).then(
        async (response) => {
          await response.arrayBuffer();
          latencies.push(performance.now() - sent);
          statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        },
        () => {
          statuses['error'] = (statuses['error'] ?? 0) + 1;
        },
      ),
    );
  }
  await Promise.all(pending);
  const sorted = latencies.sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
    statuses,
  };
}

/**
 * Tenant A as Entra behaves: `connections` clients writing back to back, each waiting out a 429's
 * Retry-After before its next request.
 */
async function politeFlood(
  baseUrl: string,
  token: string,
  connections: number,
  seconds: number,
): Promise<{ rps: number; statuses: Record<string, number> }> {
  const statuses: Record<string, number> = {};
  const end = performance.now() + seconds * 1000;
  const runId = randomUUID().slice(0, 8);
  let sequence = 0;
  let total = 0;
  const client = async () => {
    while (performance.now() < end) {
      const response = await fetch(`${baseUrl}/api/scim/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        body: userBody(`polite-${runId}-${sequence++}@fair.example`),
      }).catch(() => undefined);
      total += 1;
      const status = response ? String(response.status) : 'error';
      statuses[status] = (statuses[status] ?? 0) + 1;
      await response?.arrayBuffer();
      if (response?.status === 429)
        await new Promise((r) => setTimeout(r, Number(response.headers.get('retry-after') ?? 1) * 1000));
    }
  };
  await Promise.all(Array.from({ length: connections }, client));
  return { rps: Math.round(total / seconds), statuses };
}

/** Tenant A ignoring its 429s: as fast as `connections` connections go, for `seconds`. */
async function flood(
  baseUrl: string,
  token: string,
  connections: number,
  seconds: number,
): Promise<{ rps: number; statuses: Record<string, number> }> {
  const statuses: Record<string, number> = {};
  let sequence = 0;
  const runId = randomUUID().slice(0, 8);
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${baseUrl}/api/scim/Users`,
        connections,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
            setupRequest: (request) => ({ ...request, body: userBody(`flood-${runId}-${sequence++}@fair.example`) }),
          },
        ],
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client, statusCode) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    });
  });
  return { rps: Math.round(result.requests.average), statuses };
}

type FloodResult = { rps: number; statuses: Record<string, number> };

/**
 * Tenant A runs in a child process, so that its client work (autocannon sends thousands of
 * requests a second) does not delay B's measurements in this process's event loop.
 */
function floodInChild(
  mode: 'polite' | 'ignore',
  baseUrl: string,
  token: string,
  connections: number,
  seconds: number,
): Promise<FloodResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--tenant-a', mode, baseUrl, token, String(connections), String(seconds)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (result) => resolve(result as FloodResult));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? undefined : reject(new Error(`tenant A's process exited with ${code}`)),
    );
  });
}

const ms = (value: number) => `${value.toFixed(1).padStart(7)} ms`;
const counts = (statuses: Record<string, number>) =>
  Object.entries(statuses)
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');

function report(
  label: string,
  b: Latencies,
  quiet?: Latencies,
  a?: { rps: number; statuses: Record<string, number> },
): void {
  const ratio = quiet ? `   p99 ${(b.p99 / quiet.p99).toFixed(2)}× quiet` : '';
  console.log(
    `${label.padEnd(38)} B: p50 ${ms(b.p50)}  p90 ${ms(b.p90)}  p99 ${ms(b.p99)}  max ${ms(b.max)}  (${counts(b.statuses)})${ratio}`,
  );
  if (a) console.log(`${''.padEnd(38)} A: ${a.rps} req/s (${counts(a.statuses)})`);
}

async function main(): Promise<void> {
  const env = loadEnv(['DATABASE_URL', 'PUBLIC_URL']);
  const baseUrl = (process.env['BENCH_URL'] ?? env.PUBLIC_URL).replace(/\/+$/, '');
  const seconds = Number(process.env['BENCH_SECONDS'] ?? 30);
  const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 16);
  const rate = Number(process.env['BENCH_B_RATE'] ?? 5);

  const dataSource = createDirectoryDataSource({ url: env.DATABASE_URL, poolSize: 1 });
  await dataSource.initialize();
  const tenants = new TenantRepository(dataSource);
  const stamp = Date.now();
  const a = await tenants.create({ name: `fairness-A-${stamp}`, workDomains: ['fair.example'] });
  const unlimited = await tenants.create({
    name: `fairness-A-unlimited-${stamp}`,
    workDomains: ['fair.example'],
    rateLimit: 1_000_000,
  });
  const b = await tenants.create({ name: `fairness-B-${stamp}`, workDomains: ['fair.example'] });
  await dataSource.destroy();

  console.log(
    `Fairness at ${baseUrl}: B writes at ${rate}/s for ${seconds} s per phase; A floods with ${connections} connections.`,
  );
  // Warm-up (connections, JIT, caches), not measured.
  await steadyWrites(baseUrl, b.token, 20, 1, 'warm-up');
  await floodInChild('ignore', baseUrl, unlimited.token, connections, 2);
  const quiet = await steadyWrites(baseUrl, b.token, rate, seconds, 'quiet');
  report('1. B alone', quiet);
  const [polite, politeA] = await Promise.all([
    steadyWrites(baseUrl, b.token, rate, seconds, 'polite'),
    floodInChild('polite', baseUrl, a.token, connections, seconds),
  ]);
  report('2. A as fast as allowed (like Entra)', polite, quiet, politeA);
  const [busy, flooded] = await Promise.all([
    steadyWrites(baseUrl, b.token, rate, seconds, 'busy'),
    floodInChild('ignore', baseUrl, a.token, connections, seconds),
  ]);
  report('3. A floods, ignoring its 429s', busy, quiet, flooded);
  const [unfair, floodedUnlimited] = await Promise.all([
    steadyWrites(baseUrl, b.token, rate, seconds, 'unfair'),
    floodInChild('ignore', baseUrl, unlimited.token, connections, seconds),
  ]);
  report('4. A floods with its limit lifted', unfair, quiet, floodedUnlimited);
}

async function tenantA(args: string[]): Promise<void> {
  const [mode, baseUrl, token, connections, seconds] = args as [string, string, string, string, string];
  const run = mode === 'polite' ? politeFlood : flood;
  const result = await run(baseUrl, token, Number(connections), Number(seconds));
  process.send!(result, () => process.exit(0));
}

(process.argv[2] === '--tenant-a' ? tenantA(process.argv.slice(3)) : main()).catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
