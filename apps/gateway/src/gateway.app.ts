import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { NestPinoLogger, type Logger } from '@scim/telemetry';
import type { GatewayConfig } from './config/gateway.config';
import { GatewayModule } from './gateway.module';
import {
  MAX_BODY_BYTES,
  registerScimBodyParsing,
  scimClientErrorHandler,
  scimFrameworkErrors,
} from './http/fastify-setup';
import { registerRequestTelemetry, requestIdOf } from './http/request-telemetry';
import { serverTimeouts } from './http/server-timeouts';
import { GatewayMetrics } from './metrics/gateway-metrics';
import { TenantThrottle } from './throttle/tenant-throttle.service';

/**
 * The gateway as main.ts runs it, initialised but not listening: main.ts listens on a port, the
 * app tests (test/app) drive it in-process with Fastify's `inject`.
 */
export async function createGatewayApp(config: GatewayConfig, logger: Logger): Promise<NestFastifyApplication> {
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
  return app;
}
