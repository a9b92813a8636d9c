import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { logLevelsFrom } from '@scim/config';
import { loadNotifierConfig } from './config/notifier.config';
import { NotifierModule } from './notifier.module';

/** The notifier: no HTTP; runs until SIGTERM. */
async function bootstrap(): Promise<void> {
  const config = loadNotifierConfig();
  const app = await NestFactory.createApplicationContext(NotifierModule.register(config), { logger: logLevelsFrom(config.logLevel) });
  app.enableShutdownHooks();
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
