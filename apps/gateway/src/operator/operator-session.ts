import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const OPERATOR_COOKIE = 'scim_operator';
/** A browser session on the dashboard lasts a working day. */
export const OPERATOR_SESSION_SECONDS = 8 * 3600;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time comparison of two strings of any length. */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function signature(operatorToken: string, expiresAt: number): string {
  return createHmac('sha256', operatorToken).update(`operator-session:${expiresAt}`).digest('base64url');
}

/**
 * The session cookie's value: its expiry and an HMAC of it keyed by OPERATOR_TOKEN. Nothing is
 * stored server-side; changing the token ends every session.
 */
export function operatorSessionValue(operatorToken: string, nowMs: number): string {
  const expiresAt = Math.floor(nowMs / 1000) + OPERATOR_SESSION_SECONDS;
  return `${expiresAt}.${signature(operatorToken, expiresAt)}`;
}

export function isValidOperatorSession(operatorToken: string, value: string | undefined, nowMs: number): boolean {
  const match = value === undefined ? null : /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!match) return false;
  const expiresAt = Number(match[1]);
  if (expiresAt * 1000 <= nowMs) return false;
  return sameSecret(match[2]!, signature(operatorToken, expiresAt));
}

/** `Authorization: Bearer <OPERATOR_TOKEN>`, for scripts and curl. */
export function isOperatorBearer(operatorToken: string, header: string | undefined): boolean {
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match !== null && sameSecret(match[1]!, operatorToken);
}

export function isOperatorToken(operatorToken: string, given: unknown): boolean {
  return typeof given === 'string' && given.length > 0 && sameSecret(given.trim(), operatorToken);
}

/** One cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(value: string, path: string, secure: boolean): string {
  return `${OPERATOR_COOKIE}=${value}; Path=${path}; Max-Age=${OPERATOR_SESSION_SECONDS}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(path: string, secure: boolean): string {
  return `${OPERATOR_COOKIE}=; Path=${path}; Max-Age=0; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** The sign-in page: one field for the operator token, posted to `<base>/login`. */
export function signInPage(base: string, problem?: string): string {
  const notice = problem ? `<p class="problem">${problem}</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Queue dashboard: sign in</title>
<style>body{font:16px system-ui,sans-serif;margin:4rem auto;max-width:26rem;padding:0 1rem;color:#1b1b1b}
input,button{font:inherit;padding:.5rem;width:100%;box-sizing:border-box;margin:.25rem 0}.problem{color:#a40000}
p.hint{color:#555;font-size:.9rem}</style></head>
<body><h1>Queue dashboard</h1>${notice}
<form method="post" action="${base}/login"><label for="token">Operator token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button></form>
<p class="hint">The value of OPERATOR_TOKEN on the gateway. The session lasts ${OPERATOR_SESSION_SECONDS / 3600} hours; <a href="${base}/logout">sign out</a> ends it.</p>
</body></html>`;
}
