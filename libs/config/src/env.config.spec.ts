import { ConfigError, ENV, loadEnv, type EnvName } from './env.config';

const ALL = Object.keys(ENV) as EnvName[];

/** Runs loadEnv expecting a ConfigError and returns it. */
function configError(names: readonly EnvName[], env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadEnv(names, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadEnv', () => {
  it('applies the defaults of DESIGN.md §3 when nothing is set', () => {
    expect(loadEnv(ALL, {})).toEqual({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/scim',
      REDIS_URL: 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: 'scim',
      PORT: 8080,
      PUBLIC_URL: 'http://localhost:8080',
      SMTP_URL: 'smtp://127.0.0.1:1025',
      MAIL_FROM: 'SCIM provisioning <provisioning@localhost>',
      NOTIFY_DIGEST_MS: 60000,
      NOTIFY_RETRY_MS: 15000,
      WRITE_TIMEOUT_MS: 30000,
      DB_POOL_MODE: 'session',
      DB_STATEMENT_TIMEOUT_MS: 5000,
      DB_MEMBER_PAGE_TIMEOUT_MS: 15000,
      MEMBER_STREAMS_PER_TENANT: 2,
      MEMBER_STREAMS_PER_PROCESS: 8,
      LOG_LEVEL: 'log',
      LOG_FORMAT: 'json',
      METRICS: 'on',
      RATE_LIMIT_PER_SECOND: 50,
      RATE_LIMIT_BURST: 100,
    });
  });

  it('leaves DATABASE_READ_URL and REDIS_CLUSTER_NODES unset by default, and refuses a read URL that is not Postgres', () => {
    expect(loadEnv(['DATABASE_READ_URL', 'REDIS_CLUSTER_NODES'], {})).toEqual({});
    expect(() => loadEnv(['DATABASE_READ_URL'], { DATABASE_READ_URL: 'mysql://replica/scim' })).toThrow(
      /DATABASE_READ_URL: must be a postgres:\/\/ URL/,
    );
    expect(() => loadEnv(['DB_POOL_MODE'], { DB_POOL_MODE: 'statement' })).toThrow(/DB_POOL_MODE/);
  });

  it('leaves METRICS_PORT and OPERATOR_TOKEN unset by default (no listener, no dashboard)', () => {
    expect(loadEnv(['METRICS_PORT', 'OPERATOR_TOKEN'], {})).toEqual({
      METRICS_PORT: undefined,
      OPERATOR_TOKEN: undefined,
    });
  });

  it('leaves WORKER_CONCURRENCY and DB_POOL_SIZE unset by default (each app applies its own fixed default)', () => {
    const config = loadEnv(['WORKER_CONCURRENCY', 'DB_POOL_SIZE'], {});
    expect(config.WORKER_CONCURRENCY).toBeUndefined();
    expect(config.DB_POOL_SIZE).toBeUndefined();
  });

  it('returns only the variables asked for', () => {
    expect(loadEnv(['PORT', 'QUEUE_PREFIX'], { PORT: '9090', DATABASE_URL: 'not a url' })).toEqual({
      PORT: 9090,
      QUEUE_PREFIX: 'scim',
    });
  });

  it('does not validate variables it was not asked for', () => {
    expect(() => loadEnv(['PORT'], { REDIS_URL: 'nonsense', PUBLIC_URL: 'nonsense' })).not.toThrow();
  });

  it('reads set values and converts numbers', () => {
    const config = loadEnv(ALL, {
      DATABASE_URL: 'postgresql://app:secret@db:5432/prod',
      REDIS_URL: 'rediss://cache:6380',
      QUEUE_PREFIX: 'stack-2',
      PORT: '3000',
      PUBLIC_URL: 'https://scim.example.com',
      SMTP_URL: 'smtps://mail.example.com:465',
      MAIL_FROM: 'Ops <ops@example.com>',
      NOTIFY_DIGEST_MS: '1000',
      NOTIFY_RETRY_MS: '500',
      WORKER_CONCURRENCY: '16',
      WRITE_TIMEOUT_MS: '5000',
      DB_POOL_SIZE: '20',
      DB_POOL_MODE: 'transaction',
      DB_STATEMENT_TIMEOUT_MS: '2500',
      DB_MEMBER_PAGE_TIMEOUT_MS: '30000',
      MEMBER_STREAMS_PER_TENANT: '1',
      MEMBER_STREAMS_PER_PROCESS: '4',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'pretty',
      METRICS_PORT: '9464',
      METRICS: 'off',
      RATE_LIMIT_PER_SECOND: '200',
      RATE_LIMIT_BURST: '400',
      OPERATOR_TOKEN: 'a-long-operator-token',
    });
    expect(config).toEqual({
      DATABASE_URL: 'postgresql://app:secret@db:5432/prod',
      REDIS_URL: 'rediss://cache:6380',
      QUEUE_PREFIX: 'stack-2',
      PORT: 3000,
      PUBLIC_URL: 'https://scim.example.com',
      SMTP_URL: 'smtps://mail.example.com:465',
      MAIL_FROM: 'Ops <ops@example.com>',
      NOTIFY_DIGEST_MS: 1000,
      NOTIFY_RETRY_MS: 500,
      WORKER_CONCURRENCY: 16,
      WRITE_TIMEOUT_MS: 5000,
      DB_POOL_SIZE: 20,
      DB_POOL_MODE: 'transaction',
      DB_STATEMENT_TIMEOUT_MS: 2500,
      DB_MEMBER_PAGE_TIMEOUT_MS: 30000,
      MEMBER_STREAMS_PER_TENANT: 1,
      MEMBER_STREAMS_PER_PROCESS: 4,
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'pretty',
      METRICS_PORT: 9464,
      METRICS: 'off',
      RATE_LIMIT_PER_SECOND: 200,
      RATE_LIMIT_BURST: 400,
      OPERATOR_TOKEN: 'a-long-operator-token',
    });
  });

  it('treats empty strings as unset (compose files pass them)', () => {
    const empty = Object.fromEntries(ALL.map((name) => [name, '']));
    expect(loadEnv(ALL, empty)).toEqual(loadEnv(ALL, {}));
  });

  it.each([
    ['http://localhost:8080/', 'http://localhost:8080'],
    ['https://scim.example.com///', 'https://scim.example.com'],
    ['https://example.com/tenant-a/', 'https://example.com/tenant-a'],
    ['https://example.com/tenant-a', 'https://example.com/tenant-a'],
  ])('removes the trailing slash of PUBLIC_URL %j', (input, expected) => {
    expect(loadEnv(['PUBLIC_URL'], { PUBLIC_URL: input }).PUBLIC_URL).toBe(expected);
  });

  it('reads process.env when no environment is given', () => {
    const saved = process.env['QUEUE_PREFIX'];
    process.env['QUEUE_PREFIX'] = 'from-process-env';
    try {
      expect(loadEnv(['QUEUE_PREFIX']).QUEUE_PREFIX).toBe('from-process-env');
    } finally {
      if (saved === undefined) delete process.env['QUEUE_PREFIX'];
      else process.env['QUEUE_PREFIX'] = saved;
    }
  });

  describe('bad values', () => {
    it.each<[EnvName, string]>([
      ['DATABASE_URL', 'mysql://localhost/scim'],
      ['REDIS_URL', 'http://127.0.0.1:6379'],
      ['QUEUE_PREFIX', 'has spaces'],
      ['QUEUE_PREFIX', 'a:b'],
      ['PORT', 'eighty'],
      ['PORT', '70000'],
      ['PORT', '-1'],
      ['PORT', '80.5'],
      ['PUBLIC_URL', 'not a url'],
      ['PUBLIC_URL', 'ftp://example.com'],
      ['SMTP_URL', 'mail.example.com'],
      ['MAIL_FROM', 'x'],
      ['NOTIFY_DIGEST_MS', '0'],
      ['NOTIFY_DIGEST_MS', 'soon'],
      ['NOTIFY_RETRY_MS', '-100'],
      ['WORKER_CONCURRENCY', '0'],
      ['WRITE_TIMEOUT_MS', '50'],
      ['DB_POOL_SIZE', '1000'],
      ['DB_STATEMENT_TIMEOUT_MS', '0'],
      ['DB_MEMBER_PAGE_TIMEOUT_MS', 'long'],
      ['MEMBER_STREAMS_PER_TENANT', '0'],
      ['MEMBER_STREAMS_PER_PROCESS', '1.5'],
      ['LOG_LEVEL', 'trace'],
      ['LOG_FORMAT', 'text'],
      ['METRICS_PORT', '0'],
      ['METRICS', 'yes'],
      ['RATE_LIMIT_PER_SECOND', '24'],
      ['RATE_LIMIT_PER_SECOND', 'fast'],
      ['RATE_LIMIT_BURST', '0'],
    ])('rejects %s=%j with a ConfigError naming the variable and the value', (name, value) => {
      const error = configError([name], { [name]: value });
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatch(new RegExp(`^${name}: `));
      expect(error.problems[0]).toContain(JSON.stringify(value));
      expect(error.message).toContain(name);
    });

    it('does not echo a bad OPERATOR_TOKEN, only its length', () => {
      const error = configError(['OPERATOR_TOKEN'], { OPERATOR_TOKEN: 'short-secret' });
      expect(error.problems).toEqual([
        'OPERATOR_TOKEN: must be at least 16 characters (e.g. openssl rand -hex 32) (got 12 characters)',
      ]);
      expect(error.message).not.toContain('short-secret');
    });

    // BUG (reported): z.coerce.number() turns a whitespace-only value into 0, so PORT=" " makes the
    // gateway listen on a random port instead of 8080 or failing.
    it('does not read a blank PORT as port 0', () => {
      let port: number | undefined;
      try {
        port = loadEnv(['PORT'], { PORT: ' ' }).PORT;
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return;
      }
      expect(port).toBe(8080);
    });

    it('lists every bad variable at once', () => {
      const error = configError(ALL, {
        DATABASE_URL: 'mysql://x',
        REDIS_URL: 'http://x',
        PORT: 'eighty',
        PUBLIC_URL: 'nope',
        SMTP_URL: 'nope',
        NOTIFY_DIGEST_MS: '0',
        NOTIFY_RETRY_MS: 'x',
        WRITE_TIMEOUT_MS: '1',
        QUEUE_PREFIX: 'bad prefix',
      });
      const named = error.problems.map((p) => p.split(':')[0]);
      expect(new Set(named)).toEqual(
        new Set([
          'DATABASE_URL',
          'REDIS_URL',
          'PORT',
          'PUBLIC_URL',
          'SMTP_URL',
          'NOTIFY_DIGEST_MS',
          'NOTIFY_RETRY_MS',
          'WRITE_TIMEOUT_MS',
          'QUEUE_PREFIX',
        ]),
      );
      for (const name of named) expect(error.message).toContain(`  - ${name}:`);
      expect(error.message).toMatch(/^Invalid configuration:\n/);
      expect(error.name).toBe('ConfigError');
    });

    it('reports only the bad variables, not the good ones around them', () => {
      const error = configError(['PORT', 'REDIS_URL', 'QUEUE_PREFIX'], {
        PORT: '8081',
        REDIS_URL: 'nope',
        QUEUE_PREFIX: 'ok',
      });
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatch(/^REDIS_URL: /);
    });
  });
});
