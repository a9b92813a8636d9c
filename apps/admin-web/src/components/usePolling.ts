import { useEffect, useRef } from 'react';

/** Calls `tick` every `ms` while the tab is visible (and once more when it becomes visible again). */
export function usePolling(tick: () => void, ms: number): void {
  const saved = useRef(tick);
  saved.current = tick;
  useEffect(() => {
    const run = () => {
      if (document.visibilityState === 'visible') saved.current();
    };
    const timer = window.setInterval(run, ms);
    document.addEventListener('visibilitychange', run);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', run);
    };
  }, [ms]);
}
