import type { AdminApiError } from '@scim/admin-api';

/** An answer of the admin API that is not a success, with the server's message for the admin. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: AdminApiError,
  ) {
    super(message);
  }
}

let csrfToken = '';
let onSessionEnded: (message: string) => void = () => undefined;

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Called when any request answers 401: the session ended (signed out elsewhere, idle, admins changed). */
export function whenSessionEnds(handler: (message: string) => void): void {
  onSessionEnded = handler;
}

interface RequestOptions {
  /** Automatic refreshes say so, and do not count as the admin being active. */
  background?: boolean;
  /** Sign-in calls handle 401 themselves. */
  noSessionRedirect?: boolean;
}

export async function api<T>(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  if (options.background) headers['X-Console-Refresh'] = '1';
  let response: Response;
  try {
    response = await fetch(`/admin/api${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'The service cannot be reached. Check your connection and try again.');
  }
  if (response.status === 204) return undefined as T;
  let data: unknown;
  try {
    data = await response.json();
  } catch {
    data = undefined;
  }
  if (!response.ok) {
    const error = data as AdminApiError | undefined;
    const message =
      typeof error?.error === 'string'
        ? error.error
        : `The service answered ${response.status}. Try again in a minute.`;
    if (response.status === 401 && !options.noSessionRedirect) onSessionEnded(message);
    throw new ApiError(response.status, message, error);
  }
  return data as T;
}
