/** What a readiness check reports: each dependency up or down, and in words what is missing. */
export interface HealthReport {
  status: 'ok' | 'unavailable';
  /** One entry per check, e.g. `postgres: 'up'`. */
  [check: string]: string | string[] | undefined;
  missing?: string[];
}

/** A check resolves when its dependency answers and throws (with the reason) when it does not. */
export type HealthCheck = () => Promise<unknown>;

export const HEALTH_CHECK_TIMEOUT_MS = 1000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

/** Runs the checks at once, each bounded by a timeout; 'ok' only when all of them pass. */
export async function runHealthChecks(
  checks: Record<string, HealthCheck>,
  timeoutMs = HEALTH_CHECK_TIMEOUT_MS,
): Promise<HealthReport> {
  const names = Object.keys(checks);
  const results = await Promise.all(
    names.map((name) =>
      withTimeout(Promise.resolve().then(checks[name]!), timeoutMs).then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      ),
    ),
  );
  const report: HealthReport = { status: 'ok' };
  const missing: string[] = [];
  names.forEach((name, i) => {
    const problem = results[i];
    report[name] = problem === undefined ? 'up' : 'down';
    if (problem !== undefined) missing.push(`${name}: ${problem}`);
  });
  if (missing.length > 0) {
    report.status = 'unavailable';
    report.missing = missing;
  }
  return report;
}

export const LIVE_REPORT: HealthReport = { status: 'ok' };
