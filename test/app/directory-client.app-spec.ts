import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import IORedis from 'ioredis';
import { FailureReason } from '@scim/queue';
import { freePort } from '../support/stack';
// The app tier boots the apps' own modules (apps have no package name), hence the relative paths.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { DirectoryClient } from '../../apps/gateway/src/queue/directory.client';
import { AppStack, useAppStack } from './support/gateway.app';

/**
 * DirectoryClient, the gateway's request/reply over BullMQ, with the real gateway module: a write
 * with no worker to run it, a write whose reply is lost, and a Redis that is not there.
 */
describe('DirectoryClient in the gateway (in-process)', () => {
  describe('with no worker running', () => {
    const { stack, tenant } = useAppStack({ label: 'app-timeout', env: { WRITE_TIMEOUT_MS: '1500' } });

    it('answers a write that no worker took within WRITE_TIMEOUT_MS with 503 + Retry-After, and removes its job so it never runs later', async () => {
      const response = await stack.client(tenant.token).post('/Users', { userName: 'never-taken' });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(response.body['detail']).toMatch(/did not complete within 1500 ms/);
      // A worker starting now finds nothing to apply.
      await stack.startWorker();
      const redis = new IORedis(stack.env['REDIS_URL']!);
      try {
        const waiting = await redis.llen(`${stack.queuePrefix}:directory:wait`);
        expect(waiting).toBe(0);
      } finally {
        redis.disconnect();
      }
      const list = await stack
        .client(tenant.token)
        .get(`/Users?filter=${encodeURIComponent('userName eq "never-taken"')}`);
      expect(list.body['totalResults']).toBe(0);
    });
  });

  describe('replies of a batch in one message', () => {
    const { stack, tenant } = useAppStack({ label: 'app-batch-reply', env: { WRITE_TIMEOUT_MS: '20000' } });

    it('settles each waiting write from an array of replies published at once, as a worker answers a batch', async () => {
      // No worker: the writes wait on the queue; this test plays the worker's answer.
      const names = ['first', 'second', 'third'];
      const responses = Promise.all(names.map((name) => stack.client(tenant.token).post('/Users', { userName: name })));
      const redis = new IORedis(stack.env['REDIS_URL']!);
      try {
        type Write = { data: { operationId: string; replyTo: string; user: { userName: string } } };
        let writes: Write['data'][] = [];
        for (let i = 0; i < 200 && writes.length < names.length; i++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          const ids = await redis.lrange(`${stack.queuePrefix}:directory:wait`, 0, -1);
          const jobs = await Promise.all(ids.map((id) => redis.hget(`${stack.queuePrefix}:directory:${id}`, 'data')));
          // A job is one write, or a batch of them.
          writes = jobs.flatMap((data) => {
            const parsed = JSON.parse(data ?? '{}') as Write['data'] | { writes: Write[] };
            return 'writes' in parsed ? parsed.writes.map((write) => write.data) : [parsed];
          });
        }
        expect(writes.map((write) => write.user.userName).sort()).toEqual([...names].sort());
        const replies = writes.map((write) => ({
          operationId: write.operationId,
          result: {
            ok: false,
            reason: FailureReason.UserNameTaken,
            detail: `userName "${write.user.userName}" is already taken (answered in a batch).`,
          },
        }));
        await redis.publish(writes[0]!.replyTo, JSON.stringify(replies));
        const answered = await responses;
        expect(answered.map((response) => response.status)).toEqual([409, 409, 409]);
        expect(answered.map((response) => response.body['detail'])).toEqual(
          names.map((name) => `userName "${name}" is already taken (answered in a batch).`),
        );
      } finally {
        redis.disconnect();
      }
    });
  });

  describe('with a worker whose reply is lost', () => {
    const { stack, tenant } = useAppStack({ label: 'app-lost-reply', worker: true, env: { WRITE_TIMEOUT_MS: '1500' } });

    it('answers a write that was applied from the operations log when its reply never arrives', async () => {
      // The gateway stops listening on its reply channel: the worker applies the write and publishes into the void.
      const client = stack.gateway.get(DirectoryClient);
      const subscriber = (client as unknown as { subscriber: IORedis }).subscriber;
      const channel = (client as unknown as { channel: string }).channel;
      await subscriber.unsubscribe(channel);
      const response = await stack.client(tenant.token).post('/Users', { userName: 'reply-lost', title: 'applied' });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ userName: 'reply-lost', title: 'applied' });
      expect(response.headers.get('location')).toBe(`${stack.scimUrl}/Users/${response.body['id']}`);
      // The stored answer is the real one: the resource exists under that id.
      const read = await stack.client(tenant.token).get(`/Users/${response.body['id']}`);
      expect(read.status).toBe(200);
      await subscriber.subscribe(channel);
    });

    it('answers a refused write from the operations log too, with its SCIM error', async () => {
      const client = stack.gateway.get(DirectoryClient);
      const subscriber = (client as unknown as { subscriber: IORedis }).subscriber;
      const channel = (client as unknown as { channel: string }).channel;
      await subscriber.unsubscribe(channel);
      const response = await stack.client(tenant.token).post('/Users', { userName: 'REPLY-LOST' });
      expect(response.status).toBe(409);
      expect(response.body).toMatchObject({ scimType: 'uniqueness' });
      await subscriber.subscribe(channel);
    });
  });

  describe('with Redis down', () => {
    const stack = new AppStack({ label: 'app-redis-down' });
    let token = '';

    before(async () => {
      // A port nothing listens on: the gateway starts anyway (reads need only Postgres).
      stack.redisUrl = `redis://127.0.0.1:${await freePort()}`;
      await stack.start();
      ({ token } = await stack.createTenant());
    });

    after(async () => {
      await stack.stop();
    });

    it('answers a write with 503 + Retry-After at once, not a hang', async () => {
      const response = await stack.client(token).post('/Users', { userName: 'no-queue' });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(response.body['detail']).toMatch(/queue cannot be reached/);
    });

    it('still answers reads from Postgres, and readiness names Redis', async () => {
      expect((await stack.client(token).get('/Users')).status).toBe(200);
      const ready = await stack.client(undefined).raw('GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(JSON.stringify(ready.body)).toMatch(/redis/i);
    });
  });
});
