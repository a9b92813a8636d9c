import { ConfigError, DEFAULT_WORKER_CONCURRENCY } from '@scim/config';
import { loadWorkerConfig } from './worker.config';

describe('loadWorkerConfig: the connection budget of one worker', () => {
  it('defaults to a fixed concurrency of 16 and a pool of concurrency + 2, whatever the host', () => {
    const config = loadWorkerConfig({});
    expect(DEFAULT_WORKER_CONCURRENCY).toBe(16);
    expect(config.concurrency).toBe(16);
    expect(config.dbPoolSize).toBe(18);
  });

  it('sizes the pool from WORKER_CONCURRENCY when only that is set', () => {
    expect(loadWorkerConfig({ WORKER_CONCURRENCY: '8' })).toMatchObject({ concurrency: 8, dbPoolSize: 10 });
  });

  it('takes an explicit DB_POOL_SIZE at or above the concurrency', () => {
    expect(loadWorkerConfig({ WORKER_CONCURRENCY: '8', DB_POOL_SIZE: '8' })).toMatchObject({
      concurrency: 8,
      dbPoolSize: 8,
    });
    expect(loadWorkerConfig({ DB_POOL_SIZE: '40' })).toMatchObject({ concurrency: 16, dbPoolSize: 40 });
  });

  it('refuses a pool smaller than the concurrency, naming both numbers', () => {
    expect(() => loadWorkerConfig({ WORKER_CONCURRENCY: '16', DB_POOL_SIZE: '10' })).toThrow(ConfigError);
    expect(() => loadWorkerConfig({ DB_POOL_SIZE: '4' })).toThrow(
      'DB_POOL_SIZE: must be at least WORKER_CONCURRENCY (16), since every running job holds a Postgres connection; unset it (default WORKER_CONCURRENCY + 2) or lower WORKER_CONCURRENCY (got 4)',
    );
  });
});
