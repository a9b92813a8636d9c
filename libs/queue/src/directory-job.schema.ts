import { z } from 'zod';
import type { JsonObject, PatchOperation } from '@scim/scim';
import { MAX_BATCH_WRITES, WRITE_BATCH_JOB, type DirectoryWrite } from './directory.jobs';

/**
 * The worker's check of what it takes off the queue. The gateway built the payload from values it
 * had already parsed and validated, so only the envelope is checked here, cheaply: that each write
 * names a known job and carries the ids, reply channel and deadline the worker relies on, and
 * documents where documents belong (their content is not parsed again). A job
 * failing it was not written by a gateway of this version and is refused without a retry.
 */
const envelope = z.looseObject({
  operationId: z.string().min(1),
  tenantId: z.string().min(1),
  requestId: z.string().optional(),
  replyTo: z.string().min(1),
  deadline: z.number(),
  ifMatch: z.string().optional(),
});

const document = z.record(z.string(), z.unknown());
/**
 * A user as parseUser returned it: the worker relies on its userName (the uniqueness rule). A
 * custom check types it as the canonical document without walking its values again.
 */
const userShape = z.looseObject({ userName: z.string().min(1) });
const user = z.custom<JsonObject>((value) => userShape.safeParse(value).success, 'a user document with a userName');
/**
 * A PATCH's operations as parsePatchRequest returned them: the op and, when present, the parsed
 * path's kind and text (its attribute path and filter are the parser's, not checked again).
 */
const operationShape = z.looseObject({
  op: z.enum(['add', 'remove', 'replace']),
  path: z.looseObject({ type: z.enum(['attrPath', 'valuePath']), text: z.string() }).optional(),
});
const operations = z
  .array(z.custom<PatchOperation>((value) => operationShape.safeParse(value).success, 'a parsed PATCH operation'))
  .min(1);
const members = z.array(z.object({ value: z.string(), type: z.enum(['User', 'Group']).optional() }));
const userId = z.string();
const groupId = z.string();

/** One schema per job name: the compiler checks below that it yields exactly a DirectoryWrite. */
const write = z.discriminatedUnion('name', [
  z.object({ name: z.literal('create-user'), data: envelope.extend({ user }) }),
  z.object({ name: z.literal('replace-user'), data: envelope.extend({ userId, user }) }),
  z.object({ name: z.literal('patch-user'), data: envelope.extend({ userId, operations }) }),
  z.object({ name: z.literal('delete-user'), data: envelope.extend({ userId }) }),
  z.object({ name: z.literal('create-group'), data: envelope.extend({ group: document, members }) }),
  z.object({ name: z.literal('replace-group'), data: envelope.extend({ groupId, group: document, members }) }),
  z.object({ name: z.literal('patch-group'), data: envelope.extend({ groupId, operations }) }),
  z.object({ name: z.literal('delete-group'), data: envelope.extend({ groupId }) }),
]);

const batch = z.object({ writes: z.array(write).min(1).max(MAX_BATCH_WRITES) });

export class InvalidDirectoryJob extends Error {}

/** The writes a `directory` job carries: itself, or the writes of a batch. */
export function directoryWritesOf(job: { name: string; data: unknown }): DirectoryWrite[] {
  const parsed =
    job.name === WRITE_BATCH_JOB
      ? batch.safeParse(job.data)
      : write.transform((one) => ({ writes: [one] })).safeParse({ name: job.name, data: job.data });
  if (!parsed.success) {
    throw new InvalidDirectoryJob(`Job "${job.name}" is not a directory write: ${z.prettifyError(parsed.error)}`);
  }
  // Ids and shapes are checked; the documents inside are the gateway's already validated values.
  const writes: DirectoryWrite[] = parsed.data.writes;
  return writes;
}
