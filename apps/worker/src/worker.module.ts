import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DirectoryWriter, TenantRepository, TenantSettingsCache, directoryDataSourceOptions } from '@scim/directory';
import { WORKER_CONFIG, type WorkerConfig } from './config/worker.config';
import { DirectoryProcessor } from './directory.processor';
import { NotificationsProducer } from './notifications.producer';

@Module({})
export class WorkerModule {
  static register(config: WorkerConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        TypeOrmModule.forRoot({
          ...directoryDataSourceOptions({
            url: config.databaseUrl,
            poolSize: config.dbPoolSize,
            applicationName: `scim-worker-${process.pid}`,
            statementTimeoutMs: config.statementTimeoutMs,
          }),
          retryAttempts: 10,
          retryDelay: 1000,
        }),
      ],
      providers: [
        { provide: WORKER_CONFIG, useValue: config },
        NotificationsProducer,
        {
          provide: DirectoryWriter,
          useFactory: (ds: DataSource, notifications: NotificationsProducer) => new DirectoryWriter(ds, new TenantSettingsCache(new TenantRepository(ds)), notifications),
          inject: [DataSource, NotificationsProducer],
        },
        DirectoryProcessor,
      ],
    };
  }
}
