/**
 * SIGTERM/SIGINT close the app (Nest lifecycle hooks: workers finish their running jobs, pools
 * close) and then exit 0, so that orchestrators see a clean stop. While closing, another SIGINT (a
 * person pressing Ctrl-C again) exits at once; another SIGTERM is ignored, so that a supervisor
 * forwarding the stop (start:all, a process manager) does not cut the drain short.
 */
const REPEAT_WINDOW_MS = 500;

export function closeOnSignals(app: { close(): Promise<void> }, log: (message: string) => void = console.log): void {
  let closingSince: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closingSince !== undefined) {
      // One Ctrl-C can arrive twice (from the terminal and from a parent passing it on): only a later one counts.
      if (signal === 'SIGINT' && Date.now() - closingSince > REPEAT_WINDOW_MS) process.exit(1);
      return;
    }
    closingSince = Date.now();
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
