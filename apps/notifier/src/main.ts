import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { closeOnSignals, logLevelsFrom } from '@scim/config';
import { loadNotifierConfig } from './config/notifier.config';
import { NotifierModule } from './notifier.module';

/** The notifier: no HTTP; runs until SIGTERM. */
async function bootstrap(): Promise<void> {
  const config = loadNotifierConfig();
  const app = await NestFactory.createApplicationContext(NotifierModule.register(config), { logger: logLevelsFrom(config.logLevel) });
  closeOnSignals(app, (message) => Logger.log(message, 'Notifier'));
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
