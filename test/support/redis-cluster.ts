import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { freePort } from './stack';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A Redis Cluster of the test's own: N masters (no replicas) on free loopback ports, without
 * persistence, its nodes.conf files in a temporary directory removed on stop().
 */
export class PrivateRedisCluster {
  readonly ports: number[] = [];
  private readonly servers: ChildProcess[] = [];
  private directory = '';

  constructor(private readonly masters = 3) {}

  /** REDIS_CLUSTER_NODES for the apps. */
  get nodes(): string {
    return this.ports.map((port) => `127.0.0.1:${port}`).join(',');
  }

  async start(): Promise<this> {
    this.directory = mkdtempSync(join(tmpdir(), 'scim-redis-cluster-'));
    for (let i = 0; i < this.masters; i++) {
      const port = await freePort();
      this.ports.push(port);
      // Each node needs its own config file; the working directory holds it.
      this.servers.push(
        spawn(
          'redis-server',
          [
            '--port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(this.directory, `nodes-${port}.conf`),
            '--save',
            '',
            '--appendonly',
            'no',
            '--dir',
            this.directory,
          ],
          { stdio: 'ignore' },
        ),
      );
    }
    for (const port of this.ports) await this.waitForPing(port);
    await run('redis-cli', ['--cluster', 'create', ...this.ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes'], {
      timeout: 30000,
    });
    await this.waitForState();
    return this;
  }

  /** A cluster client for the test's own checks. */
  client(): Cluster {
    const cluster = new Cluster(
      this.ports.map((port) => ({ host: '127.0.0.1', port })),
      { redisOptions: { maxRetriesPerRequest: 1 } },
    );
    cluster.on('error', () => undefined);
    return cluster;
  }

  /** A plain connection to one node (for INFO, CLUSTER commands). */
  async stop(): Promise<void> {
    await Promise.all(
      this.servers.map((child) => {
        if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        return exited;
      }),
    );
    if (this.directory) rmSync(this.directory, { recursive: true, force: true });
  }

  private async waitForPing(port: number): Promise<void> {
    const started = Date.now();
    for (;;) {
      try {
        const { stdout } = await run('redis-cli', ['-p', String(port), 'ping']);
        if (stdout.trim() === 'PONG') return;
      } catch {
        // not listening yet
      }
      if (Date.now() - started > 10000) throw new Error(`redis-server on port ${port} did not start`);
      await sleep(50);
    }
  }

  /** Every node agrees that all slots are served. */
  private async waitForState(): Promise<void> {
    const started = Date.now();
    for (;;) {
      const states = await Promise.all(
        this.ports.map((port) =>
          run('redis-cli', ['-p', String(port), 'cluster', 'info']).then(
            ({ stdout }) => /cluster_state:ok/.test(stdout),
            () => false,
          ),
        ),
      );
      if (states.every(Boolean)) return;
      if (Date.now() - started > 30000) throw new Error('the Redis Cluster did not reach cluster_state:ok');
      await sleep(100);
    }
  }
}
