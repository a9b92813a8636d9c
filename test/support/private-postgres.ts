import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PostgresServer } from './postgres-server';

/** Children of a process, from /proc (no procps needed). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid …"; comm may contain spaces, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return children;
}

/**
 * A Postgres cluster of the test's own (initdb + pg_ctl, as user postgres when run as root) on a
 * free port, so that a test can freeze it: never the machine's shared Postgres (STYLE.md §11).
 */
export class PrivatePostgres extends PostgresServer {
  /** @param settings extra server settings, e.g. `{ wal_level: 'replica' }`. */
  constructor(settings: Record<string, string> = {}) {
    super(settings);
  }

  async start(): Promise<this> {
    await this.prepare('scim-pg-');
    this.run('initdb', ['-D', this.dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
    this.startServer('-c max_connections=100 -c shared_buffers=32MB');
    return this;
  }

  /** The postmaster and all its children (backends and background processes). */
  private processes(): number[] {
    const postmaster = Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return [postmaster, ...childrenOf(postmaster)];
  }

  /** SIGSTOP on every process of the cluster: connections stay open, nothing answers. */
  freeze(): void {
    for (const pid of this.processes()) process.kill(pid, 'SIGSTOP');
  }

  thaw(): void {
    for (const pid of this.processes()) process.kill(pid, 'SIGCONT');
  }

  /** Thaws the cluster if frozen, then stops it and removes its files. */
  override stop(): void {
    if (!this.dir) return;
    try {
      this.thaw();
    } catch {
      // Already stopped.
    }
    super.stop();
  }
}
