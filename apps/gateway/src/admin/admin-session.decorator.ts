import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AdminSession } from '@scim/directory';
import type { AdminRequest } from './admin-session.guard';

/** The signed-in admin's session (set by AdminSessionGuard); its tenant is the only one reachable. */
export const Session = createParamDecorator((_data: unknown, context: ExecutionContext): AdminSession => {
  const request = context.switchToHttp().getRequest<AdminRequest>();
  if (!request.adminSession) throw new Error('Session used on a route without AdminSessionGuard');
  return request.adminSession;
});
