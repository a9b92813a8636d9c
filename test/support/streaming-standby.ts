import { PostgresServer } from './postgres-server';

/**
 * A streaming replica of a Postgres the test started (PrivatePostgres, with replication allowed
 * from 127.0.0.1, which initdb's trust setup does): `pg_basebackup -R`, then a hot standby on a
 * free loopback port, as user postgres when run as root.
 */
export class StreamingStandby extends PostgresServer {
  /** @param settings extra standby settings, e.g. `{ recovery_min_apply_delay: '300ms' }`. */
  constructor(
    private readonly primaryPort: number,
    settings: Record<string, string> = {},
  ) {
    super(settings);
  }

  async start(): Promise<this> {
    await this.prepare('scim-pg-standby-');
    // -R writes standby.signal and primary_conninfo: the copy starts as a streaming standby.
    this.run('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(this.primaryPort),
      '-U',
      'postgres',
      '-D',
      this.dataDir,
      '-R',
      '-X',
      'stream',
      '--no-sync',
      // Checkpoint at once rather than spread over checkpoint_timeout.
      '--checkpoint=fast',
    ]);
    this.startServer('-c hot_standby=on');
    return this;
  }
}
