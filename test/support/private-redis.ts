import { spawn, type ChildProcess } from 'node:child_process';
import IORedis from 'ioredis';
import { freePort } from './stack';

/**
 * A redis-server of the test's own, on a free loopback port, without persistence: for tests that
 * watch every command (MONITOR) or change the server's configuration, which the machine's shared
 * Redis must never be subjected to.
 */
export class PrivateRedis {
  private child?: ChildProcess;
  port = 0;

  constructor(private readonly extraArgs: string[] = []) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it; after kill() or stop(), again on the same port (as a restarted server would be). */
  async start(): Promise<this> {
    if (!this.port) this.port = await freePort();
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...this.extraArgs],
      {
        stdio: 'ignore',
      },
    );
    const client = new IORedis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    const started = Date.now();
    for (;;) {
      try {
        await client.connect();
        await client.ping();
        client.disconnect();
        return this;
      } catch {
        if (Date.now() - started > 10000) throw new Error(`redis-server on port ${this.port} did not start`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  client(): IORedis {
    return new IORedis(this.url, { maxRetriesPerRequest: 1 });
  }

  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  /** SIGKILL: a crash, without a chance to close connections. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}

/** Every key under a prefix with its content as text (hashes, streams, lists, sets and strings). */
export async function dumpKeys(redis: IORedis, prefix: string): Promise<Map<string, string>> {
  const dump = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      let content: unknown;
      if (type === 'hash') content = await redis.hgetall(key);
      else if (type === 'stream') content = await redis.xrange(key, '-', '+');
      else if (type === 'list') content = await redis.lrange(key, 0, -1);
      else if (type === 'zset') content = await redis.zrange(key, 0, -1);
      else if (type === 'set') content = await redis.smembers(key);
      else if (type === 'string') content = await redis.get(key);
      if (content !== undefined) dump.set(key, JSON.stringify(content)); // gone since the scan, or another type
    }
  } while (cursor !== '0');
  return dump;
}
