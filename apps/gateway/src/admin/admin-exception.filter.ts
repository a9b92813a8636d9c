import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { DirectoryError } from '@scim/directory';
import { FailureReason } from '@scim/queue';
import { DependencyProbe } from '../health/dependency-probe.service';
import { AdminApiException } from './admin-api.error';

/** The console's JSON API, whose errors are never SCIM bodies. */
export function isAdminPath(url: string): boolean {
  return /^\/admin\/api(\/|\?|$)/i.test(url);
}

/** Fastify's own errors before a handler runs (body parsing, size limit). */
function fastifyError(error: unknown): AdminApiException | undefined {
  const { code } = (error ?? {}) as { code?: unknown };
  if (typeof code !== 'string' || !code.startsWith('FST_')) return undefined;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new AdminApiException(413, 'The request body is too large.');
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return new AdminApiException(415, 'Send the request body as application/json.');
  return new AdminApiException(400, 'The request body is not valid JSON.');
}

function toAnswer(error: unknown): AdminApiException | undefined {
  if (error instanceof AdminApiException) return error;
  if (error instanceof DirectoryError) {
    if (error.reason === FailureReason.NotFound) return new AdminApiException(404, error.detail);
    const invalid = Array.isArray(error.context?.['invalid'])
      ? (error.context['invalid'] as unknown[]).map(String)
      : undefined;
    return new AdminApiException(400, error.detail, invalid ? { invalid } : {});
  }
  if (error instanceof ZodError) {
    const issue = error.issues[0];
    const field = issue?.path.join('.');
    if (!field) return new AdminApiException(400, 'The request body must be a JSON object.');
    return new AdminApiException(400, `The request is not valid (${field}): ${issue?.message ?? 'unexpected value'}.`);
  }
  const fastify = fastifyError(error) ?? (error instanceof HttpException ? fastifyError(error.cause) : undefined);
  if (fastify) return fastify;
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return new AdminApiException(status, status === 404 ? 'There is no such admin API endpoint.' : error.message);
  }
  return undefined;
}

/**
 * Errors of the admin console's API become JSON for the page (`{ status, error }`), never a SCIM
 * body, an HTML page or a stack trace. Bound to the console's controllers only; the SCIM API
 * keeps its own filter.
 */
@Catch()
export class AdminExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('AdminConsole');

  constructor(private readonly probe: DependencyProbe) {}

  async catch(error: unknown, host: ArgumentsHost): Promise<void> {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    let answer = toAnswer(error);
    if (!answer) {
      const down = await this.probe.outage();
      if (down) {
        answer = new AdminApiException(
          503,
          `The service cannot reach ${down} right now. Try again in a minute.`,
          {},
          { 'Retry-After': '5' },
        );
      } else {
        this.logger.error(
          `Unexpected error on ${request.method} ${request.url.split('?')[0]}`,
          error instanceof Error ? error.stack : String(error),
        );
        answer = new AdminApiException(
          500,
          'Something went wrong on our side. It has been logged; try again, and tell the operator if it persists.',
        );
      }
    }
    if (reply.sent) return;
    for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
    reply
      .status(answer.status)
      .header('Content-Type', 'application/json; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .send(answer.body);
  }
}
