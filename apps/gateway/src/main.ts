import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { NestPinoLogger, createLogger, logFatal } from '@scim/telemetry';
import { loadGatewayConfig } from './config/gateway.config';
import { GatewayModule } from './gateway.module';
import {
  MAX_BODY_BYTES,
  registerScimBodyParsing,
  scimClientErrorHandler,
  scimFrameworkErrors,
} from './http/fastify-setup';
import { registerRequestTelemetry, requestIdOf } from './http/request-telemetry';
import { GatewayMetrics } from './metrics/gateway-metrics';
import { QUEUE_DASHBOARD_PATH } from './operator/queue-dashboard';
import { TenantThrottle } from './throttle/tenant-throttle.service';
import { serverTimeouts } from './http/server-timeouts';
import { closeOnSignals } from '@scim/config';

async function bootstrap(): Promise<void> {
  const config = loadGatewayConfig();
  const logger = createLogger({ app: 'gateway', level: config.logLevel, format: config.logFormat });
  const adapter = new FastifyAdapter({
    bodyLimit: MAX_BODY_BYTES,
    ...serverTimeouts(config.writeTimeoutMs),
    // Errors raised before Nest sees the request are SCIM errors too.
    frameworkErrors: scimFrameworkErrors,
    clientErrorHandler: scimClientErrorHandler,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 500 },
    genReqId: requestIdOf,
  });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.register(config), adapter, {
    logger: new NestPinoLogger(logger),
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  // First, so that every answer (even to a URL refused at the door) carries its X-Request-Id and is logged.
  registerRequestTelemetry(fastify, logger, app.get(GatewayMetrics).http);
  registerScimBodyParsing(fastify);
  app.get(TenantThrottle).register(fastify);
  closeOnSignals(app, (message) => Logger.log(message, 'Gateway'));
  await app.listen(config.port, '0.0.0.0');
  const { perSecond, burst } = config.rateLimit;
  Logger.log(
    `Gateway listening on :${config.port}, SCIM base ${config.publicUrl}/api/scim, up to ${config.dbPoolSize} Postgres connections, ` +
      `rate limit ${perSecond}/s (burst ${burst}) per tenant, metrics ${config.metrics ? 'on /metrics' : 'off'}, ` +
      `queue dashboard ${config.operatorToken ? `on ${QUEUE_DASHBOARD_PATH}` : 'off (no OPERATOR_TOKEN)'}`,
    'Gateway',
  );
}

bootstrap().catch((error: unknown) => {
  logFatal('gateway', error);
  process.exit(1);
});
