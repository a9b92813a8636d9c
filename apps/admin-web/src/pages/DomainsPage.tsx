import { useEffect, useState, type FormEvent } from 'react';
import type { WorkDomains } from '@scim/admin-api';
import { ApiError, api } from '../api';
import { Notice } from '../components/Notice';

function parseDomains(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((d) => d.trim())
    .filter((d) => d.length > 0);
}

/** The tenant's work domains: which email addresses are saved for its users. */
export function DomainsPage() {
  const [text, setText] = useState('');
  const [saved, setSaved] = useState<string[]>();
  const [invalid, setInvalid] = useState<{ message: string; values: string[] }>();
  const [result, setResult] = useState<{ kind: 'success' | 'error'; text: string }>();
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    api<WorkDomains>('GET', '/domains').then(
      (d) => {
        setSaved(d.domains);
        setText(d.domains.join('\n'));
      },
      (e: Error) => setResult({ kind: 'error', text: e.message }),
    );
  }, []);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setInvalid(undefined);
    setResult(undefined);
    try {
      const d = await api<WorkDomains>('PUT', '/domains', { domains: parseDomains(text) });
      setSaved(d.domains);
      setText(d.domains.join('\n'));
      setResult({
        kind: 'success',
        text:
          d.domains.length > 0
            ? `Saved: ${d.domains.join(', ')}.`
            : 'Saved: no work domains, so any company domain is accepted.',
      });
    } catch (e) {
      if (e instanceof ApiError && e.body?.invalid) setInvalid({ message: e.message, values: e.body.invalid });
      else setResult({ kind: 'error', text: (e as Error).message });
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <h1>Work domains</h1>
      <section className="card" aria-labelledby="domains-heading">
        <h2 id="domains-heading">Email domains of your organisation</h2>
        <p id="domains-rule">
          Only work email addresses on these domains or their subdomains are saved for your users, and Entra gets an
          error for any other; with no domains listed, any domain except personal mailboxes such as gmail.com or
          outlook.com is accepted.
        </p>
        <form className="stack" onSubmit={(event) => void save(event)}>
          <label htmlFor="work-domains">Work domains</label>
          <textarea
            id="work-domains"
            rows={5}
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder={'contoso.com\ncontoso.co.uk'}
            aria-invalid={invalid ? true : undefined}
            aria-describedby={invalid ? 'domains-error domains-hint' : 'domains-hint'}
            spellCheck={false}
            disabled={saved === undefined}
          />
          <span id="domains-hint" className="muted small">
            One domain per line (commas work too). A domain also covers its subdomains.
          </span>
          {invalid && (
            <span id="domains-error" className="field-error" role="alert">
              {invalid.message} Fix {invalid.values.length === 1 ? 'it' : 'them'} and save again.
            </span>
          )}
          <div className="toolbar">
            <button type="submit" className="primary" disabled={saving || saved === undefined}>
              Save
            </button>
          </div>
        </form>
        {result && <Notice kind={result.kind}>{result.text}</Notice>}
        {saved && saved.length > 0 && (
          <p className="muted small">
            In effect now:{' '}
            {saved.map((d) => (
              <span key={d} className="chip">
                {d}
              </span>
            ))}
          </p>
        )}
      </section>
    </>
  );
}
