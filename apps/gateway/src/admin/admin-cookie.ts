import type { FastifyRequest } from 'fastify';
import { ADMIN_SESSION_MAX_HOURS } from '@scim/directory';

const COOKIE_NAME = 'scim_admin';
const COOKIE_PATH = '/admin';

/** The session secret from the request's Cookie header, if any. */
export function readSessionCookie(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === COOKIE_NAME) {
      const value = part.slice(index + 1).trim();
      return /^[A-Za-z0-9_-]{10,200}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

/**
 * The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page
 * sends it), Secure when the console is served over https, scoped to /admin. The browser keeps it
 * at most as long as a session may last; the server decides the idle timeout.
 */
export function sessionCookie(secret: string, secure: boolean): string {
  return [
    `${COOKIE_NAME}=${secret}`,
    `Path=${COOKIE_PATH}`,
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${ADMIN_SESSION_MAX_HOURS * 3600}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export function clearedSessionCookie(secure: boolean): string {
  return [
    `${COOKIE_NAME}=`,
    `Path=${COOKIE_PATH}`,
    'HttpOnly',
    'SameSite=Strict',
    'Max-Age=0',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}
