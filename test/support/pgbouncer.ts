import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './stack';

const PGBOUNCER = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((path) => existsSync(path));

export interface PgBouncerOptions {
  /** The Postgres behind it. */
  host?: string;
  port?: number;
  /** Server connections per database/user pair: fewer than the apps' pools, so that clients share them. */
  poolSize?: number;
}

/**
 * Debian's pgbouncer, started by the test on a free loopback port in front of a Postgres, in
 * transaction pooling mode (every database of the server, trust authentication as `postgres`).
 * Run as user postgres when the test runs as root (pgbouncer refuses root).
 */
export class PgBouncer {
  port = 0;
  private dir = '';
  private child?: ChildProcess;
  private output = '';

  constructor(private readonly options: PgBouncerOptions = {}) {}

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  get logs(): string {
    return (
      this.output + (this.dir && existsSync(join(this.dir, 'log')) ? readFileSync(join(this.dir, 'log'), 'utf8') : '')
    );
  }

  async start(): Promise<this> {
    if (!PGBOUNCER) {
      throw new Error('pgbouncer is not installed: run "apt-get install -y pgbouncer" (.ci/run does).');
    }
    this.port = await freePort();
    this.dir = mkdtempSync(join(tmpdir(), 'scim-pgbouncer-'));
    const asRoot = userInfo().uid === 0;
    const ini = join(this.dir, 'pgbouncer.ini');
    writeFileSync(join(this.dir, 'userlist.txt'), '"postgres" ""\n');
    writeFileSync(
      ini,
      [
        '[databases]',
        `* = host=${this.options.host ?? '127.0.0.1'} port=${this.options.port ?? 5432}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${this.port}`,
        'unix_socket_dir =',
        'auth_type = trust',
        'admin_users = postgres',
        `auth_file = ${join(this.dir, 'userlist.txt')}`,
        'pool_mode = transaction',
        `default_pool_size = ${this.options.poolSize ?? 10}`,
        'max_client_conn = 1000',
        `logfile = ${join(this.dir, 'log')}`,
        `pidfile = ${join(this.dir, 'pid')}`,
        ...(asRoot ? ['user = postgres'] : []),
        '',
      ].join('\n'),
    );
    if (asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
      for (const file of ['', 'pgbouncer.ini', 'userlist.txt']) chownSync(join(this.dir, file), uid, gid);
    }
    this.child = spawn(PGBOUNCER, [ini], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    const started = Date.now();
    for (;;) {
      const client = new Client({ connectionString: this.url('postgres'), connectionTimeoutMillis: 1000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return this;
      } catch {
        await client.end().catch(() => undefined);
        if (this.child.exitCode !== null) throw new Error(`pgbouncer exited:\n${this.logs}`);
        if (Date.now() - started > 10000) throw new Error(`pgbouncer did not accept connections:\n${this.logs}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** pgbouncer's admin console: SHOW POOLS, SHOW CONFIG and friends. */
  async show(what: string): Promise<Record<string, unknown>[]> {
    const admin = new Client({ connectionString: this.url('pgbouncer') });
    await admin.connect();
    try {
      // Without parameters pg uses the simple query protocol, the only one the admin console speaks.
      return (await admin.query(`SHOW ${what}`)).rows as Record<string, unknown>[];
    } finally {
      await admin.end();
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // Immediate shutdown in pgbouncer 1.18 (SIGINT would wait for clients to finish).
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = '';
  }
}
