import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { closeOnSignals } from '@scim/config';
import { NestPinoLogger, createLogger, logFatal } from '@scim/telemetry';
import { loadWorkerConfig } from './config/worker.config';
import { WorkerModule } from './worker.module';

/** The directory worker: no HTTP but METRICS_PORT's; consumes the `directory` queue until SIGTERM. */
async function bootstrap(): Promise<void> {
  const config = loadWorkerConfig();
  const logger = createLogger({ app: 'worker', level: config.logLevel, format: config.logFormat });
  const app = await NestFactory.createApplicationContext(WorkerModule.register(config, logger), {
    logger: new NestPinoLogger(logger),
  });
  closeOnSignals(app, (message) => Logger.log(message, 'Worker'));
  // The connection budget this process takes (README, "Running at scale").
  Logger.log(
    `Worker started: processing "directory" with concurrency ${config.concurrency}, up to ${config.dbPoolSize} Postgres connections, ` +
      (config.metricsPort !== undefined
        ? `/metrics and /health on :${config.metricsPort}`
        : 'no metrics listener (METRICS_PORT unset)'),
    'Worker',
  );
}

bootstrap().catch((error: unknown) => {
  logFatal('worker', error);
  process.exit(1);
});
