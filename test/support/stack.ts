import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { TenantRepository, createDirectoryDataSource, type TenantChanges } from '@scim/directory';
import { TcpProxy } from './tcp-proxy';
import { nodeArgs } from '@scim/config';
import { createTestDatabase, uniqueQueuePrefix } from '@scim/directory/testing';

const ROOT = join(__dirname, '..', '..');
export const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export type AppName = 'gateway' | 'worker' | 'notifier';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** One of the built apps (dist/), running as a real process. */
export class AppProcess {
  private output = '';
  private exited?: Promise<number | null>;

  constructor(
    readonly name: AppName,
    readonly child: ChildProcess,
  ) {
    const collect = (chunk: Buffer) => {
      this.output += chunk.toString();
      if (this.output.length > 200_000) this.output = this.output.slice(-100_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  get logs(): string {
    return this.output;
  }

  /** The app's log records (JSON lines); lines that are not JSON fail the test, since every log line should be. */
  get records(): Record<string, unknown>[] {
    return this.output
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          throw new Error(`${this.name} logged a line that is not JSON: ${line}`);
        }
      });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async waitForLog(pattern: RegExp, timeoutMs = 20000): Promise<void> {
    const started = Date.now();
    while (!pattern.test(this.output)) {
      if (!this.running) throw new Error(`${this.name} exited before logging ${pattern}:\n${this.output}`);
      if (Date.now() - started > timeoutMs)
        throw new Error(`${this.name} did not log ${pattern} within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGTERM, waiting for a clean exit; returns the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15000): Promise<number | null> {
    if (!this.running) return this.child.exitCode;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited!;
    clearTimeout(timer);
    return code;
  }
}

export interface StackOptions {
  label: string;
  workers?: number;
  notifier?: boolean;
  env?: Record<string, string>;
  /** Route the apps' Postgres and Redis connections through TcpProxy, to simulate outages. */
  viaProxies?: boolean;
  /** A migrated database to use instead of a fresh one on the shared server (a private cluster); not dropped. */
  databaseUrl?: string;
  /** A Redis to use instead of the shared one (one the test can kill). */
  redisUrl?: string;
}

/**
 * A private stack for one test file: its own database and queue prefix, the gateway and N workers
 * started from dist/ on free ports, and helpers to make tenants and call the SCIM API.
 */
export class TestStack {
  readonly apps: AppProcess[] = [];
  databaseUrl = '';
  queuePrefix = '';
  port = 0;
  dataSource!: DataSource;
  tenants!: TenantRepository;
  private dropDatabase?: () => Promise<void>;
  postgresProxy?: TcpProxy;
  redisProxy?: TcpProxy;

  constructor(private readonly options: StackOptions) {}

  get redisUrl(): string {
    return this.options.redisUrl ?? REDIS_URL;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get scimUrl(): string {
    return `${this.baseUrl}/api/scim`;
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const databaseUrl = new URL(this.databaseUrl);
    if (this.postgresProxy) databaseUrl.port = String(this.postgresProxy.port);
    return {
      PATH: process.env['PATH'],
      DATABASE_URL: databaseUrl.toString(),
      REDIS_URL: this.redisProxy ? `redis://127.0.0.1:${this.redisProxy.port}` : this.redisUrl,
      QUEUE_PREFIX: this.queuePrefix,
      PORT: String(this.port),
      PUBLIC_URL: this.baseUrl,
      LOG_LEVEL: 'warn',
      // Far above what any test sends, so that races, bulk and bench-like tests are not throttled;
      // the throttle's own tests set the limits they test.
      RATE_LIMIT_PER_SECOND: '1000000',
      RATE_LIMIT_BURST: '1000000',
      ...this.options.env,
      ...extra,
    };
  }

  async start(): Promise<this> {
    if (this.options.databaseUrl) {
      this.databaseUrl = this.options.databaseUrl;
    } else {
      const database = await createTestDatabase(this.options.label);
      this.databaseUrl = database.url;
      this.dropDatabase = database.drop;
    }
    this.queuePrefix = uniqueQueuePrefix(this.options.label);
    this.port = await freePort();
    if (this.options.viaProxies) {
      const postgres = new URL(this.databaseUrl);
      const redis = new URL(this.redisUrl);
      this.postgresProxy = new TcpProxy(postgres.hostname, Number(postgres.port || 5432));
      this.redisProxy = new TcpProxy(redis.hostname, Number(redis.port || 6379));
      await this.postgresProxy.start();
      await this.redisProxy.start();
    }
    this.dataSource = createDirectoryDataSource({ url: this.databaseUrl, poolSize: 4 });
    await this.dataSource.initialize();
    this.tenants = new TenantRepository(this.dataSource);
    const starting: Promise<unknown>[] = [this.startGateway()];
    for (let i = 0; i < (this.options.workers ?? 1); i++) starting.push(this.startWorker());
    if (this.options.notifier) starting.push(this.startApp('notifier').waitForLog(/Notifier ready/));
    await Promise.all(starting);
    return this;
  }

  startApp(name: AppName, extraEnv: Record<string, string> = {}): AppProcess {
    const child = spawn(process.execPath, nodeArgs(name, join(ROOT, 'dist', 'apps', name, 'src', 'main.js')), {
      env: { ...this.env({ LOG_LEVEL: 'log' }), ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const app = new AppProcess(name, child);
    this.apps.push(app);
    return app;
  }

  async startGateway(extraEnv: Record<string, string> = {}): Promise<AppProcess> {
    const app = this.startApp('gateway', extraEnv);
    await app.waitForLog(/Gateway listening/);
    return app;
  }

  async startWorker(extraEnv: Record<string, string> = {}): Promise<AppProcess> {
    const app = this.startApp('worker', extraEnv);
    await app.waitForLog(/Worker started/);
    return app;
  }

  workers(): AppProcess[] {
    return this.apps.filter((a) => a.name === 'worker' && a.running);
  }

  async createTenant(changes: Partial<TenantChanges> = {}): Promise<{ tenantId: string; token: string }> {
    const { tenant, token } = await this.tenants.create({
      name: `tenant-${Math.random().toString(36).slice(2, 8)}`,
      ...changes,
    });
    return { tenantId: tenant.id, token };
  }

  client(token: string): ScimClient {
    return new ScimClient(this.scimUrl, token);
  }

  async stop(): Promise<void> {
    await Promise.all(this.apps.map((app) => app.stop()));
    await this.postgresProxy?.down();
    await this.redisProxy?.down();
    if (this.dataSource?.isInitialized) await this.dataSource.destroy();
    await this.dropDatabase?.();
    await deleteQueueKeys(this.queuePrefix, this.redisUrl).catch(() => undefined);
  }

  dumpLogs(): string {
    return this.apps.map((a) => `----- ${a.name} -----\n${a.logs}`).join('\n');
  }
}

export async function deleteQueueKeys(prefix: string, redisUrl = REDIS_URL): Promise<void> {
  if (!prefix) return;
  const redis = new IORedis(redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface ScimResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  ms: number;
}

/** A small SCIM client speaking like Entra: scim+json bodies, a bearer token. */
export class ScimClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ScimResponse<T>> {
    const started = Date.now();
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.token}`,
        ...(body !== undefined ? { 'Content-Type': 'application/scim+json; charset=utf-8' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as T,
      ms: Date.now() - started,
    };
  }

  get<T = Record<string, unknown>>(path: string) {
    return this.request<T>('GET', path);
  }

  post<T = Record<string, unknown>>(path: string, body: unknown) {
    return this.request<T>('POST', path, body);
  }

  patch<T = Record<string, unknown>>(path: string, body: unknown) {
    return this.request<T>('PATCH', path, body);
  }

  put<T = Record<string, unknown>>(path: string, body: unknown) {
    return this.request<T>('PUT', path, body);
  }

  delete(path: string) {
    return this.request('DELETE', path);
  }
}

export function filterQuery(filter: string, extra = ''): string {
  return `?filter=${encodeURIComponent(filter)}${extra}`;
}
