import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DatabaseCircuit, DatabaseWatchdog } from '@scim/directory';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';

/**
 * Runs the database watchdog for the gateway's lifetime: while Postgres does not answer its
 * health check within 1 s (down, or frozen), the circuit is open, reads answer 503 at once, running
 * queries end and waiting writes are answered (DirectoryClient), all within about 2 s.
 */
@Injectable()
export class DatabaseWatchdogService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('DatabaseWatchdog');
  private readonly watchdog: DatabaseWatchdog;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig, circuit: DatabaseCircuit) {
    this.watchdog = new DatabaseWatchdog(config.databaseUrl, circuit, { applicationName: 'scim-gateway-watchdog' });
    circuit.onOpen((reason) => this.logger.warn(`Postgres: ${reason}; answering 503 until it answers again`));
  }

  onModuleInit(): void {
    this.watchdog.start();
  }

  onApplicationShutdown(): void {
    this.watchdog.stop();
  }
}
