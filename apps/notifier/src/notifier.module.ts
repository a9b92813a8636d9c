import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { directoryDataSourceOptions } from '@scim/directory';
import { NotificationStore } from '@scim/notifications';
import { NOTIFIER_POOL_SIZE } from '@scim/config';
import { NOTIFIER_CONFIG, type NotifierConfig } from './config/notifier.config';
import { APP_LOGGER, type Logger } from '@scim/telemetry';
import { ConsoleMailService } from './console-mail.service';
import { DigestScheduler } from './digest.scheduler';
import { NotificationsProcessor } from './notifications.processor';
import { DigestTelemetry } from './telemetry/digest.telemetry';
import { NotifierOps } from './telemetry/notifier-ops.service';

@Module({})
export class NotifierModule {
  static register(config: NotifierConfig, logger: Logger): DynamicModule {
    return {
      module: NotifierModule,
      imports: [
        TypeOrmModule.forRoot({
          ...directoryDataSourceOptions({
            url: config.databaseUrl,
            poolSize: NOTIFIER_POOL_SIZE,
            applicationName: `scim-notifier-${process.pid}`,
          }),
          retryAttempts: 10,
          retryDelay: 1000,
        }),
      ],
      providers: [
        { provide: NOTIFIER_CONFIG, useValue: config },
        { provide: APP_LOGGER, useValue: logger },
        { provide: NotificationStore, useFactory: (ds: DataSource) => new NotificationStore(ds), inject: [DataSource] },
        ConsoleMailService,
        NotificationsProcessor,
        NotifierOps,
        DigestTelemetry,
        DigestScheduler,
      ],
    };
  }
}
