import { TestStack, filterQuery, type ScimClient } from './support/stack';

/**
 * Microsoft's documented Entra user sequence ("Develop a SCIM endpoint", user operations),
 * replayed against the running gateway, worker and notifier, with the request bodies Entra sends.
 */
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
type Json = Record<string, any>;

describe('Entra user provisioning sequence (end to end)', () => {
  const stack = new TestStack({ label: 'entra_users', notifier: true });
  let scim: ScimClient;

  beforeAll(async () => {
    await stack.start();
    const { token } = await stack.createTenant({ workDomains: ['testuser.com', 'contoso.com', 'microsoft.com'] });
    scim = stack.client(token);
  }, 60000);

  afterAll(async () => {
    await stack.stop();
  }, 60000);

  afterEach(() => {
    const state = expect.getState();
    if (state.assertionCalls > state.numPassingAsserts) console.log(stack.dumpLogs());
  });

  let userId = '';
  const userName = 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee';

  it('Test Connection: a filter on a random userName answers 200 with an empty list', async () => {
    const response = await scim.get(`/Users${filterQuery('userName eq "f6b5e9a1-0000-4000-8000-1234567890ab"')}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(response.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });

  it('Test Connection with a bad token is a 401 SCIM error, not an empty success', async () => {
    const response = await stack.client('scim_not-a-real-token').get(`/Users${filterQuery('userName eq "x"')}`);
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401' });
  });

  it('creates the user: 201, an id, a Location header and meta', async () => {
    const response = await scim.post<Json>('/Users?aadOptscim062020', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName,
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
    });
    expect(response.status).toBe(201);
    userId = response.body['id'];
    expect(userId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('location')).toBe(`${stack.scimUrl}/Users/${userId}`);
    expect(response.headers.get('etag')).toBe('W/"1"');
    expect(response.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName,
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com' }],
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      meta: { resourceType: 'User', location: `${stack.scimUrl}/Users/${userId}`, version: 'W/"1"' },
    });
    expect(Date.parse(response.body['meta'].created)).not.toBeNaN();
    expect(response.body['meta'].lastModified).toBe(response.body['meta'].created);
  });

  it('gets the user by id', async () => {
    const response = await scim.get<Json>(`/Users/${userId}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: userId, userName, active: true });
  });

  it('finds the user by userName in any letter case, and by externalId (bare value) and work email', async () => {
    const byName = await scim.get<Json>(`/Users${filterQuery(`userName eq "${userName.toUpperCase()}"`)}`);
    expect(byName.status).toBe(200);
    expect(byName.body['totalResults']).toBe(1);
    expect(byName.body['Resources'][0].id).toBe(userId);

    const byExternalId = await scim.get<Json>(
      `/Users${filterQuery('externalId eq 0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef')}`,
    );
    expect(byExternalId.body['Resources'].map((u: Json) => u['id'])).toEqual([userId]);

    const byEmail = await scim.get<Json>(
      `/Users${filterQuery('emails[type eq "work"].value eq "test_user_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@TESTUSER.com"')}`,
    );
    expect(byEmail.body['Resources'].map((u: Json) => u['id'])).toEqual([userId]);

    const byId = await scim.get<Json>(`/Users${filterQuery(`id eq "${userId}"`)}`);
    expect(byId.body['totalResults']).toBe(1);
  });

  it('answers a zero-result query with 200 and an empty list', async () => {
    const response = await scim.get<Json>(`/Users${filterQuery('userName eq "non-existent user"')}`);
    expect(response.status).toBe(200);
    expect(response.body['totalResults']).toBe(0);
    expect(response.body['Resources']).toEqual([]);
    const badId = await scim.get<Json>(`/Users${filterQuery('id eq "not-a-uuid"')}`);
    expect(badId.status).toBe(200);
    expect(badId.body['totalResults']).toBe(0);
  });

  it('updates multi-valued and sub-attributes (PATCH emails[type eq "work"].value, name.familyName)', async () => {
    const response = await scim.patch<Json>(`/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body['emails']).toEqual([{ primary: true, type: 'work', value: 'updatedEmail@microsoft.com' }]);
    expect(response.body['name']).toEqual({
      formatted: 'givenName familyName',
      familyName: 'updatedFamilyName',
      givenName: 'givenName',
    });
    expect(response.headers.get('etag')).toBe('W/"2"');
  });

  it('updates a single-valued attribute (PATCH userName)', async () => {
    const response = await scim.patch<Json>(`/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' }],
    });
    expect(response.status).toBe(200);
    expect(response.body['userName']).toBe('5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');
    const found = await scim.get<Json>(
      `/Users${filterQuery('userName eq "5B50642D-79fc-4410-9e90-4c077cdd1a59@testuser.com"')}`,
    );
    expect(found.body['totalResults']).toBe(1);
  });

  it('applies the legacy multi-replace and the compliant path-less form with dotted and URN keys', async () => {
    const legacy = await scim.patch<Json>(`/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Replace', path: 'displayName', value: 'Pvlo' },
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'TestBcwqnm@test.microsoft.com' },
        { op: 'Replace', path: 'name.givenName', value: 'Gtfd' },
        { op: 'Replace', path: 'name.familyName', value: 'Pkqf' },
        { op: 'Replace', path: 'externalId', value: 'Eqpj' },
        { op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: 'Eqpj' },
      ],
    });
    expect(legacy.status).toBe(200);
    expect(legacy.body).toMatchObject({
      displayName: 'Pvlo',
      externalId: 'Eqpj',
      name: { givenName: 'Gtfd', familyName: 'Pkqf' },
      emails: [{ type: 'work', value: 'TestBcwqnm@test.microsoft.com', primary: true }],
      [ENTERPRISE]: { employeeNumber: 'Eqpj' },
    });
    expect(legacy.body['schemas']).toContain(ENTERPRISE);

    const compliant = await scim.patch<Json>(`/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'TestMhvaes@test.microsoft.com' },
        {
          op: 'replace',
          value: {
            displayName: 'Bjfe',
            'name.givenName': 'Kkom',
            'name.familyName': 'Unua',
            [`${ENTERPRISE}:employeeNumber`]: 'Aklq',
          },
        },
      ],
    });
    expect(compliant.status).toBe(200);
    expect(compliant.body).toMatchObject({
      displayName: 'Bjfe',
      name: { givenName: 'Kkom', familyName: 'Unua' },
      emails: [{ value: 'TestMhvaes@test.microsoft.com' }],
      [ENTERPRISE]: { employeeNumber: 'Aklq' },
    });
  });

  it('sets and removes the manager in each of the shapes Entra sends', async () => {
    const manager = await scim.post<Json>('/Users', {
      userName: 'the.manager@contoso.com',
      emails: [{ type: 'work', value: 'the.manager@contoso.com' }],
    });
    expect(manager.status).toBe(201);
    const managerId = manager.body['id'];
    const expected = { value: managerId, $ref: `${stack.scimUrl}/Users/${managerId}` };
    const shapes = [
      { op: 'Add', path: 'manager', value: [{ $ref: `${stack.scimUrl}/Users/${managerId}`, value: managerId }] },
      { op: 'add', path: `${ENTERPRISE}:manager`, value: managerId },
      { op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: managerId } },
    ];
    for (const operation of shapes) {
      await scim.patch(`/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'manager' }] });
      const response = await scim.patch<Json>(`/Users/${userId}`, { schemas: [PATCH_OP], Operations: [operation] });
      expect(response.status).toBe(200);
      expect(response.body[ENTERPRISE].manager).toEqual(expected);
    }
    const probe = await scim.get<Json>(
      `/Users${filterQuery(`id eq "${userId}" and manager eq "${managerId}"`, '&attributes=id')}`,
    );
    expect(probe.body['Resources']).toEqual([{ schemas: expect.any(Array), id: userId }]);

    const removed = await scim.patch<Json>(`/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'remove', path: `manager[value eq "${managerId}"]` }],
    });
    expect(removed.status).toBe(200);
    expect(removed.body[ENTERPRISE]?.manager).toBeUndefined();

    await scim.patch(`/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'manager', value: managerId }],
    });
    const emptied = await scim.patch<Json>(`/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: `${ENTERPRISE}:manager`, value: '' }],
    });
    expect(emptied.body[ENTERPRISE]?.manager).toBeUndefined();
  });

  it('disables the user with the string "False", still returns it, and re-enables it with a boolean', async () => {
    const disabled = await scim.patch<Json>(`/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(disabled.status).toBe(200);
    expect(disabled.body['active']).toBe(false);
    const stillThere = await scim.get<Json>(`/Users${filterQuery(`id eq "${userId}"`)}`);
    expect(stillThere.body['Resources'][0].active).toBe(false);
    const byId = await scim.get<Json>(`/Users/${userId}`);
    expect(byId.body['active']).toBe(false);
    const enabled = await scim.patch<Json>(`/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'active', value: true }],
    });
    expect(enabled.body['active']).toBe(true);
  });

  it('creates the work email when the user has none (Add on the value path)', async () => {
    const created = await scim.post<Json>('/Users', { userName: 'no-email-yet' });
    expect(created.status).toBe(201);
    expect(created.body['emails']).toBeUndefined();
    const patched = await scim.patch<Json>(`/Users/${created.body['id']}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Add', path: 'emails[type eq "work"].value', value: 'first.mail@contoso.com' }],
    });
    expect(patched.status).toBe(200);
    expect(patched.body['emails']).toEqual([{ type: 'work', value: 'first.mail@contoso.com' }]);
  });

  it('accepts the older create body with nulls and a mistyped extension URN', async () => {
    const response = await scim.post<Json>('/Users', {
      schemas: [
        'urn:ietf:params:scim:schemas:core:2.0:User',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0User',
      ],
      externalId: 'jyoung',
      userName: 'jyoung@testuser.com',
      active: true,
      addresses: null,
      displayName: 'Joy Young',
      emails: [{ type: 'work', value: 'jyoung@Contoso.com', primary: true }],
      meta: { resourceType: 'User' },
      name: { familyName: 'Young', givenName: 'Joy' },
      phoneNumbers: null,
      preferredLanguage: null,
      title: null,
      department: null,
      manager: null,
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      userName: 'jyoung@testuser.com',
      displayName: 'Joy Young',
      emails: [{ value: 'jyoung@Contoso.com' }],
    });
    expect(response.body['addresses']).toBeUndefined();
    expect(response.body['title']).toBeUndefined();
  });

  it('replaces the user with PUT, keeping id and created', async () => {
    const before = await scim.get<Json>(`/Users/${userId}`);
    const response = await scim.put<Json>(`/Users/${userId}`, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'replaced@testuser.com',
      active: true,
      title: 'Engineer',
      emails: [{ type: 'work', value: 'replaced@testuser.com' }],
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: userId, userName: 'replaced@testuser.com', title: 'Engineer' });
    expect(response.body['displayName']).toBeUndefined();
    expect(response.body['meta'].created).toBe(before.body['meta'].created);
  });

  it('deletes the user: 204, then 404', async () => {
    const response = await scim.delete(`/Users/${userId}`);
    expect(response.status).toBe(204);
    expect((await scim.get(`/Users/${userId}`)).status).toBe(404);
    const again = await scim.delete(`/Users/${userId}`);
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ status: '404' });
  });

  it('records every write in the operations log, with ignored emails noted', async () => {
    const created = await scim.post<Json>('/Users', {
      userName: 'two-emails',
      emails: [
        { type: 'work', value: 'two@contoso.com' },
        { type: 'home', value: 'two@gmail.com' },
      ],
    });
    expect(created.status).toBe(201);
    expect(created.body['emails']).toEqual([{ type: 'work', value: 'two@contoso.com' }]);
    const rows: { kind: string; outcome: string; notes: Json | null }[] = await stack.dataSource.query(
      `SELECT kind, outcome, notes FROM operations WHERE resource_id = $1`,
      [created.body['id']],
    );
    expect(rows).toEqual([
      {
        kind: 'create-user',
        outcome: 'succeeded',
        notes: {
          ignoredEmails: [{ type: 'home', value: 'two@gmail.com', reason: 'only work email addresses are saved' }],
        },
      },
    ]);
    const deletes: { n: string }[] = await stack.dataSource.query(
      `SELECT count(*) AS n FROM operations WHERE resource_id = $1 AND kind = 'delete-user' AND outcome = 'succeeded'`,
      [userId],
    );
    expect(Number(deletes[0]!.n)).toBe(1);
  });
});
