import { isUtf8 } from 'node:buffer';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ScimError, assertStorableJson, assertStorableUrl, scimErrorBody, type ScimType } from '@scim/scim';

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * SCIM bodies: `application/scim+json` (Entra's, with or without charset) and `application/json`,
 * parsed with Fastify's own JSON parser (prototype-poisoning safe). An empty body parses to
 * undefined so that a DELETE with a Content-Type is not an error. Bad bytes (invalid UTF-8, NUL,
 * unpaired surrogates) in the URL or the body are refused here with a 400, before anything is
 * queued or queried: the database would refuse them anyway, and a retry cannot help.
 */
export function registerScimBodyParsing(fastify: FastifyInstance): void {
  const jsonParser = fastify.getDefaultJsonParser('error', 'error');
  fastify.addHook('onRequest', (request, _reply, done) => {
    try {
      assertStorableUrl(request.raw.url ?? '');
    } catch (error) {
      return done(error as Error);
    }
    return done();
  });
  // Node answers an `Expect` other than 100-continue itself, with an empty 417, unless told how.
  fastify.server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
    const body = scimErrorJson(417, 'The Expect header can only be "100-continue"; send the request without it.');
    response
      .writeHead(417, {
        'Content-Type': 'application/scim+json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        Connection: 'close',
      })
      .end(body);
  });
  // Node hands CONNECT to a 'connect' listener, and without one closes the socket with no answer.
  fastify.server.on('connect', (_request: IncomingMessage, socket: Socket) => {
    writeRawAnswer(socket, 405, scimErrorJson(405, 'CONNECT is not supported: this is a SCIM service, not a proxy.'));
  });
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    ['application/json', 'application/scim+json'],
    { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES },
    (request: FastifyRequest, body: string | Buffer, done: (error: Error | null, body?: unknown) => void) => {
      if (typeof body !== 'string' && !isUtf8(body)) {
        return done(
          ScimError.badRequest('invalidSyntax', 'The request body is not valid UTF-8; send JSON encoded as UTF-8.'),
        );
      }
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') return done(null, undefined);
      return jsonParser(request, text, (error, parsed) => {
        if (error) return done(error);
        try {
          assertStorableJson(parsed);
        } catch (unsafe) {
          return done(unsafe as Error);
        }
        return done(null, parsed);
      });
    },
  );
  // Every SCIM answer is SCIM: JSON bodies under /api/scim go out as application/scim+json
  // (health, the admin console's API and the queue dashboard's stay application/json).
  fastify.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (
      typeof type === 'string' &&
      type.startsWith('application/json') &&
      /^\/api\/scim(\/|\?|$)/i.test(reply.request.url)
    ) {
      reply.header('content-type', 'application/scim+json; charset=utf-8');
    }
    return payload;
  });
}

/** The router also fails on a path that decodes to invalid UTF-8: say that rather than "malformed". */
function badBytesIn(url: string | undefined): [number, string, ScimType | undefined] | undefined {
  try {
    assertStorableUrl(url ?? '');
    return undefined;
  } catch (error) {
    return error instanceof ScimError ? [error.status, error.detail, error.scimType] : undefined;
  }
}

function scimErrorJson(status: number, detail: string, scimType?: ScimType): string {
  return JSON.stringify(scimErrorBody(status, detail, scimType));
}

/**
 * Fastify's router errors, answered before any hook or Nest filter runs (Fastify's own JSON
 * otherwise): the `frameworkErrors` option of the adapter.
 */
export function scimFrameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const [status, detail, scimType]: [number, string, ScimType | undefined] =
    badBytesIn(request.raw.url) ??
    (error.code === 'FST_ERR_BAD_URL'
      ? [
          400,
          'The URL path has a malformed percent-encoding (a "%" must be followed by two hexadecimal digits; write a literal "%" as %25).',
          'invalidSyntax',
        ]
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? [414, 'A segment of the URL path (such as an id) is longer than 500 characters.', undefined]
        : [400, 'The request could not be routed.', 'invalidSyntax']);
  reply
    .code(status)
    .header('Content-Type', 'application/scim+json; charset=utf-8')
    .send(scimErrorJson(status, detail, scimType));
}

/**
 * Errors of the HTTP parser, before Fastify has a request (headers too large, malformed request
 * line, headers not received in time): the `clientErrorHandler` option, answering a SCIM error
 * on the raw socket as Node itself would, then closing it.
 */
export function scimClientErrorHandler(error: Error & { code?: string; reason?: string }, socket: Socket): void {
  // The client is gone: nothing to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail, scimType]: [number, string, ScimType | undefined] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'The request line and headers are larger than 16 KiB; send a shorter URL or fewer, smaller headers.',
          undefined,
        ]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request was not received in time; send it again.', undefined]
        : [400, `The request is not valid HTTP/1.1${error.reason ? ` (${error.reason})` : ''}.`, 'invalidSyntax'];
  writeRawAnswer(socket, status, scimErrorJson(status, detail, scimType));
}

/** A whole answer written on a socket Fastify does not manage, then closed. */
function writeRawAnswer(socket: Socket, status: number, body: string): void {
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/scim+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
