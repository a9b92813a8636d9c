import { TestStack, filterQuery, type ScimClient } from './support/stack';

type Json = Record<string, any>;

/** A token only ever reaches its own tenant's data. */
describe('tenant isolation (end to end)', () => {
  const stack = new TestStack({ label: 'isolation' });
  let alice: ScimClient;
  let mallory: ScimClient;
  let aliceUserId = '';

  beforeAll(async () => {
    await stack.start();
    alice = stack.client((await stack.createTenant({ workDomains: ['alice.example'] })).token);
    mallory = stack.client((await stack.createTenant({ workDomains: ['mallory.example'] })).token);
    const created = await alice.post<Json>('/Users', {
      userName: 'shared.name@alice.example',
      externalId: 'ext-alice-1',
      emails: [{ type: 'work', value: 'shared.name@alice.example' }],
    });
    expect(created.status).toBe(201);
    aliceUserId = created.body['id'];
  }, 60000);

  afterAll(async () => {
    await stack.stop();
  }, 60000);

  it("cannot read another tenant's user by id", async () => {
    const response = await mallory.get(`/Users/${aliceUserId}`);
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ status: '404' });
  });

  it("cannot find another tenant's user with any filter Entra uses", async () => {
    for (const filter of [
      'userName eq "shared.name@alice.example"',
      'externalId eq "ext-alice-1"',
      `id eq "${aliceUserId}"`,
      'emails[type eq "work"].value eq "shared.name@alice.example"',
      'userName pr or not (userName pr)',
    ]) {
      const response = await mallory.get<Json>(`/Users${filterQuery(filter)}`);
      expect(response.status).toBe(200);
      expect(response.body['totalResults']).toBe(0);
    }
    const all = await mallory.get<Json>('/Users');
    expect(all.body['totalResults']).toBe(0);
  });

  it("cannot change, replace or delete another tenant's user", async () => {
    const patch = await mallory.patch(`/Users/${aliceUserId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(patch.status).toBe(404);
    const put = await mallory.put(`/Users/${aliceUserId}`, { userName: 'stolen' });
    expect(put.status).toBe(404);
    const del = await mallory.delete(`/Users/${aliceUserId}`);
    expect(del.status).toBe(404);

    const untouched = await alice.get<Json>(`/Users/${aliceUserId}`);
    expect(untouched.status).toBe(200);
    expect(untouched.body).toMatchObject({
      userName: 'shared.name@alice.example',
      active: true,
      meta: { version: 'W/"1"' },
    });
  });

  it('lets each tenant have its own user with the same userName', async () => {
    const response = await mallory.post<Json>('/Users', { userName: 'SHARED.NAME@alice.example' });
    expect(response.status).toBe(201);
    expect(response.body['id']).not.toBe(aliceUserId);
    const mine = await alice.get<Json>(`/Users${filterQuery('userName eq "shared.name@alice.example"')}`);
    expect(mine.body['Resources'].map((u: Json) => u['id'])).toEqual([aliceUserId]);
  });
});
