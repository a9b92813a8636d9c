import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AdminSessionRepository, type AdminSession } from '@scim/directory';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { AdminApiException, SESSION_ENDED, SIGN_IN_FIRST } from './admin-api.error';
import { readSessionCookie } from './admin-cookie';

export type AdminRequest = FastifyRequest & { adminSession?: AdminSession };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The page sets this on its automatic refreshes, which do not count as the admin being active. */
export const BACKGROUND_HEADER = 'x-console-refresh';
export const CSRF_HEADER = 'x-csrf-token';

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * A browser's cross-site request carries the other site's Origin (or Sec-Fetch-Site:
 * cross-site). Requests from this page carry ours: PUBLIC_URL's origin, or the Host it was
 * loaded from. Clients that send neither header are not browsers and still need the CSRF token.
 */
export function assertSameOrigin(request: FastifyRequest, publicUrl: string): void {
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (origin === new URL(publicUrl).origin || (host !== undefined && host === request.headers.host)) return;
    throw new AdminApiException(403, 'The request was refused: it came from another web site.');
  }
  const site = request.headers['sec-fetch-site'];
  if (origin === 'null' || (typeof site === 'string' && site !== 'same-origin' && site !== 'none')) {
    throw new AdminApiException(403, 'The request was refused: it came from another web site.');
  }
}

/**
 * Every /admin/api route but sign-in: a live server-side session from the HttpOnly cookie, and
 * for state-changing methods the session's CSRF token in `X-CSRF-Token` plus a same-origin check
 * (the SameSite=Strict cookie is the third layer).
 */
@Injectable()
export class AdminSessionGuard implements CanActivate {
  constructor(
    private readonly sessions: AdminSessionRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const secret = readSessionCookie(request);
    if (!secret) throw new AdminApiException(401, SIGN_IN_FIRST);
    const safe = SAFE_METHODS.has(request.method);
    const session = await this.sessions.find(secret, request.headers[BACKGROUND_HEADER] !== '1');
    if (!session) throw new AdminApiException(401, SESSION_ENDED);
    if (!safe) {
      assertSameOrigin(request, this.config.publicUrl);
      const token = request.headers[CSRF_HEADER];
      if (typeof token !== 'string' || !sameSecret(token, session.csrfToken)) {
        throw new AdminApiException(
          403,
          'The request was refused: its CSRF token is missing or wrong. Reload the page and try again.',
        );
      }
    }
    request.adminSession = session;
    return true;
  }
}
