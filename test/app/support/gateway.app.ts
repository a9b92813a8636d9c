import { after, before } from 'node:test';
import type { INestApplicationContext } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { TenantRepository, createDirectoryDataSource, type TenantChanges } from '@scim/directory';
import { createTestDatabase, uniqueQueuePrefix } from '@scim/directory/testing';
// The app tier boots the apps' own modules (apps have no package name), hence the relative paths.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { loadGatewayConfig } from '../../../apps/gateway/src/config/gateway.config';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createGatewayApp } from '../../../apps/gateway/src/gateway.app';
import { REDIS_URL, deleteQueueKeys } from '../../support/stack';
import { InjectClient } from './inject-client';
import { MemoryLog } from './memory-log';
import { startWorkerApp } from './worker.app';

export interface AppStackOptions {
  label: string;
  /** Boot the worker's module in this process too (writes need one; without it they wait and time out). */
  worker?: boolean;
  /** Environment of the gateway (the worker gets DATABASE_URL, REDIS_URL and QUEUE_PREFIX only). */
  env?: Record<string, string>;
}

/**
 * The app tier's stack for one test file: a fresh database and queue prefix on the shared
 * Postgres and Redis, the gateway module booted in this process (driven with `inject`, no port),
 * and optionally the worker's module beside it.
 */
export class AppStack {
  gateway!: NestFastifyApplication;
  worker?: INestApplicationContext;
  gatewayLog!: MemoryLog;
  workerLog?: MemoryLog;
  databaseUrl = '';
  queuePrefix = '';
  /** The Redis the apps use; a test may point it at a port where nothing listens. */
  redisUrl = REDIS_URL;
  dataSource!: DataSource;
  tenants!: TenantRepository;
  private dropDatabase?: () => Promise<void>;
  private gatewayClosed = false;

  constructor(private readonly options: AppStackOptions) {}

  /** The SCIM base of `meta.location` and Location headers. */
  get scimUrl(): string {
    return `${this.env['PUBLIC_URL']}/api/scim`;
  }

  get env(): Record<string, string> {
    return {
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.redisUrl,
      QUEUE_PREFIX: this.queuePrefix,
      PUBLIC_URL: 'http://scim.test',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_SECOND: '1000000',
      RATE_LIMIT_BURST: '1000000',
      ...this.options.env,
    };
  }

  async start(): Promise<this> {
    const database = await createTestDatabase(this.options.label);
    this.databaseUrl = database.url;
    this.dropDatabase = database.drop;
    this.queuePrefix = uniqueQueuePrefix(this.options.label);
    this.dataSource = createDirectoryDataSource({ url: this.databaseUrl, poolSize: 2 });
    await this.dataSource.initialize();
    this.tenants = new TenantRepository(this.dataSource);
    const config = loadGatewayConfig(this.env);
    this.gatewayLog = new MemoryLog('gateway', config.logLevel);
    this.gateway = await createGatewayApp(config, this.gatewayLog.logger);
    await this.gateway.init();
    await this.gateway.getHttpAdapter().getInstance().ready();
    if (this.options.worker) await this.startWorker();
    return this;
  }

  async startWorker(): Promise<INestApplicationContext> {
    const { app, log } = await startWorkerApp({
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.redisUrl,
      QUEUE_PREFIX: this.queuePrefix,
    });
    this.worker = app;
    this.workerLog = log;
    return app;
  }

  async stopWorker(): Promise<void> {
    await this.worker?.close();
    this.worker = undefined;
  }

  async createTenant(changes: Partial<TenantChanges> = {}): Promise<{ tenantId: string; token: string }> {
    const { tenant, token } = await this.tenants.create({
      name: `tenant-${Math.random().toString(36).slice(2, 8)}`,
      ...changes,
    });
    return { tenantId: tenant.id, token };
  }

  /** A SCIM client of the in-process gateway; `token` undefined sends no Authorization header. */
  client(token: string | undefined): InjectClient {
    return new InjectClient(this.gateway, token);
  }

  /** Closes the gateway as SIGTERM would (shutdown hooks run: pending batches are flushed). */
  async closeGateway(): Promise<void> {
    if (this.gatewayClosed || !this.gateway) return;
    this.gatewayClosed = true;
    await this.gateway.close();
  }

  async stop(): Promise<void> {
    await this.stopWorker();
    await this.closeGateway();
    if (this.dataSource?.isInitialized) await this.dataSource.destroy();
    await this.dropDatabase?.();
    await deleteQueueKeys(this.queuePrefix, this.redisUrl).catch(() => undefined);
  }
}

/**
 * An AppStack for the enclosing `describe`: started, with one tenant, before its tests and stopped
 * after them. `tenant` is filled in by the time the tests run.
 */
export function useAppStack(
  options: AppStackOptions,
  changes: Partial<TenantChanges> = {},
): { stack: AppStack; tenant: { tenantId: string; token: string } } {
  const stack = new AppStack(options);
  const tenant = { tenantId: '', token: '' };
  before(async () => {
    await stack.start();
    Object.assign(tenant, await stack.createTenant(changes));
  });
  after(async () => {
    await stack.stop();
  });
  return { stack, tenant };
}
