import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { closeOnSignals, logLevelsFrom } from '@scim/config';
import { loadWorkerConfig } from './config/worker.config';
import { WorkerModule } from './worker.module';

/** The directory worker: no HTTP, consumes the `directory` queue until SIGTERM. */
async function bootstrap(): Promise<void> {
  const config = loadWorkerConfig();
  const app = await NestFactory.createApplicationContext(WorkerModule.register(config), { logger: logLevelsFrom(config.logLevel) });
  closeOnSignals(app, (message) => Logger.log(message, 'Worker'));
  // The connection budget this process takes (README, "Running at scale").
  Logger.log(`Worker started: concurrency ${config.concurrency}, up to ${config.dbPoolSize} Postgres connections`, 'Worker');
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
