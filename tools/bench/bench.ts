import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { loadEnv, nodeArgs } from '@scim/config';
import { TenantRepository, createDirectoryDataSource, migrateDirectory } from '@scim/directory';

/**
 * `npm run bench`: the stack against its own baselines, in one run, on one machine.
 *
 * Starts a private Redis (so that its CPU is this run's alone) and a fresh database, pre-fills
 * BENCH_PREFILL users (same rows for every system), then starts three systems side by side:
 *   - direct: Fastify + one pg INSERT / SELECT by key (tools/bench/baselines.ts);
 *   - naive:  Fastify + BullMQ add + waitUntilFinished, a worker doing the INSERT;
 *   - stack:  the gateway and BENCH_WORKERS workers from dist/, Entra's POST /Users body and
 *             `filter=userName eq "…"`, as a tenant whose rate limit never refuses.
 * Each round runs, per system in turn (A, B, C, A, B, C…): POST at 32 connections, GET at 32
 * connections (POST and GET only where the system has them), POST at 1 connection. After each POST
 * load its rows are deleted again, so every load meets a table of the same size.
 * For each load: req/s, p50/p99, and CPU µs per request per process (utime+stime deltas from
 * /proc/<pid>/stat; "postgres" is the sum of this database's backends). At the end: medians over
 * rounds, peak RSS (VmHWM) per process, and the ratios. Figures for a person to read, not a test.
 *
 * Env: DATABASE_URL (the server to create the bench database on), BENCH_ROUNDS (3),
 * BENCH_SECONDS per load (5), BENCH_PREFILL (50000), BENCH_WORKERS (1), BENCH_SYSTEMS
 * (direct,naive,stack), BENCH_EARLIER_DIST (another build's dist/, benched as "earlier"),
 * BENCH_LOADS (post32,get32,post1), BENCH_STACK_NODE_ARGS (node arguments of the stack's processes, e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile them).
 */
const ROOT = join(__dirname, '..', '..', '..');
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const PREFILL = Number(process.env['BENCH_PREFILL'] ?? 50_000);
const WORKERS = Number(process.env['BENCH_WORKERS'] ?? 1);
const SYSTEMS = (process.env['BENCH_SYSTEMS'] ?? 'direct,naive,stack').split(',') as SystemName[];
const CLOCK_TICKS_PER_SECOND = 100;
const ENTRA_USER_SCHEMAS = [
  'urn:ietf:params:scim:schemas:core:2.0:User',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
];

type SystemName = 'direct' | 'naive' | 'stack' | 'earlier';
type LoadName = 'POST ×32' | 'GET ×32' | 'POST ×1';
interface Load {
  name: LoadName;
  method: 'POST' | 'GET';
  connections: number;
}
const LOADS = (
  [
    { name: 'POST ×32', method: 'POST', connections: 32 },
    { name: 'GET ×32', method: 'GET', connections: 32 },
    { name: 'POST ×1', method: 'POST', connections: 1 },
  ] satisfies Load[] as Load[]
).filter((load) => {
  // BENCH_LOADS: a subset, e.g. "post32" or "get32,post1".
  const only = process.env['BENCH_LOADS']?.split(',');
  return !only || only.includes(`${load.method.toLowerCase()}${load.connections}`);
});

interface Proc {
  label: string;
  child: ChildProcess;
}

interface System {
  name: SystemName;
  url: string;
  headers: Record<string, string>;
  processes: Proc[];
  hasGet: boolean;
  /** The workers' /metrics (the stack): writes per queue job are read from scim_write_job_size. */
  workerMetrics?: string[];
}

interface Measure {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  errors: number;
  /** CPU µs per answered request, per process label. */
  cpu: Record<string, number>;
  /** Writes per queue job during the load (the stack's POSTs). */
  writesPerJob?: number;
}

/** Sum and count of the workers' scim_write_job_size histograms: writes and jobs so far. */
async function jobSizes(urls: string[]): Promise<{ writes: number; jobs: number }> {
  let writes = 0;
  let jobs = 0;
  for (const url of urls) {
    const text = await (await fetch(url)).text();
    writes += Number(/^scim_write_job_size_sum (\S+)$/m.exec(text)?.[1] ?? 0);
    jobs += Number(/^scim_write_job_size_count (\S+)$/m.exec(text)?.[1] ?? 0);
  }
  return { writes, jobs };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('port'))));
    });
  });
}

function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function peakRssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kib / 1024;
  } catch {
    return NaN;
  }
}

function start(label: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  // The apps' log lines go to a null sink: reading them would cost this process CPU.
  const devNull = openSync('/dev/null', 'w');
  const child = spawn(args[0]!, args.slice(1), { env, stdio: ['ignore', devNull, 'pipe'] });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4000)));
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`${label} exited (${code ?? signal}): ${errors}`);
  });
  return { label, child };
}

let stopping = false;

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not come up within ${timeoutMs} ms`);
}

function entraUser(userName: string): string {
  return JSON.stringify({
    schemas: ENTRA_USER_SCHEMAS,
    externalId: randomUUID(),
    userName,
    active: true,
    emails: [{ primary: true, type: 'work', value: `${userName}@testuser.com` }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
  });
}

function prefillName(i: number): string {
  return `Prefill_User_${i}@testuser.com`;
}

async function load(system: System, method: 'POST' | 'GET', connections: number, seconds: number): Promise<Measure> {
  const own = system.processes.map((p) => ({ label: p.label, pid: p.child.pid! }));
  const before = new Map([...own, ...(await sharedEngines())].map((p) => [p.pid, { ...p, ticks: cpuTicks(p.pid) }]));
  const jobsBefore = system.workerMetrics && (await jobSizes(system.workerMetrics));
  let ok = 0;
  let errors = 0;
  let sequence = 0;
  const runId = randomBytes(4).toString('hex');
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${system.url}/Users`,
        connections,
        duration: seconds,
        requests: [
          method === 'POST'
            ? {
                method: 'POST',
                headers: system.headers,
                setupRequest: (request) => ({
                  ...request,
                  body: entraUser(`Test_User_${runId}_${sequence++}`),
                }),
              }
            : {
                method: 'GET',
                headers: system.headers,
                setupRequest: (request) => {
                  const userName = prefillName(Math.floor(Math.random() * PREFILL));
                  const filter = encodeURIComponent(`userName eq "${userName}"`);
                  return {
                    ...request,
                    path: `${new URL(system.url).pathname.replace(/\/$/, '')}/Users?filter=${filter}`,
                  };
                },
              },
        ],
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client, statusCode) => {
      if (statusCode < 300) ok += 1;
      else errors += 1;
    });
  });
  // Backends that started during the load count from zero; ones that ended are lost (pools keep theirs).
  const after = [...own, ...(await sharedEngines())];
  const cpu: Record<string, number> = {};
  for (const p of after) {
    const micros = ((cpuTicks(p.pid) - (before.get(p.pid)?.ticks ?? 0)) * 1e6) / CLOCK_TICKS_PER_SECOND;
    cpu[p.label] = (cpu[p.label] ?? 0) + micros / Math.max(ok, 1);
  }
  const jobsAfter = jobsBefore && system.workerMetrics && (await jobSizes(system.workerMetrics));
  const jobs = jobsBefore && jobsAfter ? jobsAfter.jobs - jobsBefore.jobs : 0;
  return {
    ...(jobsBefore && jobsAfter && jobs > 0 ? { writesPerJob: (jobsAfter.writes - jobsBefore.writes) / jobs } : {}),
    rps: ok / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    errors: errors + result.errors + result.timeouts,
    cpu,
  };
}

let admin: Client;
let databaseName = '';
let redisPid = 0;

/** The Postgres backends serving the bench database, plus Redis: the shared engines' part of a request. */
async function sharedEngines(): Promise<{ label: string; pid: number }[]> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
    [databaseName],
  );
  return [...rows.map((row) => ({ label: 'postgres', pid: row.pid })), { label: 'redis', pid: redisPid }];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function fmt(value: number, digits = 0): string {
  return Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits }) : '—';
}

async function main(): Promise<void> {
  const env = loadEnv(['DATABASE_URL']);
  const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;
  databaseName = `scim_bench_${suffix}`;
  const databaseUrl = new URL(env.DATABASE_URL);
  databaseUrl.pathname = `/${databaseName}`;
  const adminUrl = new URL(env.DATABASE_URL);
  adminUrl.pathname = '/postgres';

  const redisPort = await freePort();
  const redis = spawn(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  redisPid = redis.pid!;
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const processes: Proc[] = [];
  admin = new Client({ connectionString: adminUrl.toString() });
  await admin.connect();

  const cleanup = async () => {
    stopping = true;
    for (const p of processes) p.child.kill('SIGTERM');
    await Promise.all(
      processes.map((p) =>
        p.child.exitCode === null && p.child.signalCode === null
          ? new Promise((resolve) => p.child.once('exit', resolve))
          : undefined,
      ),
    );
    redis.kill('SIGTERM');
    await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

  try {
    await migrateDirectory(databaseUrl.toString());
    const dataSource = createDirectoryDataSource({ url: databaseUrl.toString(), poolSize: 2 });
    await dataSource.initialize();
    const { tenant, token } = await new TenantRepository(dataSource).create({
      name: 'bench',
      workDomains: ['testuser.com'],
      rateLimit: 1_000_000,
    });
    // The baselines' table: users' shape and indexes, no foreign keys.
    await dataSource.query(`CREATE TABLE bench_users (LIKE users INCLUDING DEFAULTS INCLUDING IDENTITY)`);
    await dataSource.query(`ALTER TABLE bench_users ADD PRIMARY KEY (id)`);
    await dataSource.query(`CREATE UNIQUE INDEX ON bench_users (tenant_id, lower(user_name))`);
    await dataSource.query(`CREATE INDEX ON bench_users (tenant_id, external_id)`);
    await dataSource.query(`CREATE INDEX ON bench_users (tenant_id, lower(work_email))`);
    for (const table of ['users', 'bench_users']) {
      await dataSource.query(
        `INSERT INTO ${table} (id, tenant_id, user_name, external_id, active, work_email, data)
         SELECT gen_random_uuid(), $1, 'Prefill_User_' || i || '@testuser.com', 'ext-' || i, true,
                'Prefill_User_' || i || '@testuser.com',
                jsonb_build_object('schemas', jsonb_build_array('urn:ietf:params:scim:schemas:core:2.0:User'),
                  'userName', 'Prefill_User_' || i || '@testuser.com', 'externalId', 'ext-' || i, 'active', true,
                  'name', jsonb_build_object('givenName', 'givenName', 'familyName', 'familyName'),
                  'emails', jsonb_build_array(jsonb_build_object('primary', true, 'type', 'work',
                    'value', 'Prefill_User_' || i || '@testuser.com')))
           FROM generate_series(0, $2::int - 1) AS i`,
        [tenant.id, PREFILL],
      );
    }
    await dataSource.query('VACUUM ANALYZE');

    const node = process.execPath;
    const queuePrefix = `bench-${suffix}`;
    const common = {
      PATH: process.env['PATH'],
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: queuePrefix,
      BENCH_TENANT_ID: tenant.id,
    };
    const systems: System[] = [];
    const baselines = join(ROOT, 'dist', 'tools', 'bench', 'baselines.js');
    if (SYSTEMS.includes('direct')) {
      const port = await freePort();
      const server = start('server', [node, baselines, 'direct'], { ...common, PORT: String(port) });
      systems.push({
        name: 'direct',
        url: `http://127.0.0.1:${port}`,
        headers: { 'content-type': 'application/scim+json' },
        processes: [server],
        hasGet: true,
      });
    }
    if (SYSTEMS.includes('naive')) {
      const port = await freePort();
      const server = start('server', [node, baselines, 'naive-server'], { ...common, PORT: String(port) });
      const worker = start('worker', [node, baselines, 'naive-worker'], common);
      systems.push({
        name: 'naive',
        url: `http://127.0.0.1:${port}`,
        headers: { 'content-type': 'application/scim+json' },
        processes: [server, worker],
        hasGet: false,
      });
    }
    // BENCH_EARLIER_DIST: another build's dist/ (e.g. main's), run as system "earlier" in the same
    // rounds and against the same Redis (own key prefix) and database, for a before/after on one machine.
    const stacks: [SystemName, string][] = [];
    if (SYSTEMS.includes('stack')) stacks.push(['stack', join(ROOT, 'dist')]);
    const earlier = process.env['BENCH_EARLIER_DIST'];
    if (earlier) stacks.push(['earlier', earlier]);
    for (const [name, dist] of stacks) {
      const port = await freePort();
      const stackEnv = {
        ...common,
        QUEUE_PREFIX: `${queuePrefix}-${name}`,
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
      };
      const stackNodeArgs = process.env['BENCH_STACK_NODE_ARGS']?.split(' ').filter(Boolean) ?? [];
      const gateway = start(
        'gateway',
        [node, ...stackNodeArgs, ...nodeArgs('gateway', join(dist, 'apps/gateway/src/main.js'))],
        stackEnv,
      );
      const metricsPorts = await Promise.all(Array.from({ length: WORKERS }, () => freePort()));
      const workers = metricsPorts.map((metricsPort) =>
        start('worker', [node, ...stackNodeArgs, join(dist, 'apps/worker/src/main.js')], {
          ...stackEnv,
          METRICS_PORT: String(metricsPort),
        }),
      );
      systems.push({
        name,
        url: `http://127.0.0.1:${port}/api/scim`,
        headers: { 'content-type': 'application/scim+json', authorization: `Bearer ${token}` },
        processes: [gateway, ...workers],
        hasGet: true,
        workerMetrics: metricsPorts.map((metricsPort) => `http://127.0.0.1:${metricsPort}/metrics`),
      });
    }
    for (const system of systems) processes.push(...system.processes);
    for (const system of systems) {
      await waitFor(system.name, async () => {
        const response = await fetch(`${system.url}/Users`, {
          method: 'POST',
          headers: system.headers,
          body: entraUser(`Test_User_ready_${randomUUID()}`),
        });
        return response.status === 201;
      });
    }

    const cpus = availableParallelism();
    const load1 = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    console.log(
      `bench: ${new Date().toISOString()}, ${cpus} CPUs, load ${load1} at start, Node ${process.version}; ` +
        `${PREFILL.toLocaleString('en-US')} users pre-filled; ${ROUNDS} rounds of ${SECONDS} s per load; stack with ${WORKERS} worker(s)`,
    );

    const resetTables = async () => {
      await dataSource.query(`DELETE FROM operations WHERE tenant_id = $1`, [tenant.id]);
      for (const table of ['users', 'bench_users'])
        await dataSource.query(`DELETE FROM ${table} WHERE user_name LIKE 'Test\\_User\\_%'`);
      await dataSource.query('VACUUM users, bench_users, operations');
    };
    await resetTables();

    // Warm-up: the JIT and the pools, not measured.
    for (const system of systems) {
      await load(system, 'POST', 32, 2);
      if (system.hasGet) await load(system, 'GET', 32, 2);
      await resetTables();
    }

    const results = new Map<string, Measure[]>();
    for (let round = 1; round <= ROUNDS; round++) {
      for (const system of systems) {
        for (const spec of LOADS) {
          if (spec.method === 'GET' && !system.hasGet) continue;
          const measure = await load(system, spec.method, spec.connections, SECONDS);
          if (spec.method === 'POST') await resetTables();
          const key = `${system.name}|${spec.name}`;
          results.set(key, [...(results.get(key) ?? []), measure]);
          const cpu = Object.entries(measure.cpu)
            .map(([label, micros]) => `${label} ${fmt(micros)}`)
            .join(', ');
          console.log(
            `  round ${round} ${system.name.padEnd(6)} ${spec.name.padEnd(8)} ${fmt(measure.rps).padStart(6)} req/s  p50 ${measure.p50} ms  p99 ${measure.p99} ms  ` +
              `(${measure.ok} ok${measure.errors ? `, ${measure.errors} errors` : ''}; CPU µs/req: ${cpu}` +
              `${measure.writesPerJob ? `; ${measure.writesPerJob.toFixed(1)} writes per queue job` : ''})`,
          );
        }
      }
    }

    console.log(`\nMedians over ${ROUNDS} rounds (CPU: µs per request, by process):\n`);
    console.log('| system | load | req/s | p50 ms | p99 ms | CPU µs/req by process | CPU µs/req total |');
    console.log('|---|---|---|---|---|---|---|');
    const medians = new Map<string, { rps: number; p50: number; p99: number }>();
    for (const system of systems) {
      for (const spec of LOADS) {
        const measures = results.get(`${system.name}|${spec.name}`);
        if (!measures) continue;
        const rps = median(measures.map((m) => m.rps));
        const p50 = median(measures.map((m) => m.p50));
        const p99 = median(measures.map((m) => m.p99));
        medians.set(`${system.name}|${spec.name}`, { rps, p50, p99 });
        const labels = Object.keys(measures[0]!.cpu);
        const cpu = labels.map((label) => ({ label, micros: median(measures.map((m) => m.cpu[label] ?? 0)) }));
        const total = cpu.reduce((sum, c) => sum + c.micros, 0);
        console.log(
          `| ${system.name} | ${spec.name} | ${fmt(rps)} | ${fmt(p50, 1)} | ${fmt(p99, 1)} | ${cpu
            .map((c) => `${c.label} ${fmt(c.micros)}`)
            .join(', ')} | ${fmt(total)} |`,
        );
      }
    }
    for (const system of systems) {
      const sizes = LOADS.flatMap((spec) => {
        const perJob = (results.get(`${system.name}|${spec.name}`) ?? []).flatMap((m) => m.writesPerJob ?? []);
        return perJob.length > 0 ? [`${spec.name} ${median(perJob).toFixed(1)}`] : [];
      });
      if (sizes.length > 0) console.log(`\nWrites per queue job (${system.name}, medians): ${sizes.join(', ')}`);
    }
    console.log('\nPeak RSS (VmHWM):');
    for (const system of systems) {
      const rss = system.processes.map((p) => `${p.label} ${fmt(peakRssMiB(p.child.pid!))} MiB`).join(', ');
      console.log(`  ${system.name}: ${rss}`);
    }
    const ratio = (a: string, b: string, load: LoadName) => {
      const x = medians.get(`${a}|${load}`);
      const y = medians.get(`${b}|${load}`);
      return x && y ? `${(x.rps / y.rps).toFixed(2)}×` : '—';
    };
    console.log('\nRatios (req/s, medians):');
    console.log(`  stack POST ×32 / direct: ${ratio('stack', 'direct', 'POST ×32')}   (goal ≥ 0.6×)`);
    console.log(`  stack POST ×32 / naive:  ${ratio('stack', 'naive', 'POST ×32')}   (goal > 1×)`);
    console.log(`  stack GET ×32 / direct:  ${ratio('stack', 'direct', 'GET ×32')}   (goal ≥ 0.7×)`);
    console.log(`  stack POST ×1 / direct:  ${ratio('stack', 'direct', 'POST ×1')}`);
    if (earlier) {
      for (const load of LOADS.map((l) => l.name))
        console.log(`  stack ${load} / earlier:  ${ratio('stack', 'earlier', load)}`);
    }
    await dataSource.destroy();
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
