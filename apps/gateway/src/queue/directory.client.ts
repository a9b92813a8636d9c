import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { OperationsLog } from '@scim/directory';
import {
  DIRECTORY_JOB_OPTIONS,
  DIRECTORY_QUEUE,
  replyChannel,
  type DirectoryJobData,
  type DirectoryJobName,
  type WriteEnvelope,
  type WriteReply,
  type WriteResult,
} from '@scim/queue';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';

type Payload<N extends DirectoryJobName> = Omit<DirectoryJobData<N>, keyof WriteEnvelope> & Pick<WriteEnvelope, 'tenantId' | 'requestId' | 'ifMatch'>;

interface PendingWrite {
  resolve(result: WriteResult): void;
}

/** How long a client is told to wait before retrying a write that timed out. */
const RETRY_AFTER_SECONDS = 5;

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
  private readonly producer: IORedis;
  private readonly subscriber: IORedis;
  private readonly queue: Queue;
  private readonly pending = new Map<string, PendingWrite>();
  private readonly log: OperationsLog;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig, dataSource: DataSource) {
    this.log = new OperationsLog(dataSource);
    this.channel = replyChannel(config.queuePrefix, this.gatewayId);
    this.producer = new IORedis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: 'scim-gateway' });
    this.subscriber = new IORedis(config.redisUrl, {
      maxRetriesPerRequest: null,
      connectionName: 'scim-gateway-replies',
      // Subscribed explicitly on every 'ready' (see onModuleInit), so no automatic resubscribe.
      autoResubscribe: false,
      lazyConnect: true,
    });
    // ioredis reports connection errors as events; requests see them as rejected commands.
    this.producer.on('error', () => undefined);
    this.subscriber.on('error', () => undefined);
    this.queue = new Queue(DIRECTORY_QUEUE, { connection: this.producer, prefix: config.queuePrefix });
    this.queue.on('error', () => undefined);
  }

  /**
   * Subscribes to this gateway's reply channel on every (re)connection. Start-up waits for the
   * first subscription, but at most 2 s: with Redis down the gateway still starts and answers 503.
   */
  async onModuleInit(): Promise<void> {
    this.subscriber.on('message', (_channel: string, message: string) => this.dispatch(message));
    const subscribed = new Promise<void>((resolve) => {
      this.subscriber.on('ready', () => {
        this.subscriber.subscribe(this.channel).then(() => resolve(), (error: Error) => this.logger.warn(`Reply channel: ${error.message}`));
      });
    });
    this.subscriber.connect().catch(() => undefined);
    await Promise.race([subscribed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close().catch(() => undefined);
    this.subscriber.disconnect();
    this.producer.disconnect();
  }

  get redis(): IORedis {
    return this.producer;
  }

  /** Enqueues one write and resolves with its result, or with a 503 result after WRITE_TIMEOUT_MS. */
  async write<N extends DirectoryJobName>(name: N, payload: Payload<N>): Promise<WriteResult> {
    const operationId = randomUUID();
    const deadline = Date.now() + this.config.writeTimeoutMs;
    const data = { ...payload, operationId, replyTo: this.channel, deadline } as unknown as DirectoryJobData<N>;
    const result = new Promise<WriteResult>((resolve) => this.pending.set(operationId, { resolve }));
    const timer = setTimeout(() => void this.expire(operationId), this.config.writeTimeoutMs);
    try {
      await this.queue.add(name, data as never, { ...DIRECTORY_JOB_OPTIONS, jobId: operationId });
    } catch (error) {
      clearTimeout(timer);
      this.pending.delete(operationId);
      throw error;
    }
    return result.finally(() => clearTimeout(timer));
  }

  private dispatch(message: string): void {
    let reply: WriteReply;
    try {
      reply = JSON.parse(message) as WriteReply;
    } catch {
      this.logger.warn(`Ignoring a malformed reply on ${this.channel}`);
      return;
    }
    const waiting = this.pending.get(reply.operationId);
    if (!waiting) return;
    this.pending.delete(reply.operationId);
    waiting.resolve(reply.result);
  }

  /**
   * No reply in time. A job still waiting is removed (the worker also refuses jobs past their
   * deadline); a write that was applied but whose reply was lost is answered from the operations
   * log, which commits with the write (completed jobs are not kept: their payload is personal data).
   */
  private async expire(operationId: string): Promise<void> {
    const waiting = this.pending.get(operationId);
    if (!waiting) return;
    this.pending.delete(operationId);
    try {
      const job = await this.queue.getJob(operationId);
      if (job && (await job.isWaiting())) await job.remove().catch(() => undefined);
    } catch {
      // Redis is unreachable: the operations log below still knows whether the write happened.
    }
    const result = await this.log.replay(operationId).catch(() => undefined);
    waiting.resolve(result ?? {
      ok: false,
      status: 503,
      detail: `The write did not complete within ${this.config.writeTimeoutMs} ms. It was not applied unless a later read shows it; retry the request.`,
      retryAfterSeconds: RETRY_AFTER_SECONDS,
    });
  }
}
