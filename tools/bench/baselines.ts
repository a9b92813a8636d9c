import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, Worker } from 'bullmq';
import Fastify, { type FastifyInstance } from 'fastify';
import IORedis from 'ioredis';
import { Pool } from 'pg';

/**
 * The two baselines `npm run bench` runs next to the stack, each as its own process so that its
 * CPU and memory can be read from /proc:
 *   - `direct`: Fastify, and per request one pg INSERT (POST /Users) or one SELECT by key
 *     (GET /Users?filter=userName eq "…") on `bench_users`, a table shaped like `users`;
 *   - `naive-server` + `naive-worker`: Fastify putting each POST on a BullMQ queue and waiting with
 *     `job.waitUntilFinished`; the worker does the same INSERT. The textbook request/reply.
 * They do no authentication, validation, rules or operations log: they are ceilings, not rivals.
 * Env: DATABASE_URL, REDIS_URL, QUEUE_PREFIX, PORT, BENCH_TENANT_ID.
 */
const mode = process.argv[2];
const databaseUrl = required('DATABASE_URL');
const tenantId = required('BENCH_TENANT_ID');
const QUEUE = 'bench-naive';
const POOL_SIZE = 16;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

interface UserBody {
  userName?: unknown;
  externalId?: unknown;
  active?: unknown;
  emails?: { value?: unknown }[];
}

const INSERT = `INSERT INTO bench_users (id, tenant_id, user_name, external_id, active, work_email, data)
  VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) RETURNING id, data, version, created_at, updated_at`;

interface UserRow {
  id: string;
  data: Record<string, unknown>;
  version: number;
  created_at: Date;
  updated_at: Date;
}

async function insertUser(pool: Pool, body: UserBody): Promise<Record<string, unknown>> {
  const { rows } = await pool.query<UserRow>(INSERT, [
    randomUUID(),
    tenantId,
    String(body.userName),
    typeof body.externalId === 'string' ? body.externalId : null,
    body.active !== false,
    typeof body.emails?.[0]?.value === 'string' ? body.emails[0].value : null,
    JSON.stringify(body),
  ]);
  return resource(rows[0]!);
}

function resource(row: UserRow): Record<string, unknown> {
  return {
    ...row.data,
    id: row.id,
    meta: {
      resourceType: 'User',
      created: row.created_at.toISOString(),
      lastModified: row.updated_at.toISOString(),
      version: `W/"${row.version}"`,
    },
  };
}

function server(): FastifyInstance {
  const app = Fastify({ logger: false });
  app.addContentTypeParser('application/scim+json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  return app;
}

async function listen(app: FastifyInstance): Promise<void> {
  await app.listen({ port: Number(required('PORT')), host: '127.0.0.1' });
  console.log(`${mode} listening`);
}

async function direct(): Promise<void> {
  const pool = new Pool({ connectionString: databaseUrl, max: POOL_SIZE });
  const app = server();
  app.post('/Users', async (request, reply) => {
    reply.code(201).type('application/scim+json');
    return insertUser(pool, request.body as UserBody);
  });
  app.get('/Users', async (request, reply) => {
    const filter = String((request.query as { filter?: string }).filter ?? '');
    const userName = /^userName eq "(.*)"$/.exec(filter)?.[1] ?? '';
    const { rows } = await pool.query<UserRow>(
      `SELECT id, data, version, created_at, updated_at FROM bench_users WHERE tenant_id = $1 AND lower(user_name) = lower($2)`,
      [tenantId, userName],
    );
    reply.type('application/scim+json');
    return {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: rows.length,
      startIndex: 1,
      itemsPerPage: rows.length,
      Resources: rows.map(resource),
    };
  });
  await listen(app);
}

async function naiveServer(): Promise<void> {
  const connection = new IORedis(required('REDIS_URL'), { maxRetriesPerRequest: null });
  const prefix = required('QUEUE_PREFIX');
  const queue = new Queue(QUEUE, { connection, prefix });
  const events = new QueueEvents(QUEUE, { connection: connection.duplicate(), prefix });
  // One listener per waiting request (DESIGN.md §7): the naive way, without the warning.
  events.setMaxListeners(0);
  await events.waitUntilReady();
  const app = server();
  app.post('/Users', async (request, reply) => {
    // Completed jobs kept a while: waitUntilFinished races with removeOnComplete: true (DESIGN.md §7).
    const job = await queue.add('create-user', request.body, { removeOnComplete: { age: 60 }, removeOnFail: true });
    const created = (await job.waitUntilFinished(events)) as Record<string, unknown>;
    reply.code(201).type('application/scim+json');
    return created;
  });
  await listen(app);
}

async function naiveWorker(): Promise<void> {
  const pool = new Pool({ connectionString: databaseUrl, max: POOL_SIZE });
  const worker = new Worker(QUEUE, (job) => insertUser(pool, job.data as UserBody), {
    connection: new IORedis(required('REDIS_URL'), { maxRetriesPerRequest: null }),
    prefix: required('QUEUE_PREFIX'),
    concurrency: POOL_SIZE,
  });
  await worker.waitUntilReady();
  console.log(`${mode} listening`);
}

const modes: Record<string, () => Promise<void>> = {
  direct,
  'naive-server': naiveServer,
  'naive-worker': naiveWorker,
};
const start = mode ? modes[mode] : undefined;
if (!start) {
  console.error(`usage: baselines.js ${Object.keys(modes).join('|')}`);
  process.exit(2);
}
start().catch((error: unknown) => {
  console.error(`${mode}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
process.on('SIGTERM', () => process.exit(0));
