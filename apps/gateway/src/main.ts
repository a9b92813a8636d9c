import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createLogger, logFatal } from '@scim/telemetry';
import { loadGatewayConfig } from './config/gateway.config';
import { createGatewayApp } from './gateway.app';
import { QUEUE_DASHBOARD_PATH } from './operator/queue-dashboard';
import { closeOnSignals } from '@scim/config';

async function bootstrap(): Promise<void> {
  const config = loadGatewayConfig();
  const logger = createLogger({ app: 'gateway', level: config.logLevel, format: config.logFormat });
  const app = await createGatewayApp(config, logger);
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
