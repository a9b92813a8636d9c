import { DatabaseUnavailableError } from './guarded-pool';

const QUERY_CANCELED = '57014';

/** SQLSTATEs of a database that is going away or cannot take the work now: connection exceptions, insufficient resources, shutdown. */
function isUnavailableState(code: string): boolean {
  return code.startsWith('08') || code.startsWith('53') || code === '57P01' || code === '57P02' || code === '57P03';
}

/**
 * The answer to give (a 503 detail) when an error means the database could not serve the request
 * in time: a DatabaseUnavailableError from the pool or a client, a statement stopped by its time
 * limit, or a server going away. Undefined for any other error. Works on TypeORM's wrapped errors.
 */
export function databaseOutage(error: unknown): string | undefined {
  const driverError = (error as { driverError?: unknown } | undefined)?.driverError ?? error;
  if (driverError instanceof DatabaseUnavailableError)
    return `The service is temporarily unavailable: ${driverError.reason}. Retry later.`;
  const code = (driverError as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  // Only the statement timeout cancels statements here.
  if (code === QUERY_CANCELED) {
    return 'The request took longer than the database time limit allows and was stopped. Retry later; if it keeps failing, ask for less (a narrower filter or a smaller count).';
  }
  if (isUnavailableState(code))
    return 'The service is temporarily unavailable: the database cannot take the request now. Retry later.';
  return undefined;
}
