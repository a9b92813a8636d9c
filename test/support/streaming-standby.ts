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
 * A streaming replica of a Postgres the test started (PrivatePostgres, with replication allowed
 * from 127.0.0.1, which initdb's trust setup does): `pg_basebackup -R`, then a hot standby on a
 * free loopback port, as user postgres when run as root.
 */
export class StreamingStandby {
  port = 0;
  private dir = '';
  private readonly bin = postgresBin();
  private readonly asRoot = userInfo().uid === 0;

  /** @param settings extra standby settings, e.g. `{ recovery_min_apply_delay: '300ms' }`. */
  constructor(
    private readonly primaryPort: number,
    private readonly settings: Record<string, string> = {},
  ) {}

  private run(command: string, args: string[]): void {
    const [file, argv] = this.asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(this.bin, command), ...args]]
      : [join(this.bin, command), args];
    execFileSync(file, argv, { stdio: 'pipe' });
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<this> {
    this.dir = mkdtempSync(join(tmpdir(), 'scim-pg-standby-'));
    if (this.asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
      chownSync(this.dir, uid, gid);
    }
    this.port = await freePort();
    // -R writes standby.signal and primary_conninfo: the copy starts as a streaming standby.
    this.run('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(this.primaryPort),
      '-U',
      'postgres',
      '-D',
      join(this.dir, 'data'),
      '-R',
      '-X',
      'stream',
      '--no-sync',
      // Checkpoint at once rather than spread over checkpoint_timeout.
      '--checkpoint=fast',
    ]);
    this.startServer();
    return this;
  }

  private startServer(): void {
    const extra = Object.entries(this.settings)
      .map(([name, value]) => ` -c ${name}=${value}`)
      .join('');
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c hot_standby=on -c fsync=off${extra}`;
    this.run('pg_ctl', [
      '-D',
      join(this.dir, 'data'),
      '-o',
      options,
      '-l',
      join(this.dir, 'log'),
      '-w',
      '-t',
      '30',
      'start',
    ]);
  }

  /** Stops the server (immediately, as a crash would), keeping its files. */
  halt(): void {
    try {
      this.run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    } catch {
      // Already stopped.
    }
  }

  stop(): void {
    if (!this.dir) return;
    this.halt();
    rmSync(this.dir, { recursive: true, force: true });
    this.dir = '';
  }
}
