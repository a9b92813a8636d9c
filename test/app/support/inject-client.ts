import type { NestFastifyApplication } from '@nestjs/platform-fastify';

export interface InjectedResponse<T = Record<string, any>> {
  status: number;
  headers: Headers;
  body: T;
  /** The body as sent, for answers that are not JSON. */
  text: string;
}

/**
 * A SCIM client like test/support/stack.ts's ScimClient (scim+json bodies, a bearer token), but
 * through Fastify's `inject`: the request runs the whole gateway (hooks, parsers, guards, filters)
 * without a socket.
 */
export class InjectClient {
  constructor(
    private readonly app: NestFastifyApplication,
    readonly token: string | undefined,
    readonly basePath = '/api/scim',
  ) {}

  async request<T = Record<string, any>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<InjectedResponse<T>> {
    return this.send<T>(
      method,
      `${this.basePath}${path}`,
      body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
      { ...(body !== undefined ? { 'content-type': 'application/scim+json; charset=utf-8' } : {}), ...headers },
    );
  }

  private async send<T>(
    method: string,
    url: string,
    payload: string | Buffer | undefined,
    headers: Record<string, string>,
  ): Promise<InjectedResponse<T>> {
    const response = await this.app.inject({
      method: method as 'GET',
      url,
      headers: { ...(this.token !== undefined ? { authorization: `Bearer ${this.token}` } : {}), ...headers },
      ...(payload !== undefined ? { payload } : {}),
    });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : String(value));
    }
    const text = response.body;
    let parsed: unknown = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    return { status: response.statusCode, headers: responseHeaders, body: parsed as T, text };
  }

  /** A request as given (URL from the root, no Content-Type added), with the client's token. */
  async raw<T = Record<string, any>>(
    method: string,
    url: string,
    init: { body?: string | Buffer; headers?: Record<string, string> } = {},
  ): Promise<InjectedResponse<T>> {
    return this.send<T>(method, url, init.body, init.headers ?? {});
  }

  get<T = Record<string, any>>(path: string, headers?: Record<string, string>) {
    return this.request<T>('GET', path, undefined, headers);
  }

  post<T = Record<string, any>>(path: string, body: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', path, body, headers);
  }

  put<T = Record<string, any>>(path: string, body: unknown, headers?: Record<string, string>) {
    return this.request<T>('PUT', path, body, headers);
  }

  patch<T = Record<string, any>>(path: string, body: unknown, headers?: Record<string, string>) {
    return this.request<T>('PATCH', path, body, headers);
  }

  delete(path: string, headers?: Record<string, string>) {
    return this.request('DELETE', path, undefined, headers);
  }
}
