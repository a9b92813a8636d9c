import type { ReactNode } from 'react';

/** A message box: success, warning or error, announced to screen readers. */
export function Notice({ kind, children }: { kind: 'success' | 'warning' | 'error' | 'info'; children: ReactNode }) {
  return (
    <div className={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}
