import 'reflect-metadata';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { TenantRepository, createDirectoryDataSource, migrateDirectory } from '@scim/directory';
import { nodeArgs } from '@scim/config';
import { benchUserBody } from './bench-user';

/**
 * `npm run bench:scale` (after `npm run build`): POST /Users throughput with 1, 2 and 4 workers on
 * this machine, and what one write costs: Redis commands, Postgres statements and commits, and
 * CPU time per process. Starts its own Postgres (initdb, with pg_stat_statements; as user
 * postgres when run as root) and Redis on free loopback ports, so that no one else's traffic is
 * counted, then for each worker count a gateway and the workers from dist/, and drives the
 * gateway with autocannon. Figures for a person to read, not a test.
 * Options via env: BENCH_WORKERS (1,2,4), BENCH_SECONDS per run (15), BENCH_CONNECTIONS (16),
 * WORKER_CONCURRENCY (the app's default, 16).
 */
// dist/tools/bench → the repository root.
const ROOT = join(__dirname, '..', '..', '..');
const TICKS_PER_SECOND = 100;
const STATS_SETTLE_MS = 1500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** CPU time (user + system) of a process in ms, from /proc. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) found.push(Number(entry));
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

class BenchPostgres {
  port = 0;
  private readonly dir = mkdtempSync(join(tmpdir(), 'scim-bench-pg-'));
  private readonly bin: string;
  private readonly asRoot = userInfo().uid === 0;

  constructor() {
    const root = '/usr/lib/postgresql';
    const version = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a))[0];
    if (!version) throw new Error(`no Postgres server binaries under ${root}`);
    this.bin = join(root, version, 'bin');
  }

  private run(command: string, args: string[]): void {
    const [file, argv] = this.asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(this.bin, command), ...args]]
      : [join(this.bin, command), args];
    execFileSync(file, argv, { stdio: 'pipe' });
  }

  async start(): Promise<void> {
    if (this.asRoot) {
      const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
      chownSync(this.dir, id('-u'), id('-g'));
    }
    this.port = await freePort();
    this.run('initdb', ['-D', join(this.dir, 'data'), '-U', 'postgres', '-A', 'trust', '-E', 'UTF8']);
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all`;
    this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-o', options, '-l', join(this.dir, 'log'), '-w', 'start']);
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** The postmaster and every process under it (backends, WAL writer, checkpointer…). */
  processes(): number[] {
    const postmaster = Number(readFileSync(join(this.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    return [postmaster, ...childrenOf(postmaster)];
  }

  stop(): void {
    try {
      this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

interface App {
  name: string;
  child: ChildProcess;
}

/** Starts an app with its output discarded (at the default log level, as in production). */
function startApp(name: 'gateway' | 'worker', env: NodeJS.ProcessEnv): App {
  const child = spawn(process.execPath, nodeArgs(name, join(ROOT, 'dist', 'apps', name, 'src', 'main.js')), {
    env,
    stdio: 'ignore',
  });
  return { name, child };
}

async function until(what: string, check: () => Promise<boolean>, apps: App[]): Promise<void> {
  const started = Date.now();
  while (!(await check().catch(() => false))) {
    const dead = apps.find((app) => app.child.exitCode !== null);
    if (dead) throw new Error(`${dead.name} exited with ${dead.child.exitCode}`);
    if (Date.now() - started > 60000) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function stopApp(app: App): Promise<void> {
  if (app.child.exitCode !== null) return;
  const exited = new Promise((resolve) => app.child.once('exit', resolve));
  app.child.kill('SIGTERM');
  await exited;
}

async function redisCommandCount(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let calls = 0;
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (match[1] !== 'info') calls += Number(match[2]);
  }
  return calls;
}

interface DatabaseCounts {
  commits: number;
  statements: number;
}

async function databaseCounts(admin: Client, database: string): Promise<DatabaseCounts> {
  const commits = await admin.query<{ n: string }>('SELECT xact_commit AS n FROM pg_stat_database WHERE datname = $1', [
    database,
  ]);
  const statements = await admin.query<{ n: string }>(
    `SELECT coalesce(sum(s.calls), 0) AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
      WHERE d.datname = $1 AND s.query NOT ILIKE '%pg_stat%'`,
    [database],
  );
  return { commits: Number(commits.rows[0]!.n), statements: Number(statements.rows[0]!.n) };
}

interface Run {
  workers: number;
  writes: number;
  rps: number;
  p50: number;
  p99: number;
  non201: number;
  redisPerWrite: number;
  statementsPerWrite: number;
  commitsPerWrite: number;
  cpuUsPerWrite: Record<string, number>;
  cpuBusy: Record<string, number>;
  /** The most frequent statements of the run (warm-up included), to see what a write costs. */
  topStatements: string[];
}

async function measure(
  workers: number,
  postgres: BenchPostgres,
  redisPort: number,
  redisPid: number,
  options: { seconds: number; connections: number },
): Promise<Run> {
  const database = `scim_bench_${workers}w`;
  const databaseUrl = postgres.url(database);
  await migrateDirectory(databaseUrl);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    DATABASE_URL: databaseUrl,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    QUEUE_PREFIX: `bench-${workers}w`,
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    ...(process.env['WORKER_CONCURRENCY'] ? { WORKER_CONCURRENCY: process.env['WORKER_CONCURRENCY'] } : {}),
  };
  const apps = [startApp('gateway', env)];
  for (let i = 0; i < workers; i++) apps.push(startApp('worker', env));
  const redis = new Redis({ port: redisPort, host: '127.0.0.1' });
  await until('the gateway', async () => (await fetch(`http://127.0.0.1:${port}/health/live`)).ok, apps);
  await until('the workers', async () => (await redis.zcard(`bench-${workers}w:directory-workers`)) === workers, apps);

  const dataSource = createDirectoryDataSource({ url: databaseUrl, poolSize: 1 });
  await dataSource.initialize();
  const { token } = await new TenantRepository(dataSource).create({
    name: `bench-${workers}`,
    workDomains: ['bench.example'],
    rateLimit: 1_000_000,
  });
  await dataSource.destroy();

  const admin = new Client({ connectionString: postgres.url('postgres') });
  await admin.connect();
  const runId = randomUUID().slice(0, 8);
  let sequence = 0;
  const body = () => {
    const userName = `bench-${runId}-${sequence++}@bench.example`;
    return benchUserBody(userName, sequence);
  };
  const load = (seconds: number) => {
    const statuses: Record<number, number> = {};
    return new Promise<{ result: autocannon.Result; statuses: Record<number, number> }>((resolve, reject) => {
      const instance = autocannon(
        {
          url: `http://127.0.0.1:${port}/api/scim/Users`,
          connections: options.connections,
          duration: seconds,
          requests: [
            {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
              setupRequest: (request) => ({ ...request, body: body() }),
            },
          ],
        },
        (error, result) => (error ? reject(error) : resolve({ result, statuses })),
      );
      instance.on('response', (_client, status) => (statuses[status] = (statuses[status] ?? 0) + 1));
    });
  };
  // Warm-up: connections opened, code paths compiled.
  await load(3);
  // Postgres publishes a backend's commit counts up to a second late (pg_stat_statements at once).
  await sleep(STATS_SETTLE_MS);

  const processes: Record<string, number[]> = {
    gateway: [apps[0]!.child.pid!],
    workers: apps.slice(1).map((app) => app.child.pid!),
    redis: [redisPid],
    postgres: postgres.processes(),
    'load generator': [process.pid],
  };
  const cpuBefore = Object.fromEntries(
    Object.entries(processes).map(([name, pids]) => [name, pids.reduce((sum, pid) => sum + cpuMs(pid), 0)]),
  );
  const redisBefore = await redisCommandCount(redis);
  const dbBefore = await databaseCounts(admin, database);
  const started = Date.now();
  const { result, statuses } = await load(options.seconds);
  const elapsedMs = Date.now() - started;
  const cpuAfter = Object.fromEntries(
    Object.entries(processes).map(([name, pids]) => [name, pids.reduce((sum, pid) => sum + cpuMs(pid), 0)]),
  );
  const redisAfter = await redisCommandCount(redis);
  await sleep(STATS_SETTLE_MS);
  const dbAfter = await databaseCounts(admin, database);
  const top = await admin.query<{ calls: string; query: string }>(
    `SELECT s.calls, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 100) AS query
       FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
      WHERE d.datname = $1 ORDER BY s.calls DESC LIMIT 6`,
    [database],
  );

  const writes = statuses[201] ?? 0;
  const cpuUsPerWrite: Record<string, number> = {};
  const cpuBusy: Record<string, number> = {};
  for (const name of Object.keys(processes)) {
    const used = cpuAfter[name]! - cpuBefore[name]!;
    cpuUsPerWrite[name] = Math.round((used * 1000) / Math.max(1, writes));
    cpuBusy[name] = Math.round((used / elapsedMs) * 100);
  }
  redis.disconnect();
  await admin.end();
  for (const app of apps.reverse()) await stopApp(app);
  return {
    workers,
    writes,
    rps: Math.round(writes / (elapsedMs / 1000)),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non201: Object.entries(statuses).reduce((n, [status, count]) => n + (status === '201' ? 0 : count), 0),
    redisPerWrite: (redisAfter - redisBefore) / Math.max(1, writes),
    statementsPerWrite: (dbAfter.statements - dbBefore.statements) / Math.max(1, writes),
    commitsPerWrite: (dbAfter.commits - dbBefore.commits) / Math.max(1, writes),
    cpuUsPerWrite,
    cpuBusy,
    topStatements: top.rows.map((row) => `${row.calls} × ${row.query}`),
  };
}

async function main(): Promise<void> {
  const workerCounts = (process.env['BENCH_WORKERS'] ?? '1,2,4').split(',').map(Number);
  const options = {
    seconds: Number(process.env['BENCH_SECONDS'] ?? 15),
    connections: Number(process.env['BENCH_CONNECTIONS'] ?? 16),
  };
  const postgres = new BenchPostgres();
  await postgres.start();
  const redisPort = await freePort();
  const redisServer = spawn(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const admin = new Client({ connectionString: postgres.url('postgres') });
    await admin.connect();
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await admin.end();
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
    console.log(
      `bench:scale at commit ${commit}: POST /Users, ${options.connections} connections, ${options.seconds} s per run, a fresh database per run, own Postgres and Redis`,
    );
    const runs: Run[] = [];
    for (const workers of workerCounts) {
      const run = await measure(workers, postgres, redisPort, redisServer.pid!, options);
      runs.push(run);
      const cpu = Object.entries(run.cpuUsPerWrite)
        .map(([name, us]) => `${name} ${us} µs (${run.cpuBusy[name]}% of a core)`)
        .join(', ');
      console.log(
        `${workers} worker(s): ${run.rps} writes/s (p50 ${run.p50} ms, p99 ${run.p99} ms, ${run.writes} × 201, ${run.non201} other)\n` +
          `  per write: ${run.redisPerWrite.toFixed(1)} Redis commands, ${run.statementsPerWrite.toFixed(1)} Postgres statements, ${run.commitsPerWrite.toFixed(2)} commits\n` +
          `  CPU per write: ${cpu}; total ${Object.values(run.cpuUsPerWrite).reduce((a, b) => a + b, 0)} µs\n` +
          `  most frequent statements:\n${run.topStatements.map((line) => `    ${line}`).join('\n')}`,
      );
    }
    console.log(JSON.stringify(runs));
  } finally {
    redisServer.kill('SIGTERM');
    postgres.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`bench:scale: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
