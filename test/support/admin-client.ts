import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface AdminResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** Runs `npm run tenant -- admin-link` (the built CLI) and returns the link it prints. */
export function cliSignInLink(env: NodeJS.ProcessEnv, tenantId: string, extra: string[] = []): string {
  const cli = join(__dirname, '..', '..', 'dist', 'tools', 'tenant-cli.js');
  const result = spawnSync(process.execPath, [cli, 'admin-link', '--tenant', tenantId, ...extra], {
    env,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`admin-link failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { url: string }).url;
}

/**
 * The admin console's API as its page uses it: the session cookie, the CSRF token header and a
 * same-origin Origin on writes.
 */
export class AdminClient {
  cookie?: string;
  csrf = '';

  constructor(readonly baseUrl: string) {}

  async signIn(link: string): Promise<AdminResponse> {
    const secret = link.includes('#') ? link.split('#')[1]! : link;
    const response = await this.request('POST', '/admin/api/sign-in', { link: secret });
    const setCookie = response.headers.get('set-cookie');
    if (response.status === 200 && setCookie) {
      this.cookie = setCookie.split(';')[0];
      this.csrf = response.body.csrfToken;
    }
    return response;
  }

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<AdminResponse<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(this.cookie ? { Cookie: this.cookie } : {}),
        ...(method !== 'GET' ? { Origin: this.baseUrl, 'X-CSRF-Token': this.csrf } : {}),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (the HTML page): the text is the body.
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  get<T = any>(path: string, headers?: Record<string, string>) {
    return this.request<T>('GET', path, undefined, headers);
  }
}
