import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DirectoryWriter, TenantRepository, TenantSettingsCache, directoryDataSourceOptions } from '@scim/directory';
import { APP_LOGGER, type Logger } from '@scim/telemetry';
import { WORKER_CONFIG, type WorkerConfig } from './config/worker.config';
import { DirectoryProcessor } from './directory.processor';
import { NotificationsProducer } from './notifications.producer';
import { WorkerOps } from './telemetry/worker-ops.service';
import { WriteTelemetry } from './telemetry/write.telemetry';

@Module({})
export class WorkerModule {
  static register(config: WorkerConfig, logger: Logger): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        TypeOrmModule.forRoot({
          ...directoryDataSourceOptions({
            url: config.databaseUrl,
            poolSize: config.dbPoolSize,
            applicationName: `scim-worker-${process.pid}`,
            statementTimeoutMs: config.statementTimeoutMs,
            poolMode: config.dbPoolMode,
          }),
          retryAttempts: 10,
          retryDelay: 1000,
        }),
      ],
      providers: [
        { provide: WORKER_CONFIG, useValue: config },
        { provide: APP_LOGGER, useValue: logger },
        WorkerOps,
        WriteTelemetry,
        NotificationsProducer,
        {
          provide: DirectoryWriter,
          useFactory: (ds: DataSource, notifications: NotificationsProducer) =>
            new DirectoryWriter(ds, new TenantSettingsCache(new TenantRepository(ds)), notifications),
          inject: [DataSource, NotificationsProducer],
        },
        DirectoryProcessor,
      ],
    };
  }
}
