import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ADMIN_CONTROLLERS, ADMIN_PROVIDERS } from './admin/admin.providers';
import { DatabaseCircuit, TenantRepository, directoryDataSourceOptions } from '@scim/directory';
import { ScimAuthGuard } from './auth/scim-auth.guard';
import { TenantAuthService } from './auth/tenant-auth.service';
import { GATEWAY_CONFIG, type GatewayConfig } from './config/gateway.config';
import { DatabaseWatchdogService } from './health/database-watchdog.service';
import { DependencyProbe } from './health/dependency-probe.service';
import { HealthController } from './health/health.controller';
import { GatewayMetrics } from './metrics/gateway-metrics';
import { MetricsController } from './metrics/metrics.controller';
import { QueueDashboard } from './operator/queue-dashboard';
import { DirectoryClient } from './queue/directory.client';
import { ReadRouter } from './replica/read-router';
import { ScimExceptionFilter } from './scim-exception.filter';
import { BulkController } from './scim/bulk.controller';
import { DiscoveryController } from './scim/discovery.controller';
import { GroupsController } from './scim/groups.controller';
import { MemberPagesPool } from './scim/member-pages.pool';
import { MemberStreamLimiter } from './scim/member-stream.limiter';
import { ScimBulkService } from './scim/scim-bulk.service';
import { RootSearchController } from './scim/root-search.controller';
import { ScimSearchService } from './scim/scim-search.service';
import { ScimGroupsService } from './scim/scim-groups.service';
import { ScimUsersService } from './scim/scim-users.service';
import { UsersController } from './scim/users.controller';
import { TenantThrottle } from './throttle/tenant-throttle.service';

@Module({})
export class GatewayModule {
  static register(config: GatewayConfig): DynamicModule {
    // Opened by the watchdog while Postgres does not answer; shared by both pools.
    const circuit = new DatabaseCircuit();
    return {
      module: GatewayModule,
      imports: [
        TypeOrmModule.forRoot({
          ...directoryDataSourceOptions({
            url: config.databaseUrl,
            poolSize: config.pools.main,
            applicationName: 'scim-gateway',
            statementTimeoutMs: config.statementTimeoutMs,
            poolMode: config.dbPoolMode,
            circuit,
          }),
          // Start even when Postgres is down: /health reports it and requests answer 503.
          retryAttempts: 0,
          manualInitialization: false,
        }),
      ],
      controllers: [
        UsersController,
        GroupsController,
        BulkController,
        RootSearchController,
        DiscoveryController,
        HealthController,
        MetricsController,
        ...ADMIN_CONTROLLERS,
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: DatabaseCircuit, useValue: circuit },
        DatabaseWatchdogService,
        MemberPagesPool,
        MemberStreamLimiter,
        { provide: TenantRepository, useFactory: (ds: DataSource) => new TenantRepository(ds), inject: [DataSource] },
        TenantAuthService,
        ScimAuthGuard,
        DirectoryClient,
        DependencyProbe,
        ReadRouter,
        ScimUsersService,
        ScimGroupsService,
        ScimBulkService,
        ScimSearchService,
        GatewayMetrics,
        TenantThrottle,
        QueueDashboard,
        ...ADMIN_PROVIDERS,
        { provide: APP_FILTER, useClass: ScimExceptionFilter },
      ],
    };
  }
}
