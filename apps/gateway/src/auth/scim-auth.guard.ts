import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ScimError } from '@scim/scim';
import { TenantThrottle } from '../throttle/tenant-throttle.service';
import { TenantAuthService, type AuthenticatedTenant } from './tenant-auth.service';

export type ScimRequest = FastifyRequest & { tenant?: AuthenticatedTenant };

/**
 * Every SCIM route needs `Authorization: Bearer <token>` of a live token; the tenant rides on the
 * request. Then the tenant's rate limit: over it, 429 before any work is done. Usually the
 * throttle's onRequest hook has done both already.
 */
@Injectable()
export class ScimAuthGuard implements CanActivate {
  constructor(
    private readonly auth: TenantAuthService,
    private readonly throttle: TenantThrottle,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ScimRequest>();
    // Already authenticated and admitted by the throttle's hook (TenantThrottle.register).
    if (request.tenant) return true;
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      throw new ScimError(
        401,
        'Authentication required: send the tenant\'s SCIM token as "Authorization: Bearer <token>".',
      );
    }
    const tenant = await this.auth.authenticate(match[1]!);
    if (!tenant) {
      throw new ScimError(
        401,
        'The bearer token is not valid: it is unknown, expired or revoked. Issue a new token with the tenant CLI and update it in Entra.',
      );
    }
    request.tenant = tenant;
    await this.throttle.admit(tenant);
    return true;
  }
}
