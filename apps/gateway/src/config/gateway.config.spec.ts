import { ConfigError } from '@scim/config';
import { loadGatewayConfig } from './gateway.config';

describe('loadGatewayConfig: the connections and time limits of one gateway', () => {
  it('splits DB_POOL_SIZE (20 by default) so that the process never holds more than that', () => {
    const config = loadGatewayConfig({});
    expect(config.dbPoolSize).toBe(20);
    expect(config.pools).toEqual({ main: 15, memberPages: 4, watchdog: 1 });
    expect(loadGatewayConfig({ DB_POOL_SIZE: '10' }).pools).toEqual({ main: 7, memberPages: 2, watchdog: 1 });
    expect(loadGatewayConfig({ DB_POOL_SIZE: '3' }).pools).toEqual({ main: 1, memberPages: 1, watchdog: 1 });
    expect(loadGatewayConfig({ DB_POOL_SIZE: '100' }).pools).toEqual({ main: 95, memberPages: 4, watchdog: 1 });
  });

  it('refuses a pool too small to split', () => {
    expect(() => loadGatewayConfig({ DB_POOL_SIZE: '2' })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ DB_POOL_SIZE: '2' })).toThrow(
      /DB_POOL_SIZE: the gateway needs at least 3 connections/,
    );
  });

  it('reads the time limits and the caps on big member reads', () => {
    expect(loadGatewayConfig({})).toMatchObject({
      statementTimeoutMs: 5000,
      memberPageTimeoutMs: 15000,
      memberStreamsPerTenant: 2,
      memberStreamsPerProcess: 8,
    });
    expect(
      loadGatewayConfig({
        DB_STATEMENT_TIMEOUT_MS: '2000',
        DB_MEMBER_PAGE_TIMEOUT_MS: '9000',
        MEMBER_STREAMS_PER_TENANT: '1',
        MEMBER_STREAMS_PER_PROCESS: '3',
      }),
    ).toMatchObject({
      statementTimeoutMs: 2000,
      memberPageTimeoutMs: 9000,
      memberStreamsPerTenant: 1,
      memberStreamsPerProcess: 3,
    });
  });
});
