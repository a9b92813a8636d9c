import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ScimRequest } from './scim-auth.guard';

/** The authenticated tenant's id (set by ScimAuthGuard). */
export const TenantId = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const request = context.switchToHttp().getRequest<ScimRequest>();
  if (!request.tenant) throw new Error('TenantId used on a route without ScimAuthGuard');
  return request.tenant.tenantId;
});
