import { ConfigError } from './env.config';
import { CLUSTER_QUEUE_PREFIX, loadRedisSettings } from './redis.config';

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadRedisSettings(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadRedisSettings', () => {
  it('uses REDIS_URL and QUEUE_PREFIX (default scim) without REDIS_CLUSTER_NODES', () => {
    expect(loadRedisSettings({})).toEqual({
      target: { mode: 'single', url: 'redis://127.0.0.1:6379' },
      queuePrefix: 'scim',
    });
    expect(loadRedisSettings({ REDIS_URL: 'rediss://cache:6380', QUEUE_PREFIX: '{stack-2}' })).toEqual({
      target: { mode: 'single', url: 'rediss://cache:6380' },
      queuePrefix: '{stack-2}',
    });
  });

  it('with REDIS_CLUSTER_NODES uses the cluster, ignores REDIS_URL and defaults the prefix to {scim}', () => {
    expect(
      loadRedisSettings({ REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, redis-b:7001,[::1]:7002', REDIS_URL: 'redis://x:1' }),
    ).toEqual({
      target: {
        mode: 'cluster',
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: 'redis-b', port: 7001 },
          { host: '::1', port: 7002 },
        ],
      },
      queuePrefix: CLUSTER_QUEUE_PREFIX,
    });
    expect(loadRedisSettings({ REDIS_CLUSTER_NODES: 'a:1', QUEUE_PREFIX: '' }).queuePrefix).toBe('{scim}');
    expect(loadRedisSettings({ REDIS_CLUSTER_NODES: 'a:1', QUEUE_PREFIX: 'prod-{scim}' }).queuePrefix).toBe(
      'prod-{scim}',
    );
  });

  it('refuses a cluster prefix without a hash tag, saying why', () => {
    expect(problems({ REDIS_CLUSTER_NODES: 'a:1', QUEUE_PREFIX: 'scim' })).toEqual([
      expect.stringMatching(
        /^QUEUE_PREFIX: on a Redis Cluster .* must contain a hash tag such as \{scim\}.*share one slot.*\(got "scim"\)$/,
      ),
    ]);
    expect(problems({ REDIS_CLUSTER_NODES: 'a:1', QUEUE_PREFIX: 'a{}b' })).toHaveLength(1);
  });

  it('names every bad node entry', () => {
    expect(problems({ REDIS_CLUSTER_NODES: 'good:7000,nohost,bad:0,bad:99999,:7000,x:y' })).toEqual([
      expect.stringContaining('(got "nohost")'),
      expect.stringContaining('(got "bad:0")'),
      expect.stringContaining('(got "bad:99999")'),
      expect.stringContaining('(got ":7000")'),
      expect.stringContaining('(got "x:y")'),
    ]);
  });

  it('still refuses a prefix with characters Redis keys should not carry', () => {
    expect(problems({ QUEUE_PREFIX: 'a:b' })).toEqual([expect.stringMatching(/^QUEUE_PREFIX: /)]);
  });
});
