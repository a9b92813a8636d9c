import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestPinoLogger } from '@scim/telemetry';
// The app tier boots the apps' own modules (apps have no package name), hence the relative paths.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { loadWorkerConfig } from '../../../apps/worker/src/config/worker.config';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { WorkerModule } from '../../../apps/worker/src/worker.module';
import { MemoryLog } from './memory-log';

/** The worker's module booted in this process, as main.ts boots it, consuming the test's queue. */
export async function startWorkerApp(
  env: Record<string, string>,
): Promise<{ app: INestApplicationContext; log: MemoryLog }> {
  const config = loadWorkerConfig({ LOG_LEVEL: 'warn', WORKER_CONCURRENCY: '4', ...env });
  const log = new MemoryLog('worker', config.logLevel);
  const app = await NestFactory.createApplicationContext(WorkerModule.register(config, log.logger), {
    logger: new NestPinoLogger(log.logger),
  });
  return { app, log };
}
