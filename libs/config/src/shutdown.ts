/**
 * SIGTERM/SIGINT close the app (Nest lifecycle hooks: workers finish their running jobs, pools
 * close) and then exit 0, so that orchestrators see a clean stop. A second signal exits at once.
 */
export function closeOnSignals(app: { close(): Promise<void> }, log: (message: string) => void = console.log): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) process.exit(1);
    closing = true;
    log(`${signal} received, shutting down`);
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
