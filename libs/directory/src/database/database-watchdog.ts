import { Client } from 'pg';
import type { DatabaseCircuit } from './guarded-pool';

export interface WatchdogOptions {
  /** Pause between two health checks. */
  intervalMs: number;
  /** A health check (connect + `SELECT 1`) not answered within this opens the circuit. */
  timeoutMs: number;
  applicationName?: string;
}

const DEFAULTS: WatchdogOptions = { intervalMs: 500, timeoutMs: 1000 };

/**
 * Asks the database `SELECT 1` on a connection of its own every `intervalMs`. A check not
 * answered within `timeoutMs` (a frozen server, dropped packets) opens the circuit, so requests
 * fail fast and running queries end instead of each waiting for its own timeout; the next check
 * that gets an answer closes it. A refused connection is an answer too: requests fail at once on
 * their own, and writes still reach the worker, which retries them and reports the failure. A
 * frozen database is thereby noticed within interval + timeout (1.5 s by default), whatever the
 * statement timeout is.
 */
export class DatabaseWatchdog {
  private readonly options: WatchdogOptions;
  private client?: Client;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly circuit: DatabaseCircuit,
    options: Partial<WatchdogOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.drop();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.check(), ms);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    let overdue = false;
    const timer = setTimeout(() => {
      overdue = true;
      this.circuit.open(`the database did not answer a health check within ${this.options.timeoutMs / 1000} s`);
      this.drop();
    }, this.options.timeoutMs);
    try {
      const client = this.client ?? (await this.connect());
      await client.query('SELECT 1');
      this.circuit.close();
    } catch {
      this.drop();
      // A refusal is an answer: requests to a database that refuses fail at once without the circuit.
      if (!overdue) this.circuit.close();
    } finally {
      clearTimeout(timer);
      this.schedule(this.options.intervalMs);
    }
  }

  private async connect(): Promise<Client> {
    // Gives up after the check's own timeout, so that a hanging connect counts as "did not answer".
    const client = new Client({
      connectionString: this.url,
      connectionTimeoutMillis: this.options.timeoutMs + 500,
      application_name: this.options.applicationName ?? 'scim-watchdog',
    });
    client.on('error', () => undefined);
    this.client = client;
    await client.connect();
    return client;
  }

  /**
   * Ends the check connection without waiting: with a query hanging on it pg destroys the socket,
   * and an idle one to a frozen server would never finish closing.
   */
  private drop(): void {
    const client = this.client;
    this.client = undefined;
    client?.end().catch(() => undefined);
  }
}
