import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadGatewayConfig } from './config/gateway.config';
import { GatewayModule } from './gateway.module';
import { MAX_BODY_BYTES, registerScimBodyParsing, scimClientErrorHandler, scimFrameworkErrors } from './http/fastify-setup';
import { serverTimeouts } from './http/server-timeouts';
import { closeOnSignals, logLevelsFrom } from '@scim/config';

async function bootstrap(): Promise<void> {
  const config = loadGatewayConfig();
  const adapter = new FastifyAdapter({
    bodyLimit: MAX_BODY_BYTES,
    ...serverTimeouts(config.writeTimeoutMs),
    // Errors raised before Nest sees the request are SCIM errors too.
    frameworkErrors: scimFrameworkErrors,
    clientErrorHandler: scimClientErrorHandler,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 500 },
  });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.register(config), adapter, {
    logger: logLevelsFrom(config.logLevel),
    bodyParser: false,
  });
  registerScimBodyParsing(app.getHttpAdapter().getInstance());
  closeOnSignals(app, (message) => Logger.log(message, 'Gateway'));
  await app.listen(config.port, '0.0.0.0');
  Logger.log(`Gateway listening on :${config.port}, SCIM base ${config.publicUrl}/api/scim, up to ${config.dbPoolSize} Postgres connections`, 'Gateway');
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
