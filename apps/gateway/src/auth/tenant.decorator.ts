import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ScimRequest } from './scim-auth.guard';

/** The authenticated tenant's id (set by ScimAuthGuard). */
export const TenantId = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const request = context.switchToHttp().getRequest<ScimRequest>();
  if (!request.tenant) throw new Error('TenantId used on a route without ScimAuthGuard');
  return request.tenant.tenantId;
});

/** Who is asking: the authenticated tenant and the request's id (X-Request-Id), which writes carry to the worker. */
export interface Caller {
  tenantId: string;
  requestId: string;
}

export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const request = context.switchToHttp().getRequest<ScimRequest>();
  if (!request.tenant) throw new Error('Caller used on a route without ScimAuthGuard');
  return { tenantId: request.tenant.tenantId, requestId: request.id };
});
