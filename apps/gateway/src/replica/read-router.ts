import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import {
  DatabaseUnavailableError,
  GroupRepository,
  UserRepository,
  createGuardedPool,
  type GuardedPool,
  type SqlRows,
} from '@scim/directory';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { DirectoryClient } from '../queue/directory.client';
import { MemberPagesPool } from '../scim/member-pages.pool';
import { ReplicaProgress, parseLsn } from './replica-progress';

export type ReadTarget = 'primary' | 'replica';

/** The repositories a read uses, on one database. */
export interface DirectoryReads {
  target: ReadTarget;
  users: UserRepository;
  groups: GroupRepository;
}

/** How often the primary's and the replica's WAL positions are compared. */
const POLL_MS = 100;
/** A replica that does not answer its poll within this long is treated as down until it does. */
const POLL_TIMEOUT_MS = 1000;
/** Tenants whose last write the replica shows are forgotten (they read from the replica anyway). */
const FORGET_WRITES_EVERY_MS = 10_000;

function isUnavailable(error: unknown): boolean {
  const driverError = (error as { driverError?: unknown } | undefined)?.driverError ?? error;
  return driverError instanceof DatabaseUnavailableError;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error as Error)),
    );
  });
}

/**
 * Sends the gateway's reads to DATABASE_READ_URL (a streaming replica) when it is set, while
 * keeping read-your-writes: a tenant reads from the primary from its write's answer until the
 * replica has replayed a WAL position the primary had after that answer (ReplicaProgress, polled
 * every 100 ms on both). A replica that fails its poll or a read's connection is left alone until
 * it answers again, and the read is run on the primary: reads degrade to the primary, never hang
 * on a replica that is gone. Per gateway process: it knows the writes it answered.
 */
@Injectable()
export class ReadRouter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ReadRouter.name);
  readonly primary: DirectoryReads;
  private readonly replica?: DirectoryReads;
  private readonly replicaPools: GuardedPool[] = [];
  private readonly progress = new ReplicaProgress();
  /** Tenant → moment (performance.now()) of its last write's answer. */
  private readonly lastWrite = new Map<string, number>();
  private replicaUp = false;
  private polling = false;
  private timer?: NodeJS.Timeout;
  private forgetTimer?: NodeJS.Timeout;
  private readonly reads?: Counter<'target'>;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly dataSource: DataSource,
    pages: MemberPagesPool,
    directory: DirectoryClient,
    metrics: GatewayMetrics,
  ) {
    this.primary = {
      target: 'primary',
      users: new UserRepository(dataSource),
      groups: new GroupRepository(dataSource, pages.rows),
    };
    if (metrics.registry) {
      this.reads = new Counter({
        name: 'scim_db_reads_total',
        help: 'SCIM reads by the database they were sent to (primary, or the DATABASE_READ_URL replica).',
        labelNames: ['target'],
        registers: [metrics.registry],
      });
      for (const target of ['primary', 'replica'] as const) this.reads.inc({ target }, 0);
    }
    if (!config.databaseReadUrl) return;
    // Not registered with the primary's circuit: the replica is watched by its own poll.
    const main = createGuardedPool({
      url: config.databaseReadUrl,
      poolSize: config.pools.main,
      applicationName: 'scim-gateway-replica',
      statementTimeoutMs: config.statementTimeoutMs,
      poolMode: config.dbPoolMode,
    });
    const memberPages = createGuardedPool({
      url: config.databaseReadUrl,
      poolSize: config.pools.memberPages,
      applicationName: 'scim-gateway-replica-members',
      statementTimeoutMs: config.memberPageTimeoutMs,
      poolMode: config.dbPoolMode,
    });
    for (const pool of [main, memberPages]) pool.on('error', () => undefined);
    this.replicaPools.push(main, memberPages);
    const replicaRows: SqlRows = (sql, params) => main.rows(sql, params);
    this.replica = {
      target: 'replica',
      users: new UserRepository(replicaRows),
      groups: new GroupRepository(replicaRows, memberPages.rows.bind(memberPages)),
    };
    directory.onWritten((tenantId) => this.lastWrite.set(tenantId, performance.now()));
  }

  onModuleInit(): void {
    if (!this.replica) return;
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    this.timer.unref();
    this.forgetTimer = setInterval(() => this.forgetCaughtUp(), FORGET_WRITES_EVERY_MS);
    this.forgetTimer.unref();
    void this.poll();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    clearInterval(this.forgetTimer);
    // Not awaited: closing connections to a frozen server would never finish.
    for (const pool of this.replicaPools) pool.end().catch(() => undefined);
  }

  /** Where this tenant's reads go now. */
  pick(tenantId: string): DirectoryReads {
    const reads = this.choose(tenantId);
    this.reads?.inc({ target: reads.target });
    return reads;
  }

  /**
   * Runs a read on the database pick() chooses; when the replica cannot be reached, again on the
   * primary (a statement that ran out of time on the replica is not repeated: that would double
   * the load of an expensive query).
   */
  async read<T>(tenantId: string, run: (reads: DirectoryReads) => Promise<T>): Promise<T> {
    const reads = this.pick(tenantId);
    try {
      return await run(reads);
    } catch (error) {
      if (reads.target !== 'replica' || !isUnavailable(error)) throw error;
      this.markReplicaDown(error);
      this.reads?.inc({ target: 'primary' });
      return run(this.primary);
    }
  }

  private choose(tenantId: string): DirectoryReads {
    if (!this.replica || !this.replicaUp) return this.primary;
    const written = this.lastWrite.get(tenantId);
    return written === undefined || this.progress.shows(written) ? this.replica : this.primary;
  }

  private markReplicaDown(error: unknown): void {
    if (!this.replicaUp) return;
    this.replicaUp = false;
    this.logger.warn(
      `The read replica is unavailable (${error instanceof Error ? error.message : String(error)}); reads go to the primary until it answers`,
    );
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const at = performance.now();
      const primary: { lsn: string }[] = await withTimeout(
        this.dataSource.query('SELECT pg_current_wal_lsn()::text AS lsn'),
        POLL_TIMEOUT_MS,
      );
      this.progress.primaryAt(at, parseLsn(primary[0]!.lsn));
    } catch {
      // The primary did not answer: its own watchdog deals with that; the replica is judged below.
    }
    try {
      const replica = await withTimeout(
        this.replicaPools[0]!.rows<{ lsn: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS lsn', []),
        POLL_TIMEOUT_MS,
      );
      const lsn = replica[0]?.lsn;
      if (!lsn) throw new Error('DATABASE_READ_URL is not a streaming replica (pg_last_wal_replay_lsn() is null)');
      this.progress.replicaReplayed(parseLsn(lsn));
      if (!this.replicaUp)
        this.logger.log('Reads go to the replica (DATABASE_READ_URL) for tenants it has caught up on');
      this.replicaUp = true;
    } catch (error) {
      this.markReplicaDown(error);
    } finally {
      this.polling = false;
    }
  }

  private forgetCaughtUp(): void {
    for (const [tenantId, written] of this.lastWrite) {
      if (this.progress.shows(written)) this.lastWrite.delete(tenantId);
    }
  }
}
