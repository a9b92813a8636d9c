import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './stack';

function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(`no Postgres server binaries under ${root}`);
  return join(root, newest, 'bin');
}

/**
 * A Postgres server of the test's own on a free loopback port, its files in a temporary folder;
 * its tools run as user postgres when the test runs as root (Postgres refuses root). Subclasses
 * fill the data folder (initdb, pg_basebackup) and start it.
 */
export abstract class PostgresServer {
  port = 0;
  protected dir = '';
  private readonly bin = postgresBin();
  private readonly asRoot = userInfo().uid === 0;

  /** @param settings extra server settings, e.g. `{ wal_level: 'replica' }`. */
  constructor(private readonly settings: Record<string, string>) {}

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  protected get dataDir(): string {
    return join(this.dir, 'data');
  }

  protected run(command: string, args: string[]): void {
    const [file, argv] = this.asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(this.bin, command), ...args]]
      : [join(this.bin, command), args];
    execFileSync(file, argv, { stdio: 'pipe' });
  }

  /** A temporary folder (owned by postgres when run as root) and a free port. */
  protected async prepare(prefix: string): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    if (this.asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
      chownSync(this.dir, uid, gid);
    }
    this.port = await freePort();
  }

  /** pg_ctl start on the port with `options` and the constructor's settings, waiting up to 30 s. */
  protected startServer(options: string): void {
    const extra = Object.entries(this.settings)
      .map(([name, value]) => ` -c ${name}=${value}`)
      .join('');
    const all = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off ${options}${extra}`;
    this.run('pg_ctl', ['-D', this.dataDir, '-o', all, '-l', join(this.dir, 'log'), '-w', '-t', '30', 'start']);
  }

  /** Stops the server (immediately, as a crash would), keeping its files. */
  halt(): void {
    try {
      this.run('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // Already stopped.
    }
  }

  /** Stops the server and removes its files. */
  stop(): void {
    if (!this.dir) return;
    this.halt();
    rmSync(this.dir, { recursive: true, force: true });
    this.dir = '';
  }
}
