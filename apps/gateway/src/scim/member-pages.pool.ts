import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { DatabaseCircuit, createGuardedPool, type GuardedPool, type SqlRows } from '@scim/directory';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';

/**
 * Group members are read through a small pool of their own, with the longer member-page time
 * limit: member reads, however many and however slow their clients, never take the connections
 * that other requests need.
 */
@Injectable()
export class MemberPagesPool implements OnApplicationShutdown {
  private readonly pool: GuardedPool;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig, circuit: DatabaseCircuit) {
    this.pool = createGuardedPool({
      url: config.databaseUrl,
      // Each page is one short statement, so a few connections serve many streams.
      poolSize: config.pools.memberPages,
      applicationName: 'scim-gateway-members',
      statementTimeoutMs: config.memberPageTimeoutMs,
      poolMode: config.dbPoolMode,
      circuit,
    });
    this.pool.on('error', () => undefined);
  }

  readonly rows: SqlRows = (sql, params) => this.pool.rows(sql, params);

  // Not awaited: closing connections to a frozen server would never finish.
  onApplicationShutdown(): void {
    this.pool.end().catch(() => undefined);
  }
}
