import type { FailedWriteRecord, StoredOutcome } from './job-retention';
import type { FailureReason } from './failure-reason';
import type { JsonObject, PatchOperation } from '@scim/scim';

/**
 * The contract between the gateway (producer) and the worker (consumer) of the `directory` queue.
 * One union member per job name, so that a handler's payload and result types follow from it.
 * Payloads carry the gateway's parsed, validated values (libs/scim's canonical user document, a
 * PATCH's parsed operations), as plain JSON: the worker does not parse them again. The result is
 * what the worker publishes to the waiting gateway (WriteReply); the job itself keeps only a
 * StoredOutcome (job-retention.ts).
 */
export type JsonDocument = { [key: string]: unknown };

/** Fields every write carries. */
export interface WriteEnvelope {
  /** Also the BullMQ job id and the operations-log primary key: a redelivered job is recognised. */
  operationId: string;
  tenantId: string;
  /** The HTTP request's id (X-Request-Id), for the worker's log line and the operations log. Absent in jobs of older gateways. */
  requestId?: string;
  /** Redis channel on which the gateway that enqueued the job waits for its result. */
  replyTo: string;
  /** Epoch ms after which the gateway has given up (answered 503): a job not started by then is not applied. */
  deadline: number;
  /** `If-Match` precondition (a weak ETag), when the client sent one. */
  ifMatch?: string;
}

export type DirectoryJob =
  | { name: 'create-user'; data: WriteEnvelope & { user: JsonObject }; result: WriteResult }
  | { name: 'replace-user'; data: WriteEnvelope & { userId: string; user: JsonObject }; result: WriteResult }
  | { name: 'patch-user'; data: WriteEnvelope & { userId: string; operations: PatchOperation[] }; result: WriteResult }
  | { name: 'delete-user'; data: WriteEnvelope & { userId: string }; result: WriteResult }
  | {
      name: 'create-group';
      data: WriteEnvelope & { group: JsonDocument; members: MemberRefJson[] };
      result: WriteResult;
    }
  | {
      name: 'replace-group';
      data: WriteEnvelope & { groupId: string; group: JsonDocument; members: MemberRefJson[] };
      result: WriteResult;
    }
  | {
      name: 'patch-group';
      data: WriteEnvelope & { groupId: string; operations: PatchOperation[] };
      result: WriteResult;
    }
  | { name: 'delete-group'; data: WriteEnvelope & { groupId: string }; result: WriteResult };

/** A group member named by the client: its id, and optionally User or Group. */
export interface MemberRefJson {
  value: string;
  type?: 'User' | 'Group';
}

export type DirectoryJobName = DirectoryJob['name'];
export type DirectoryJobData<N extends DirectoryJobName> = Extract<DirectoryJob, { name: N }>['data'];
export type DirectoryJobResult<N extends DirectoryJobName> = Extract<DirectoryJob, { name: N }>['result'];

/** One write as a job carries it: its name and payload. */
export type DirectoryWrite = { [N in DirectoryJobName]: { name: N; data: DirectoryJobData<N> } }[DirectoryJobName];

/**
 * Writes a gateway gathered while its previous add was in flight, sent as one job (issue 13). The
 * worker applies them in one transaction, a savepoint each, and replies to each write. The job's
 * id is its first write's operation id; each write keeps its own operation id, deadline and reply channel.
 */
export const WRITE_BATCH_JOB = 'write-batch';
export interface WriteBatch {
  writes: DirectoryWrite[];
}
/** A batch holds at most this many writes, and at most this many bytes of JSON. */
export const MAX_BATCH_WRITES = 64;
export const MAX_BATCH_BYTES = 256 * 1024;

/**
 * The type parameters of the `directory` queue's Queue and Worker: what its jobs carry (a failed
 * job's payload is replaced by its ids, job-retention.ts) and return.
 */
export type DirectoryQueueData = DirectoryWrite['data'] | WriteBatch | FailedWriteRecord;
export type DirectoryQueueName = DirectoryJobName | typeof WRITE_BATCH_JOB;
export type DirectoryQueueResult = StoredOutcome | StoredOutcome[];

/** A stored resource as sent back to the gateway, which renders it with its public URL. */
export interface ResourceSnapshot {
  id: string;
  data: JsonDocument;
  version: number;
  created: string;
  lastModified: string;
}

/** A refused or failed write: why (a domain reason, never an HTTP status), in words, and the facts behind it. */
export interface WriteFailure {
  ok: false;
  reason: FailureReason;
  detail: string;
  /** Facts for the failure notice's advice, e.g. `{ domain }` for a rejected work email. */
  context?: Record<string, unknown>;
  retryAfterSeconds?: number;
}

export type WriteResult = { ok: true; status: 200 | 201 | 204; resource?: ResourceSnapshot } | WriteFailure;

/** A write's answer, as the worker publishes it on `replyTo` when its job ends. */
export interface WriteReply {
  operationId: string;
  result: WriteResult;
}

/**
 * One message on a reply channel: a reply, or the replies of one batch to the same gateway in
 * one PUBLISH. Gateways understand both; deploy gateways before workers.
 */
export type WriteReplyMessage = WriteReply | WriteReply[];
