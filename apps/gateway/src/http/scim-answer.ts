import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { etag, type JsonObject, type StoredResource } from '@scim/scim';
import type { WriteResult } from '@scim/queue';
import { scimErrorFor } from '../scim-errors';

/** What a SCIM handler answers: status, body and the headers that go with a single resource. */
export interface ScimAnswer {
  status: number;
  body?: JsonObject;
  location?: string;
  version?: number;
}

/** Applies the answer's status and headers to the reply and returns the body for Nest to send. */
export function sendAnswer(reply: FastifyReply, answer: ScimAnswer): JsonObject | undefined {
  reply.status(answer.status);
  if (answer.location) reply.header('Location', answer.location);
  if (answer.version !== undefined) reply.header('ETag', etag(answer.version));
  return answer.body;
}

/**
 * Turns a worker's write result into an answer: success renders the resource, a refusal becomes
 * the ScimError the exception filter renders.
 */
export function answerFromWrite(result: WriteResult, render: (resource: StoredResource) => JsonObject): ScimAnswer {
  throwIfRefused(result);
  if (!result.resource) return { status: result.status };
  const resource = result.resource as StoredResource;
  const body = render(resource);
  const meta = body['meta'] as { location?: string } | undefined;
  return {
    status: result.status,
    body,
    version: resource.version,
    ...(result.status === 201 && meta?.location ? { location: meta.location } : {}),
  };
}

/** A refused write becomes the ScimError the exception filter renders (with its Retry-After). */
export function throwIfRefused(result: WriteResult): asserts result is Extract<WriteResult, { ok: true }> {
  if (result.ok) return;
  throw scimErrorFor(result.reason, result.detail, result.retryAfterSeconds);
}

/** Like sendAnswer, for bodies written as a stream (groups with many members). */
export function sendStream(
  reply: FastifyReply,
  answer: { status: number; body?: Readable; location?: string; version?: number },
): Readable | undefined {
  reply.status(answer.status);
  if (answer.location) reply.header('Location', answer.location);
  if (answer.version !== undefined) reply.header('ETag', etag(answer.version));
  if (answer.body) reply.header('Content-Type', 'application/scim+json; charset=utf-8');
  return answer.body;
}
