import { createServer, connect, type Server, type Socket } from 'node:net';
import type { DataSource } from 'typeorm';
import { createDirectoryDataSource, createGuardedPool } from './data-source';
import { createTestDatabase } from '../testing/test-database';
import { databaseOutage } from './database-outage';
import { DatabaseWatchdog } from './database-watchdog';
import { DatabaseCircuit, DatabaseUnavailableError, MAX_NAMED_STATEMENTS, StatementNames } from './guarded-pool';

/**
 * A TCP pass-through to the test database that can stop forwarding, so that the server looks
 * frozen (connections stay open, nothing is answered) without touching the shared Postgres.
 */
class FreezableProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private frozen = false;
  port = 0;

  constructor(private readonly target: URL) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(Number(this.target.port || 5432), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
      if (this.frozen) for (const socket of [client, upstream]) socket.pause();
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  url(): string {
    const url = new URL(this.target.toString());
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  freeze(): void {
    this.frozen = true;
    for (const socket of this.sockets) socket.pause();
  }

  thaw(): void {
    this.frozen = false;
    for (const socket of this.sockets) socket.resume();
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

async function failure(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('expected a failure');
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

let db: { url: string; drop(): Promise<void> };
let proxy: FreezableProxy;

beforeAll(async () => {
  db = await createTestDatabase('guarded_pool');
  proxy = new FreezableProxy(new URL(db.url));
  await proxy.start();
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await db?.drop();
});

afterEach(() => proxy.thaw());

describe('GuardedPool', () => {
  it('stops a statement at its time limit; the error reads as a 503 detail', async () => {
    const pool = createGuardedPool({ url: db.url, poolSize: 1, statementTimeoutMs: 300 });
    try {
      const { error } = await failure(pool.rows('SELECT pg_sleep(3)', []));
      expect((error as { code?: string }).code).toBe('57014');
      expect(databaseOutage(error)).toMatch(/longer than the database time limit/);
      // The connection is still good.
      expect(await pool.rows('SELECT 1 AS one', [])).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('in transaction pooling mode sends no session setting and cancels the statement at its limit itself', async () => {
    const pool = createGuardedPool({ url: db.url, poolSize: 1, statementTimeoutMs: 300, poolMode: 'transaction' });
    try {
      // Nothing was set for the session (pgbouncer would refuse the startup parameter).
      expect(await pool.rows(`SELECT current_setting('statement_timeout') AS limit`, [])).toEqual([{ limit: '0' }]);
      const { error } = await failure(pool.rows('SELECT pg_sleep(3)', []));
      expect((error as { code?: string }).code).toBe('57014');
      expect(databaseOutage(error)).toMatch(/longer than the database time limit/);
      expect(await pool.rows('SELECT 1 AS one', [])).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('runs rows() as named prepared statements, one per text, except in transaction pooling mode', async () => {
    const prepared = `SELECT name, statement FROM pg_prepared_statements ORDER BY name`;
    const session = createGuardedPool({ url: db.url, poolSize: 1, statementTimeoutMs: 5000 });
    const transaction = createGuardedPool({
      url: db.url,
      poolSize: 1,
      statementTimeoutMs: 5000,
      poolMode: 'transaction',
    });
    try {
      for (const pool of [session, transaction]) {
        expect(await pool.rows('SELECT $1::int + 1 AS n', [1])).toEqual([{ n: 2 }]);
        expect(await pool.rows('SELECT $1::int + 1 AS n', [41])).toEqual([{ n: 42 }]);
      }
      const statements = await session.rows<{ name: string; statement: string }>(prepared, []);
      expect(statements.map((s) => s.statement)).toEqual(['SELECT $1::int + 1 AS n', prepared]);
      expect(await transaction.rows(prepared, [])).toEqual([]);
    } finally {
      await session.end();
      await transaction.end();
    }
  });

  it('turns "no free connection in time" into DatabaseUnavailableError, whatever the database state (defect 5)', async () => {
    const pool = createGuardedPool({ url: db.url, poolSize: 1, statementTimeoutMs: 5000 });
    try {
      const holder = await pool.connect();
      const { error } = await failure(pool.rows('SELECT 1', []));
      holder.release();
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      expect(databaseOutage(error)).toBe(
        'The service is temporarily unavailable: no database connection became free within 1 s. Retry later.',
      );
      // The database was up all along and still is: the classification does not depend on it.
      expect(await pool.rows('SELECT 1 AS one', [])).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('fails at once with DatabaseUnavailableError when nothing listens', async () => {
    const url = new URL(db.url);
    url.port = '1';
    const pool = createGuardedPool({ url: url.toString(), poolSize: 1 });
    try {
      const { error } = await failure(pool.rows('SELECT 1', []));
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      expect(databaseOutage(error)).toBe(
        'The service is temporarily unavailable: the database cannot be reached. Retry later.',
      );
    } finally {
      await pool.end();
    }
  });

  it('gives up on a server that stopped answering 1 s after the statement timeout, and on connecting after 1 s', async () => {
    const pool = createGuardedPool({ url: proxy.url(), poolSize: 2, statementTimeoutMs: 500 });
    try {
      expect(await pool.rows('SELECT 1 AS one', [])).toEqual([{ one: 1 }]);
      proxy.freeze();
      const running = await failure(pool.rows('SELECT 1', []));
      expect(running.error).toBeInstanceOf(DatabaseUnavailableError);
      expect(databaseOutage(running.error)).toMatch(/did not answer within 1\.5 s/);
      const connecting = await failure(pool.rows('SELECT 1', []));
      expect(connecting.error).toBeInstanceOf(DatabaseUnavailableError);
      console.log(
        `frozen server: running query gave up after ${running.ms} ms, a new connection after ${connecting.ms} ms`,
      );
    } finally {
      proxy.thaw();
      await pool.end();
    }
  }, 15_000);

  it('through TypeORM: a lost database is a DatabaseUnavailableError inside the QueryFailedError', async () => {
    const ds: DataSource = createDirectoryDataSource({ url: proxy.url(), poolSize: 1, statementTimeoutMs: 300 });
    await ds.initialize();
    try {
      proxy.freeze();
      const { error } = await failure(ds.query('SELECT 1'));
      expect(databaseOutage(error)).toMatch(/did not answer within 1\.3 s/);
    } finally {
      proxy.thaw();
      await ds.destroy();
    }
  }, 15_000);
});

describe('StatementNames', () => {
  it('names each text once, and no new text beyond MAX_NAMED_STATEMENTS', () => {
    const names = new StatementNames();
    const first = names.nameOf('SELECT 1');
    expect(first).toBeDefined();
    expect(names.nameOf('SELECT 1')).toBe(first);
    for (let i = 2; i <= MAX_NAMED_STATEMENTS; i++) expect(names.nameOf(`SELECT ${i}`)).toBeDefined();
    expect(names.nameOf(`SELECT ${MAX_NAMED_STATEMENTS + 1}`)).toBeUndefined();
    expect(names.nameOf('SELECT 1')).toBe(first);
  });
});

describe('DatabaseCircuit and DatabaseWatchdog', () => {
  it('an open circuit ends running queries and refuses new ones at once; closing it restores the pool', async () => {
    const circuit = new DatabaseCircuit();
    const pool = createGuardedPool({ url: db.url, poolSize: 2, statementTimeoutMs: 10_000, circuit });
    try {
      const running = failure(pool.rows('SELECT pg_sleep(5)', []));
      await new Promise((r) => setTimeout(r, 200));
      circuit.open('the database did not answer a health check within 1 s');
      // Ended by the circuit, not finished after 5 s: the error names the circuit's reason.
      const { error } = await running;
      expect(databaseOutage(error)).toBe(
        'The service is temporarily unavailable: the database did not answer a health check within 1 s. Retry later.',
      );
      const refused = await failure(pool.rows('SELECT 1', []));
      expect(refused.error).toBeInstanceOf(DatabaseUnavailableError);
      circuit.close();
      expect(await pool.rows('SELECT 1 AS one', [])).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('the watchdog opens the circuit when the server freezes and closes it when it answers again', async () => {
    const circuit = new DatabaseCircuit();
    const opened: string[] = [];
    circuit.onOpen((reason) => opened.push(reason));
    const watchdog = new DatabaseWatchdog(proxy.url(), circuit, { intervalMs: 200, timeoutMs: 500 });
    watchdog.start();
    try {
      await until(() => !circuit.isOpen);
      await new Promise((r) => setTimeout(r, 500));
      expect(circuit.isOpen).toBe(false);
      proxy.freeze();
      const noticed = await until(() => circuit.isOpen);
      expect(opened[0]).toBe('the database did not answer a health check within 0.5 s');
      proxy.thaw();
      const recovered = await until(() => !circuit.isOpen);
      console.log(`watchdog: frozen noticed after ${noticed} ms, recovery after ${recovered} ms`);
    } finally {
      watchdog.stop();
    }
  }, 15_000);

  it('leaves the circuit closed for a database that refuses connections: requests fail at once on their own', async () => {
    const url = new URL(db.url);
    url.port = '1';
    const circuit = new DatabaseCircuit();
    const watchdog = new DatabaseWatchdog(url.toString(), circuit, { intervalMs: 100, timeoutMs: 500 });
    const opened: string[] = [];
    circuit.onOpen((reason) => opened.push(reason));
    watchdog.start();
    try {
      await new Promise((r) => setTimeout(r, 1000));
      expect(opened).toEqual([]);
    } finally {
      watchdog.stop();
    }
  });
});
