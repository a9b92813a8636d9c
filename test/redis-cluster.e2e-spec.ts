import { waitFor } from './support/wait-for';
import { Cluster } from 'ioredis';
import { sampleValue, scrape } from './support/prometheus';
import { PrivateRedisCluster } from './support/redis-cluster';
import { SmtpSink } from './support/smtp-sink';
import { TestStack, filterQuery, type ScimClient } from './support/stack';
import { raceCreates } from './support/username-race';

type Json = Record<string, any>;
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Every key of every master that matches the pattern. */
async function clusterKeys(cluster: Cluster, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  for (const master of cluster.nodes('master')) {
    let cursor = '0';
    do {
      const [next, found] = await master.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
  }
  return keys;
}

/**
 * The whole stack on a real 3-master Redis Cluster started by the test: REDIS_CLUSTER_NODES set,
 * QUEUE_PREFIX unset (so `{scim}`, one hash slot per stack). Gateway, two workers and the notifier;
 * the Entra user sequence, the userName race, a failure email, the rate limit and the queue gauge.
 */
describe('the stack on a Redis Cluster (end to end)', () => {
  const redisCluster = new PrivateRedisCluster(3);
  const smtp = new SmtpSink();
  let stack: TestStack;
  let inspector: Cluster;
  let scim: ScimClient;

  beforeAll(async () => {
    await Promise.all([redisCluster.start(), smtp.start()]);
    inspector = redisCluster.client();
    stack = new TestStack({
      label: 'redis_cluster',
      workers: 2,
      notifier: true,
      env: {
        REDIS_CLUSTER_NODES: redisCluster.nodes,
        // Blank counts as unset: the cluster default {scim}.
        QUEUE_PREFIX: '',
        REDIS_URL: 'redis://127.0.0.1:1',
        SMTP_URL: smtp.url,
        NOTIFY_DIGEST_MS: '500',
      },
    });
    await stack.start();
    const { token } = await stack.createTenant({ workDomains: ['contoso.com'] });
    scim = stack.client(token);
  }, 90000);

  afterAll(async () => {
    if (process.env['DUMP_LOGS']) console.log(stack?.dumpLogs());
    await stack?.stop();
    inspector?.disconnect();
    await Promise.all([redisCluster.stop(), smtp.stop()]);
  }, 60000);

  afterEach(() => {
    const state = expect.getState();
    if (state.assertionCalls > state.numPassingAsserts) console.log(stack.dumpLogs());
  });

  it('the gateway is ready: the cluster answers and both workers beat under {scim}', async () => {
    const health = await fetch(`${stack.baseUrl}/health/ready`);
    expect(health.status).toBe(200);
    expect(await inspector.zcard('{scim}:directory-workers')).toBe(2);
  });

  it('runs the Entra user sequence', async () => {
    const userName = 'Test_User_7d3c@contoso.com';
    const created = await scim.post<Json>('/Users?aadOptscim062020', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      externalId: 'c1b2a3',
      userName,
      active: true,
      emails: [{ primary: true, type: 'work', value: 'test.user@contoso.com' }],
      name: { formatted: 'Test User', familyName: 'User', givenName: 'Test' },
      roles: [],
      [ENTERPRISE]: { department: 'Sales', manager: 'not-yet-provisioned' },
    });
    expect(created.status).toBe(201);
    const id = created.body['id'];
    const matched = await scim.get<Json>(`/Users${filterQuery(`userName eq "${userName.toLowerCase()}"`)}`);
    expect(matched.body['totalResults']).toBe(1);
    expect(matched.body['Resources'][0]['id']).toBe(id);
    const replaced = await scim.patch<Json>(`/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'renamed@contoso.com' },
        { op: 'Replace', path: 'name.familyName', value: 'Renamed' },
        { op: 'Add', path: `${ENTERPRISE}:employeeNumber`, value: '42' },
      ],
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body['emails']).toEqual([{ primary: true, type: 'work', value: 'renamed@contoso.com' }]);
    expect(replaced.body[ENTERPRISE]).toMatchObject({ employeeNumber: '42', department: 'Sales' });
    const disabled = await scim.patch<Json>(`/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(disabled.status).toBe(200);
    expect((await scim.get<Json>(`/Users/${id}`)).body['active']).toBe(false);
    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    expect((await scim.get(`/Users/${id}`)).status).toBe(404);
  });

  it('20 racing creates of one userName give one 201 and nineteen 409s, with both workers taking part', async () => {
    await raceCreates(scim, 'race.user@contoso.com');
    for (const worker of stack.workers()) {
      expect(worker.records.filter((record) => record['msg'] === 'write').length).toBeGreaterThan(0);
    }
    // The queue's keys all live in the {scim} slot, on one master.
    const keys = await clusterKeys(inspector, '{scim}:directory:*');
    expect(keys.length).toBeGreaterThan(0);
    const slots = new Set(await Promise.all(keys.map((key) => inspector.cluster('KEYSLOT', key))));
    expect(slots.size).toBe(1);
  });

  it('emails a refused write through the notifier', async () => {
    const { token } = await stack.createTenant({
      workDomains: ['contoso.com'],
      notifyEmail: 'it-admin@contoso.com',
      notifyOnFailure: true,
    });
    const refused = await stack.client(token).post<Json>('/Users', {
      userName: 'outsider',
      emails: [{ type: 'work', primary: true, value: 'outsider@example.org' }],
    });
    expect(refused.status).toBe(400);
    const mail = await waitFor('the failure digest', () => smtp.to('it-admin@contoso.com')[0]);
    expect(mail.subject).toMatch(/1 failure/);
    expect(mail.text).toContain('outsider@example.org');
  });

  it('rate-limits a tenant with its buckets in the cluster', async () => {
    const { token } = await stack.createTenant({ rateLimit: 25 });
    const client = stack.client(token);
    const answers = await Promise.all(Array.from({ length: 80 }, () => client.get('/Users?count=1')));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(25);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expect(await clusterKeys(inspector, '{scim}:rate-limit*')).not.toHaveLength(0);
  });

  it('reports the directory queue gauge from the cluster', async () => {
    const metrics = await scrape(`${stack.baseUrl}/metrics`);
    expect(metrics.types.get('scim_directory_queue_jobs')).toBe('gauge');
    for (const state of ['waiting', 'active', 'delayed', 'failed']) {
      // The family is left empty when the scrape cannot read the queue, so a sample proves it could.
      expect(sampleValue(metrics, 'scim_directory_queue_jobs', { state })).toBe(0);
    }
  });
});
