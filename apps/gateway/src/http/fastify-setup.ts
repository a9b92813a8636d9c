import type { FastifyInstance, FastifyRequest } from 'fastify';

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * SCIM bodies: `application/scim+json` (Entra's, with or without charset) and `application/json`,
 * parsed with Fastify's own JSON parser (prototype-poisoning safe). An empty body parses to
 * undefined so that a DELETE with a Content-Type is not an error.
 */
export function registerScimBodyParsing(fastify: FastifyInstance): void {
  const jsonParser = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    ['application/json', 'application/scim+json'],
    { parseAs: 'string', bodyLimit: MAX_BODY_BYTES },
    (request: FastifyRequest, body: string | Buffer, done: (error: Error | null, body?: unknown) => void) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') return done(null, undefined);
      return jsonParser(request, text, done);
    },
  );
  // Every answer is SCIM: JSON bodies go out as application/scim+json (but health and the admin console's API).
  fastify.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    const url = reply.request.url;
    if (typeof type === 'string' && type.startsWith('application/json') && !url.startsWith('/health') && !/^\/admin\/api(\/|$|\?)/i.test(url)) {
      reply.header('content-type', 'application/scim+json; charset=utf-8');
    }
    return payload;
  });
}
