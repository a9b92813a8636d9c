import { useState } from 'react';

/** Copies a value to the clipboard; says so for two seconds. Its accessible name stays "Copy". */
export function CopyButton({ value, className }: { value: string; className?: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | undefined>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
    window.setTimeout(() => setCopied(undefined), 2000);
  };
  return (
    <span className="copy">
      <button type="button" className={className ?? 'secondary small'} onClick={() => void copy()}>
        Copy
      </button>
      <span className="copy-status" role="status">
        {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Select the text and copy it' : ''}
      </span>
    </span>
  );
}
