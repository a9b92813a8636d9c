import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { writeJobs } from '@scim/directory/testing';
import { DIRECTORY_JOB_OPTIONS, DIRECTORY_QUEUE, WRITE_BATCH_JOB, type WriteReply } from '@scim/queue';
import { useAppStack } from './support/gateway.app';

/**
 * The worker answers a batch with one message per gateway (issue 13): the writes of one batch
 * that came from one gateway share a PUBLISH, each reply keeps its operation id.
 */
describe('worker replies to a batch (in-process)', () => {
  const { stack, tenant } = useAppStack({ label: 'app-worker-replies', worker: true });
  let listener: IORedis;
  const messages = new Map<string, unknown[]>();

  before(async () => {
    listener = new IORedis(stack.env['REDIS_URL']!);
    await listener.subscribe('test-gateway-a', 'test-gateway-b');
    listener.on('message', (channel: string, message: string) => {
      messages.set(channel, [...(messages.get(channel) ?? []), JSON.parse(message)]);
    });
  });

  after(() => {
    listener?.disconnect();
  });

  it('publishes the replies for one gateway as one array, and a lone reply as an object', async () => {
    const { createUserJob } = writeJobs(() => tenant.tenantId);
    const writes = [
      createUserJob({ userName: 'batch.one@example.com' }, { replyTo: 'test-gateway-a' }),
      createUserJob({ userName: 'batch.two@example.com' }, { replyTo: 'test-gateway-b' }),
      createUserJob({ userName: 'BATCH.ONE@example.com' }, { replyTo: 'test-gateway-a' }),
    ];
    // BullMQ does not close a connection it was given: closed below, or the test process stays up.
    const connection = new IORedis(stack.env['REDIS_URL']!, { maxRetriesPerRequest: null });
    const queue = new Queue(DIRECTORY_QUEUE, { connection, prefix: stack.queuePrefix });
    try {
      await queue.add(WRITE_BATCH_JOB, { writes }, { ...DIRECTORY_JOB_OPTIONS, jobId: writes[0]!.data.operationId });
      for (let i = 0; i < 200 && messages.size < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await queue.close();
      connection.disconnect();
    }
    const toA = messages.get('test-gateway-a') as WriteReply[][];
    expect(toA).toHaveLength(1);
    expect(toA[0]!.map((reply) => reply.operationId)).toEqual([
      writes[0]!.data.operationId,
      writes[2]!.data.operationId,
    ]);
    expect(toA[0]!.map((reply) => (reply.result.ok ? reply.result.status : reply.result.reason))).toEqual([
      201,
      'USER_NAME_TAKEN',
    ]);
    const toB = messages.get('test-gateway-b') as WriteReply[];
    expect(toB).toEqual([
      { operationId: writes[1]!.data.operationId, result: expect.objectContaining({ ok: true, status: 201 }) },
    ]);
  });
});
