import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Queue, type JobsOptions } from 'bullmq';
import { DataSource } from 'typeorm';
import { DatabaseCircuit, OperationsLog, unavailableNotice, type DirectoryJobInput } from '@scim/directory';
import { ScimError } from '@scim/scim';
import {
  DIRECTORY_JOB_OPTIONS,
  DIRECTORY_QUEUE,
  MAX_BATCH_BYTES,
  MAX_BATCH_WRITES,
  WRITE_BATCH_JOB,
  FailureReason,
  NOTIFICATIONS_QUEUE,
  RETRY_AFTER_SECONDS,
  NOTIFICATION_JOB_OPTIONS,
  directoryWritesOf,
  replyChannel,
  type FailureNotice,
  type DirectoryJobData,
  type DirectoryJobName,
  type DirectoryQueueData,
  type DirectoryQueueName,
  type DirectoryQueueResult,
  type WriteEnvelope,
  type WriteReplyMessage,
  type WriteResult,
  createRedisConnection,
  type RedisConnection,
} from '@scim/queue';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';

type Payload<N extends DirectoryJobName> = Omit<DirectoryJobData<N>, keyof WriteEnvelope> &
  Pick<WriteEnvelope, 'tenantId' | 'requestId' | 'ifMatch'>;

interface PendingWrite {
  job: DirectoryJobInput;
  resolve(result: WriteResult): void;
  /** The queue job that carries it: itself alone, or a batch. Set once the job is sent. */
  sent?: SentJob;
}

/** A job on the queue and the operations it carries. */
interface SentJob {
  jobId: string;
  operationIds: string[];
  /** Its writes not answered yet; at 0 the job no longer counts as in flight. */
  unanswered: number;
}

/** A write waiting for the add in flight to return. */
interface OutgoingWrite {
  job: DirectoryJobInput;
  /** Called when its job could not be added (Redis unreachable). */
  refuse(): void;
}

/**
 * Jobs of this gateway in flight (sent, not all answered) beyond which new writes gather into the
 * next job, for at most GATHER_MS. Below it writes go out at once, so low load waits for nothing.
 */
const MAX_JOBS_IN_FLIGHT = 2;
const GATHER_MS = 5;

/** Made only when needed: an error's stack trace costs more than the rest of a write's bookkeeping. */
function queueDown(): ScimError {
  return new ScimError(
    503,
    'The service is temporarily unavailable: the queue cannot be reached. The write was not applied; retry later.',
    undefined,
    RETRY_AFTER_SECONDS,
  );
}

/** After losing Redis, how long writes that were running get to show up in the operations log. */
const LOST_REPLY_GRACE_MS = 2000;
const LOST_REPLY_POLL_MS = 200;

/**
 * Request/reply over BullMQ: enqueue a write on the `directory` queue and wait for its result.
 * Results come back on one Redis channel per gateway process, dispatched to the waiting request
 * by operation id (one subscriber, not one QueueEvents listener per request; DESIGN.md §7).
 * The producer connection does not queue commands while Redis is down, so a write fails at once
 * and the client gets 503 instead of a hang.
 */
@Injectable()
export class DirectoryClient implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DirectoryClient.name);
  private readonly gatewayId = randomUUID();
  private readonly channel: string;
  private readonly producer: RedisConnection;
  private readonly subscriber: RedisConnection;
  private readonly queue: Queue<DirectoryQueueData, DirectoryQueueResult, DirectoryQueueName>;
  /** Writes refused while Postgres is down are reported here, like the worker's exhausted retries. */
  private readonly notifications: Queue<FailureNotice, void, 'record-failure'>;
  private readonly pending = new Map<string, PendingWrite>();
  private readonly log: OperationsLog;
  /** Operations whose reply channel went away and that are being settled from the operations log. */
  private readonly settling = new Set<string>();
  private stopping = false;
  /** Writes gathered while an add is in flight; they go out together when it returns. */
  private outbox: OutgoingWrite[] = [];
  private adding = false;
  private jobsInFlight = 0;
  private gathering?: NodeJS.Timeout;
  /** Told the tenant of each write once its answer is known (the read router's read-your-writes). */
  private readonly written: ((tenantId: string) => void)[] = [];

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly circuit: DatabaseCircuit,
    dataSource: DataSource,
  ) {
    this.log = new OperationsLog(dataSource);
    this.channel = replyChannel(config.queuePrefix, this.gatewayId);
    this.producer = createRedisConnection(config.redis, 'commands', { name: 'scim-gateway' });
    // Subscribed explicitly on every 'ready' (see onModuleInit), so no automatic resubscribe.
    this.subscriber = createRedisConnection(config.redis, 'subscriber', {
      name: 'scim-gateway-replies',
      lazyConnect: true,
    });
    this.queue = new Queue(DIRECTORY_QUEUE, { connection: this.producer, prefix: config.queuePrefix });
    this.queue.on('error', () => undefined);
    this.notifications = new Queue(NOTIFICATIONS_QUEUE, { connection: this.producer, prefix: config.queuePrefix });
    this.notifications.on('error', () => undefined);
    // Replies published while the subscriber is disconnected are lost (pub/sub keeps nothing).
    this.subscriber.on('close', () => void this.settleLostReplies());
    // Postgres stopped answering: the workers cannot finish, so waiting writes are answered now.
    circuit.onOpen((reason) => {
      for (const operationId of [...this.pending.keys()]) {
        void this.expire(
          operationId,
          `The write could not complete: ${reason}. It was not applied unless a later read shows it; retry the request.`,
          `The write was not applied: ${reason}.`,
        );
      }
    });
  }

  /**
   * Subscribes to this gateway's reply channel on every (re)connection. Start-up waits for the
   * first subscription, but at most 2 s: with Redis down the gateway still starts and answers 503.
   */
  async onModuleInit(): Promise<void> {
    this.subscriber.on('message', (_channel: string, message: string) => this.dispatch(message));
    const subscribed = new Promise<void>((resolve) => {
      this.subscriber.on('ready', () => {
        this.subscriber.subscribe(this.channel).then(
          () => resolve(),
          (error: Error) => this.logger.warn(`Reply channel: ${error.message}`),
        );
      });
    });
    this.subscriber.connect().catch(() => undefined);
    await Promise.race([subscribed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.queue.close().catch(() => undefined);
    await this.notifications.close().catch(() => undefined);
    this.subscriber.disconnect();
    this.producer.disconnect();
  }

  get redis(): RedisConnection {
    return this.producer;
  }

  /**
   * Enqueues one write and resolves with its result, or with a 503 result after WRITE_TIMEOUT_MS.
   * While the watchdog finds Postgres down the write is refused at once (and reported for the
   * failure email): it is never queued, so it can never happen later.
   */
  async write<N extends DirectoryJobName>(name: N, payload: Payload<N>): Promise<WriteResult> {
    const operationId = randomUUID();
    const deadline = Date.now() + this.config.writeTimeoutMs;
    const data = { ...payload, operationId, replyTo: this.channel, deadline } as unknown as DirectoryJobData<N>;
    const job = { name, data } as unknown as DirectoryJobInput;
    const closed = this.circuit.refusal();
    if (closed) {
      const detail = `The service is temporarily unavailable: ${closed.reason}. The write was not applied; retry later.`;
      void this.report(unavailableNotice(job, detail));
      throw new ScimError(503, detail, undefined, RETRY_AFTER_SECONDS);
    }
    // BullMQ waits for a connection's first 'ready' without a limit: a gateway started while Redis
    // was unreachable would hang every write (found by the app tests). Not connected: refused now.
    if (this.producer.status !== 'ready') throw queueDown();
    const result = new Promise<WriteResult>((resolve) => this.pending.set(operationId, { job, resolve }));
    const timer = setTimeout(() => void this.expire(operationId), this.config.writeTimeoutMs);
    const refused = new Promise<never>((_resolve, reject) => {
      this.outbox.push({
        job,
        refuse: () => {
          clearTimeout(timer);
          this.forget(operationId);
          reject(queueDown());
        },
      });
    });
    this.send();
    return Promise.race([result, refused]).finally(() => {
      clearTimeout(timer);
      for (const listener of this.written) listener(payload.tenantId);
    });
  }

  /**
   * Coalescing (issue 13): with no add in flight, what is in the outbox (a lone write, at low load)
   * goes out at once. While an add is in flight, writes gather; when it returns they go out
   * together, as jobs of at most MAX_BATCH_WRITES writes and MAX_BATCH_BYTES, in one round trip.
   * An add takes about a millisecond, so that alone left most jobs holding one write (measured: 970
   * of 1,400 jobs at 32 connections); writes therefore also gather while MAX_JOBS_IN_FLIGHT of this
   * gateway's jobs are unanswered, for at most GATHER_MS, so that a stuck worker delays nothing
   * for longer. The worker applies each batch with one COMMIT.
   */
  private send(): void {
    if (this.adding || this.outbox.length === 0) return;
    if (this.jobsInFlight >= MAX_JOBS_IN_FLIGHT && this.outbox.length < MAX_BATCH_WRITES) {
      this.gathering ??= setTimeout(() => {
        this.gathering = undefined;
        this.sendNow();
      }, GATHER_MS);
      return;
    }
    this.sendNow();
  }

  private sendNow(): void {
    clearTimeout(this.gathering);
    this.gathering = undefined;
    if (this.adding) return;
    // A write answered while it waited here (expired when Postgres went away) is not sent: every
    // write sent is pending, and leaves `pending` once, which keeps jobsInFlight true.
    const outgoing = this.outbox.filter((write) => this.pending.has(write.job.data.operationId));
    this.outbox = [];
    if (outgoing.length === 0) return;
    const batches: OutgoingWrite[][] = [];
    let bytes = 0;
    for (const write of outgoing) {
      // A lone write is not measured: only a batch has a size limit to keep.
      const size = outgoing.length === 1 ? 0 : JSON.stringify(write.job.data).length;
      const current = batches.at(-1);
      if (!current || current.length >= MAX_BATCH_WRITES || bytes + size > MAX_BATCH_BYTES) {
        batches.push([write]);
        bytes = size;
      } else {
        current.push(write);
        bytes += size;
      }
    }
    this.adding = true;
    const jobs: { name: DirectoryQueueName; data: DirectoryQueueData; opts: JobsOptions }[] = batches.map((writes) => {
      const first = writes[0]!.job;
      const operationIds = writes.map((w) => w.job.data.operationId);
      const sent: SentJob = { jobId: first.data.operationId, operationIds, unanswered: operationIds.length };
      this.jobsInFlight += 1;
      for (const id of sent.operationIds) {
        const waiting = this.pending.get(id);
        if (waiting) waiting.sent = sent;
      }
      const opts = { ...DIRECTORY_JOB_OPTIONS, jobId: sent.jobId };
      // A lone write keeps the plain job of its name, so that an idle gateway's jobs look as before.
      return writes.length === 1
        ? { name: first.name, data: first.data, opts }
        : { name: WRITE_BATCH_JOB, data: { writes: writes.map((w) => w.job) }, opts };
    });
    const added =
      jobs.length === 1 ? this.queue.add(jobs[0]!.name, jobs[0]!.data, jobs[0]!.opts) : this.queue.addBulk(jobs);
    added
      .catch(() => {
        for (const write of batches.flat()) write.refuse();
      })
      .finally(() => {
        this.adding = false;
        this.send();
      });
  }

  onWritten(listener: (tenantId: string) => void): void {
    this.written.push(listener);
  }

  /** Best effort: the notifier records the failure (when Postgres is back) and mails the tenant. */
  private async report(notice: FailureNotice): Promise<void> {
    await this.notifications
      .add('record-failure', notice, { ...NOTIFICATION_JOB_OPTIONS, jobId: notice.operationId })
      .catch((error: Error) => {
        this.logger.warn(`Could not report the failure of ${notice.operationId}: ${error.message}`);
      });
  }

  /** A write is answered (or refused): it leaves `pending`, and its job may stop counting as in flight. */
  private forget(operationId: string): void {
    const sent = this.pending.get(operationId)?.sent;
    this.pending.delete(operationId);
    if (sent && --sent.unanswered === 0) {
      this.jobsInFlight -= 1;
      this.send();
    }
  }

  private settle(operationId: string, result: WriteResult): void {
    const waiting = this.pending.get(operationId);
    if (!waiting) return;
    this.forget(operationId);
    waiting.resolve(result);
  }

  /**
   * The reply channel went away (Redis crashed or the connection dropped) with writes waiting.
   * Their results live in the operations log, keyed by operation id: a write that ran is
   * answered from it, one still running gets LOST_REPLY_GRACE_MS to finish, and any other is
   * refused for good by recording it as failed under its id (its job, should it still run,
   * then changes nothing) and answered 503.
   */
  private async settleLostReplies(): Promise<void> {
    if (this.stopping) return;
    const lost = [...this.pending.keys()].filter((id) => !this.settling.has(id));
    if (lost.length === 0) return;
    for (const id of lost) this.settling.add(id);
    const waiting = () => lost.filter((id) => this.pending.has(id));
    try {
      const until = Date.now() + LOST_REPLY_GRACE_MS;
      for (;;) {
        const recorded = await this.log.recorded(waiting()).catch(() => [] as string[]);
        for (const id of recorded) {
          const result = await this.log.replay(id).catch(() => undefined);
          if (result) this.settle(id, result);
        }
        if (waiting().length === 0 || Date.now() >= until) break;
        await new Promise((resolve) => setTimeout(resolve, LOST_REPLY_POLL_MS));
      }
      const refusal = {
        detail: 'The write was not applied: the connection to the queue was lost while it waited. Retry the request.',
        reason: FailureReason.Unavailable,
      };
      await Promise.all(
        waiting().map(async (id) => {
          const job = this.pending.get(id)?.job;
          if (!job) return;
          const result = await this.log.abandon(job, refusal).catch(() => undefined);
          // Without the database the outcome cannot be known: the timeout's answer says so.
          if (result) this.settle(id, result);
          else await this.expire(id);
        }),
      );
    } finally {
      for (const id of lost) this.settling.delete(id);
    }
  }

  private dispatch(message: string): void {
    let replies: WriteReplyMessage;
    try {
      replies = JSON.parse(message) as WriteReplyMessage;
    } catch {
      this.logger.warn(`Ignoring a malformed reply on ${this.channel}`);
      return;
    }
    for (const reply of Array.isArray(replies) ? replies : [replies]) this.settle(reply.operationId, reply.result);
  }

  /**
   * No reply in time (or Postgres stopped answering). A job still waiting, or waiting for a retry,
   * is removed (the worker also refuses jobs past their deadline) and, given a `noticeDetail`,
   * reported for the failure email; a write that was applied but whose reply was lost is answered
   * from the operations log, which commits with the write (completed jobs are not kept: their
   * payload is personal data); a running one is left to the worker, which applies it or reports it.
   */
  private async expire(
    operationId: string,
    detail = `The write did not complete within ${this.config.writeTimeoutMs} ms. It was not applied unless a later read shows it; retry the request.`,
    noticeDetail?: string,
  ): Promise<void> {
    const waiting = this.pending.get(operationId);
    if (!waiting) return;
    this.forget(operationId);
    // A batch is taken off the queue only once none of its writes is waited for: the worker refuses
    // the expired ones by their deadline and applies the others.
    const sent = waiting.sent;
    const othersWaiting = sent?.operationIds.some((id) => this.pending.has(id)) ?? false;
    try {
      const job = sent && !othersWaiting ? await this.queue.getJob(sent.jobId) : undefined;
      if (job && ((await job.isWaiting()) || (await job.isDelayed()))) {
        await job.remove();
        if (noticeDetail) {
          for (const write of directoryWritesOf(job)) void this.report(unavailableNotice(write, noticeDetail));
        }
      }
    } catch {
      // Redis is unreachable, or the job started meanwhile: the operations log below still knows whether the write happened.
    }
    // With Postgres down this fails at once (the circuit is open): the 503 is the answer.
    const result = await this.log.replay(operationId).catch(() => undefined);
    waiting.resolve(result ?? { ok: false, reason: FailureReason.TimedOut, detail });
  }
}
