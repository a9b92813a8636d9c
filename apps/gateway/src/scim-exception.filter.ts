import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { databaseOutage } from '@scim/directory';
import { RETRY_AFTER_SECONDS } from '@scim/queue';
import { ScimError, bulkTooLarge, scimErrorBody, type ScimType } from '@scim/scim';
import { AdminExceptionFilter, isAdminPath } from './admin/admin-exception.filter';
import { DependencyProbe } from './health/dependency-probe.service';
import { MAX_BODY_BYTES } from './http/fastify-setup';
import { allowedMethods } from './http/routes';
import { knownScimError } from './scim-errors';

const MAX_BODY_LABEL = '1 MiB';
const BULK_PATH = /^\/api\/scim\/bulk\/?(\?|$)/i;

interface ErrorAnswer {
  status: number;
  detail: string;
  scimType?: ScimType;
  headers?: Record<string, string>;
}

/** Fastify's own errors (body parsing, size limit) carry a code and a status. */
function fastifyAnswer(error: unknown, request: FastifyRequest): ErrorAnswer | undefined {
  const { code, statusCode } = (error ?? {}) as { code?: unknown; statusCode?: unknown };
  if (typeof code !== 'string' || !code.startsWith('FST_')) return undefined;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      // A Bulk client needs both limits to split its request (RFC 7644 §3.7.4).
      if (BULK_PATH.test(request.url))
        return { status: 413, detail: bulkTooLarge(`The bulk request is larger than ${MAX_BODY_BYTES} bytes`).detail };
      return { status: 413, detail: `The request body is larger than ${MAX_BODY_LABEL}.` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, detail: 'Unsupported Content-Type: send application/scim+json or application/json.' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, scimType: 'invalidSyntax', detail: 'The Content-Length header does not match the body.' };
    default:
      if (statusCode === 400 || code.startsWith('FST_ERR_CTP')) {
        return {
          status: 400,
          scimType: 'invalidSyntax',
          detail:
            code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
              ? 'The request body is empty; send a JSON object.'
              : 'The request body is not valid JSON. Check for a missing quote, comma or brace.',
        };
      }
      return undefined;
  }
}

function clientGone(request: FastifyRequest): boolean {
  const socket = request.raw.socket as { destroyed?: boolean } | null;
  return socket === null || socket.destroyed === true;
}

/**
 * The one place errors become answers: every error is a SCIM error body (RFC 7644 §3.12), never
 * an HTML page or a stack trace. Errors of unknown kind are checked against the dependencies: if
 * Postgres or Redis is down the client is told to retry (503 + Retry-After), else it is a 500.
 */
@Catch()
export class ScimExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ScimExceptionFilter');

  constructor(
    private readonly probe: DependencyProbe,
    private readonly admin: AdminExceptionFilter,
  ) {}

  async catch(error: unknown, host: ArgumentsHost): Promise<void> {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    if (clientGone(request)) {
      // The client hung up (e.g. while sending its body): nobody to answer, and not a fault of ours.
      this.logger.debug(
        `Client went away during ${request.method} ${request.url}: ${error instanceof Error ? error.message : String(error)}`,
      );
      return;
    }
    // The admin console's API answers its own JSON errors, also for errors no controller saw (a body that is not JSON).
    if (isAdminPath(request.url)) return this.admin.catch(error, host);
    const answer = await this.answerFor(error, request);
    if (reply.sent) return;
    for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value);
    reply
      .status(answer.status)
      .header('Content-Type', 'application/scim+json; charset=utf-8')
      .send(scimErrorBody(answer.status, answer.detail, answer.scimType));
  }

  private async answerFor(error: unknown, request: FastifyRequest): Promise<ErrorAnswer> {
    // Typed errors first: a ScimError, a rule's refusal, data or a statement the database refuses.
    const known = knownScimError(error);
    if (known) {
      if (known.status >= 500 && !(error instanceof ScimError))
        this.logger.error(
          `Database refused ${request.method} ${request.url}`,
          error instanceof Error ? error.stack : String(error),
        );
      const headers: Record<string, string> = {};
      if (known.status === 401) headers['WWW-Authenticate'] = 'Bearer realm="SCIM"';
      if (known.retryAfterSeconds !== undefined || known.status === 503)
        headers['Retry-After'] = String(known.retryAfterSeconds ?? RETRY_AFTER_SECONDS);
      return { status: known.status, detail: known.detail, scimType: known.scimType, headers };
    }
    // Known by its type, not by probing: the probe may already see Postgres back (a pool timeout is still a 503).
    const outage = databaseOutage(error);
    if (outage) return { status: 503, detail: outage, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } };
    // Nest wraps Fastify's body-parsing errors in an HttpException whose cause is the original.
    const fastify =
      fastifyAnswer(error, request) ??
      (error instanceof HttpException ? fastifyAnswer(error.cause, request) : undefined);
    if (fastify) return fastify;
    if (error instanceof HttpException) return this.httpAnswer(error, request);
    const down = await this.probe.outage();
    if (down) {
      return {
        status: 503,
        detail: `The service is temporarily unavailable (${down} cannot be reached). Retry later.`,
        headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
      };
    }
    this.logger.error(
      `Unexpected error on ${request.method} ${request.url}`,
      error instanceof Error ? error.stack : String(error),
    );
    return {
      status: 500,
      detail: 'An unexpected error occurred. It has been logged; retry the request, and report it if it persists.',
    };
  }

  /** Nest's own exceptions: unknown routes become 404 or, for a known path, 405 with `Allow`. */
  private httpAnswer(error: HttpException, request: FastifyRequest): ErrorAnswer {
    const status = error.getStatus();
    if (status === 404) {
      const path = request.url.split('?')[0] ?? '';
      const allowed = allowedMethods(path);
      if (allowed.length > 0) {
        return {
          status: 405,
          detail: `${request.method} is not supported on ${path}; allowed: ${allowed.join(', ')}.`,
          headers: { Allow: allowed.join(', ') },
        };
      }
      return {
        status: 404,
        detail: `There is no endpoint at ${path}. SCIM endpoints live under /api/scim (Users, Groups, Schemas, ResourceTypes, ServiceProviderConfig).`,
      };
    }
    return { status, detail: error.message };
  }
}
