import { DatabaseError } from 'pg';

export interface WaitForPostgresOptions {
  /** host:port, for the log lines. */
  where: string;
  /** Gives up once this much time has passed since the first attempt. */
  deadlineMs: number;
  /** Pause between attempts. */
  delayMs: number;
  log: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** The server answered but is not ready: starting up or shutting down (57P03), or full (53300). */
const NOT_READY_YET = new Set(['57P03', '53300']);

/**
 * Whether another attempt can help. Postgres that has not started yet shows up as a socket error
 * (refused, unknown host, reset, timeout) or as "starting up"; a definite answer from the server
 * (a wrong password, an unknown role) will be the same next time.
 */
export function isWorthRetrying(error: unknown): boolean {
  if (error instanceof DatabaseError) return error.code !== undefined && NOT_READY_YET.has(error.code);
  return true;
}

/**
 * Runs `connect` until it succeeds, retrying while Postgres is not reachable yet (a compose stack or
 * a Kubernetes Job can start before the database), with one log line per failed attempt. Returns
 * what `connect` returned; rethrows an error not worth retrying at once, and the last error once
 * the deadline has passed.
 */
export async function waitForPostgres<T>(connect: () => Promise<T>, options: WaitForPostgresOptions): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await connect();
      if (attempt > 1) options.log(`Postgres at ${options.where} answered on attempt ${attempt}`);
      return result;
    } catch (error) {
      if (!isWorthRetrying(error)) throw error;
      const elapsed = now() - started;
      const reason = describe(error);
      if (elapsed + options.delayMs > options.deadlineMs) {
        throw new Error(
          `Postgres at ${options.where} did not answer within ${Math.round(options.deadlineMs / 1000)} s (${attempt} attempts; last: ${reason})`,
        );
      }
      options.log(
        `Waiting for Postgres at ${options.where}: attempt ${attempt} failed (${reason}); ` +
          `retrying in ${options.delayMs / 1000} s, giving up after ${Math.round(options.deadlineMs / 1000)} s`,
      );
      await sleep(options.delayMs);
    }
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  // An AggregateError (every address of a host refused) has an empty message but a code.
  return error.message || (typeof code === 'string' ? code : error.name);
}
