import type { AdminApiError } from '@scim/admin-api';

/** An answer of the admin API that is not a success: a status and a message for the admin. */
export class AdminApiException extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Omit<AdminApiError, 'status' | 'error'> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AdminApiException';
  }

  get body(): AdminApiError {
    return { status: this.status, error: this.message, ...this.extra };
  }
}

export const SIGN_IN_FIRST =
  'Sign in to the admin console first: open a sign-in link, or ask for one on the sign-in page.';
export const SESSION_ENDED =
  "Your console session has ended (you signed out, it was idle for 8 hours, or the tenant's admins changed). Sign in again.";

export function notFound(what: string): AdminApiException {
  return new AdminApiException(404, `${what} was not found in this tenant.`);
}
