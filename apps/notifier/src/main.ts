import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { closeOnSignals } from '@scim/config';
import { NestPinoLogger, createLogger, logFatal } from '@scim/telemetry';
import { loadNotifierConfig } from './config/notifier.config';
import { NotifierModule } from './notifier.module';

/** The notifier: no HTTP but METRICS_PORT's; runs until SIGTERM. */
async function bootstrap(): Promise<void> {
  const config = loadNotifierConfig();
  const logger = createLogger({ app: 'notifier', level: config.logLevel, format: config.logFormat });
  const app = await NestFactory.createApplicationContext(NotifierModule.register(config, logger), {
    logger: new NestPinoLogger(logger),
  });
  closeOnSignals(app, (message) => Logger.log(message, 'Notifier'));
  Logger.log(
    `Notifier ready: digest window ${config.digestMs} ms, SMTP ${new URL(config.smtpUrl).host}, ` +
      (config.metricsPort !== undefined
        ? `/metrics and /health on :${config.metricsPort}`
        : 'no metrics listener (METRICS_PORT unset)'),
    'Notifier',
  );
}

bootstrap().catch((error: unknown) => {
  logFatal('notifier', error);
  process.exit(1);
});
