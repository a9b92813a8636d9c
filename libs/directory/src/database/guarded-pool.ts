import { connect } from 'node:net';
import pg, { Client, DatabaseError, Pool, type ClientConfig, type PoolClient, type PoolConfig } from 'pg';

/**
 * The database could not answer: no connection within the connect timeout, a connection lost, a
 * query the server did not answer in time, or the watchdog's circuit open. Always transient: the
 * gateway answers 503 with Retry-After, the worker retries.
 */
export class DatabaseUnavailableError extends Error {
  constructor(
    /** What happened, as the end of a sentence: "the database did not answer within 6 s". */
    readonly reason: string,
    cause?: unknown,
  ) {
    super(reason, cause === undefined ? undefined : { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

/** How long the client waits past the server's statement timeout before it gives up on the server itself. */
const CLIENT_GRACE_MS = 1000;

/**
 * The pool option that asks the client, rather than the server, to keep the statement time limit
 * (behind pgbouncer in transaction mode, where no session setting can be made).
 */
export const CLIENT_STATEMENT_TIMEOUT = 'scim_client_statement_timeout';

/**
 * The pool option that lets `rows()` run statements as named prepared statements: each connection
 * parses and plans a statement once, then only binds and executes it (about half the server's CPU
 * of a short read). Not behind pgbouncer in transaction mode, where the next transaction may run on
 * a server session that never saw the statement.
 */
export const PREPARED_STATEMENTS = 'scim_prepared_statements';

/**
 * At most this many distinct statement texts get a name (and so a prepared statement on every
 * connection that runs them); later ones run unnamed. Filters are parameterised, so the texts are
 * the shapes of the queries, a bounded set in practice; the cap keeps a client that invents new
 * filter shapes from growing every connection's memory without limit.
 */
export const MAX_NAMED_STATEMENTS = 200;

/** Names of prepared statements, one per distinct text, for the first MAX_NAMED_STATEMENTS texts. */
export class StatementNames {
  private readonly names = new Map<string, string>();

  nameOf(text: string): string | undefined {
    const known = this.names.get(text);
    if (known !== undefined || this.names.size >= MAX_NAMED_STATEMENTS) return known;
    const name = `scim_${this.names.size + 1}`;
    this.names.set(text, name);
    return name;
  }
}

type QueryCallback = (error: Error | null, result?: unknown) => void;

/** Postgres' CancelRequest: sent on a new connection, it cancels what the keyed session is running. */
function sendCancelRequest(host: string, port: number, processId: number, secretKey: number): void {
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(80877102, 4);
  packet.writeInt32BE(processId, 8);
  packet.writeInt32BE(secretKey, 12);
  // The server (or pgbouncer, which forwards it) closes the connection once it has acted; closing
  // first can make pgbouncer drop the request.
  const socket = connect(port, host, () => socket.write(packet));
  socket.on('end', () => socket.end());
  socket.setTimeout(CLIENT_GRACE_MS, () => socket.destroy());
  socket.on('error', () => undefined);
}

/**
 * A pg client whose every query has a deadline: the server's `statement_timeout` cancels a slow
 * query; when the server does not answer at all (frozen, packets dropped), the client ends the
 * connection 1 s later and the query fails with DatabaseUnavailableError instead of hanging.
 */
class GuardedClient extends Client {
  private running = 0;
  private lost?: string;
  private readonly deadlineMs: number;
  /** Set when the client keeps the time limit: the running statement is cancelled (57014) at it. */
  private readonly cancelAfterMs: number;

  constructor(config: ClientConfig) {
    super(config);
    const serverTimeout = config.statement_timeout;
    const clientTimeout = (config as Record<string, unknown>)[CLIENT_STATEMENT_TIMEOUT];
    const timeout = typeof clientTimeout === 'number' ? clientTimeout : serverTimeout;
    this.deadlineMs = typeof timeout === 'number' && timeout > 0 ? timeout + CLIENT_GRACE_MS : 0;
    this.cancelAfterMs = typeof clientTimeout === 'number' && clientTimeout > 0 ? clientTimeout : 0;
    // Registered before pg's own listeners, so the running query's error is known to be a lost connection.
    const markLost = () => (this.lost ??= 'the connection to the database was lost');
    this.connection.on('end', markLost);
    this.connection.on('error', markLost);
    // A connection error while checked out reaches the running query; the pool handles idle ones.
    this.on('error', () => undefined);
  }

  get busy(): boolean {
    return this.running > 0;
  }

  /** Ends the connection under a running query; the query fails with DatabaseUnavailableError(reason). */
  abort(reason: string): void {
    this.lost ??= reason;
    this.end().catch(() => undefined);
  }

  /** What a server-side statement_timeout would do: the server cancels the statement, the session lives on. */
  private cancelRunning(): void {
    const self = this as unknown as { processID: number | null; secretKey: number | null; host: string; port: number };
    if (self.processID === null || self.secretKey === null) return;
    sendCancelRequest(self.host, self.port, self.processID, self.secretKey);
  }

  // pg's overloads (text/config, values, callback; promise or callback style) are passed through as they are.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const callback: QueryCallback | undefined = typeof args[args.length - 1] === 'function' ? args.pop() : undefined;
    if (typeof args[0]?.submit === 'function')
      return super.query(...(args as [never]), ...(callback ? [callback as never] : []));
    this.running++;
    const timer =
      this.deadlineMs > 0
        ? setTimeout(
            () => this.abort(`the database did not answer within ${this.deadlineMs / 1000} s`),
            this.deadlineMs,
          )
        : undefined;
    const cancel = this.cancelAfterMs > 0 ? setTimeout(() => this.cancelRunning(), this.cancelAfterMs) : undefined;
    const settle = (error: unknown): unknown => {
      this.running--;
      clearTimeout(timer);
      clearTimeout(cancel);
      return this.lost !== undefined && !(error instanceof DatabaseError)
        ? new DatabaseUnavailableError(this.lost, error)
        : error;
    };
    if (callback) {
      return super.query(...(args as [never]), ((error: Error | null, result?: unknown) => {
        const mapped = settle(error);
        callback(error ? (mapped as Error) : null, result);
      }) as never);
    }
    return (super.query(...(args as [never])) as unknown as Promise<unknown>).then(
      (result) => {
        settle(undefined);
        return result;
      },
      (error: unknown) => {
        throw settle(error);
      },
    );
  }
}

type ConnectCallback = (
  error: Error | undefined,
  client: PoolClient | undefined,
  release: (error?: Error | boolean) => void,
) => void;

/**
 * A pg pool of GuardedClients. Every failure to get a connection (refused, connect timeout, no
 * free connection within the timeout, circuit open) is a DatabaseUnavailableError, so callers
 * classify it by type, never by probing or by message. While the circuit is open it fails at once.
 */
export class GuardedPool extends Pool {
  private readonly guarded = new Set<GuardedClient>();
  private readonly statementNames?: StatementNames;

  constructor(
    config: PoolConfig,
    private readonly circuit?: DatabaseCircuit,
  ) {
    super({ ...config, Client: GuardedClient as unknown as PoolConfig['Client'] });
    if ((config as Record<string, unknown>)[PREPARED_STATEMENTS] === true) this.statementNames = new StatementNames();
    this.on('connect', (client) => this.guarded.add(client as unknown as GuardedClient));
    this.on('remove', (client) => this.guarded.delete(client as unknown as GuardedClient));
    circuit?.register(this);
  }

  override connect(): Promise<PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<PoolClient> | void {
    if (!callback) {
      return new Promise<PoolClient>((resolve, reject) =>
        this.connect((error, client) => (error ? reject(error) : resolve(client!))),
      );
    }
    const refusal = this.circuit?.refusal();
    if (refusal) return process.nextTick(() => callback(refusal, undefined, () => undefined));
    // A full pool makes the request wait for a free connection; a timeout then means "busy", not "down".
    const waits = this.idleCount === 0 && this.totalCount >= (this.options.max ?? 10);
    super.connect((error, client, release) => {
      if (error) {
        const reason = waits
          ? `no database connection became free within ${(this.options.connectionTimeoutMillis ?? 0) / 1000} s`
          : 'the database cannot be reached';
        return callback(
          error instanceof DatabaseUnavailableError ? error : new DatabaseUnavailableError(reason, error),
          undefined,
          release,
        );
      }
      // The circuit opened while this request waited for a connection.
      const late = this.circuit?.refusal();
      if (late) {
        release();
        return callback(late, undefined, () => undefined);
      }
      return callback(undefined, client, release);
    });
  }

  /**
   * Runs one statement on a connection taken for it alone, and returns its rows; as a named
   * prepared statement when the pool has PREPARED_STATEMENTS.
   */
  async rows<T>(sql: string, params: unknown[]): Promise<T[]> {
    const name = this.statementNames?.nameOf(sql);
    const client = await this.connect();
    let failure: unknown;
    try {
      return (
        await client.query(name === undefined ? { text: sql, values: params } : { name, text: sql, values: params })
      ).rows as T[];
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      client.release(failure instanceof DatabaseUnavailableError ? failure : undefined);
    }
  }

  /** Ends the connections whose queries are running: they hang on a database that stopped answering. */
  abortRunning(reason: string): void {
    for (const client of this.guarded) if (client.busy) client.abort(reason);
  }
}

/**
 * Open while the database does not answer (the gateway's watchdog decides). While open, the
 * registered pools refuse at once instead of queueing requests behind a frozen server, and
 * queries already running are ended.
 */
export class DatabaseCircuit {
  private reason?: string;
  private readonly pools = new Set<GuardedPool>();
  private readonly listeners = new Set<(reason: string) => void>();

  get isOpen(): boolean {
    return this.reason !== undefined;
  }

  register(pool: GuardedPool): void {
    this.pools.add(pool);
  }

  /** Called each time the circuit opens. */
  onOpen(listener: (reason: string) => void): void {
    this.listeners.add(listener);
  }

  open(reason: string): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    for (const pool of this.pools) pool.abortRunning(reason);
    for (const listener of this.listeners) listener(reason);
  }

  close(): void {
    this.reason = undefined;
  }

  /** The error a request gets while the circuit is open. */
  refusal(): DatabaseUnavailableError | undefined {
    return this.reason === undefined ? undefined : new DatabaseUnavailableError(this.reason);
  }
}

/** The `pg` module as TypeORM loads it, with GuardedPool as its Pool. */
export function guardedDriver(circuit?: DatabaseCircuit): typeof pg {
  class DirectoryPool extends GuardedPool {
    constructor(config: PoolConfig) {
      super(config, circuit);
    }
  }
  return Object.create(pg, { Pool: { value: DirectoryPool } }) as typeof pg;
}
