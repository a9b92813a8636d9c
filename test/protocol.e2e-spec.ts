import { TestStack, filterQuery, type ScimClient } from './support/stack';

type Json = Record<string, any>;
const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** RFC 7644 beyond Entra: sorting, .search, ETags and conditional requests, projections on writes. */
describe('SCIM protocol features (end to end)', () => {
  const stack = new TestStack({ label: 'protocol' });
  let scim: ScimClient;
  const names = ['delta', 'Alpha', 'charlie', 'Bravo', 'echo'];

  beforeAll(async () => {
    await stack.start();
    scim = stack.client((await stack.createTenant()).token);
    for (const [i, userName] of names.entries()) {
      const title = i % 2 === 0 ? `T${i}` : undefined;
      expect(
        (
          await scim.post('/Users', {
            userName,
            ...(title ? { title } : {}),
            name: { familyName: userName.toUpperCase() },
          })
        ).status,
      ).toBe(201);
    }
    expect((await scim.post('/Groups', { displayName: 'zeta team' })).status).toBe(201);
    expect((await scim.post('/Groups', { displayName: 'Alpha team' })).status).toBe(201);
  }, 60000);

  afterAll(async () => {
    await stack.stop();
  }, 60000);

  const userNames = (body: Json) => body['Resources'].map((r: Json) => r['userName']);

  it('sorts lists with sortBy and sortOrder', async () => {
    expect(userNames((await scim.get<Json>('/Users?sortBy=userName')).body)).toEqual([
      'Alpha',
      'Bravo',
      'charlie',
      'delta',
      'echo',
    ]);
    expect(userNames((await scim.get<Json>('/Users?sortBy=userName&sortOrder=descending')).body)).toEqual([
      'echo',
      'delta',
      'charlie',
      'Bravo',
      'Alpha',
    ]);
    expect(userNames((await scim.get<Json>('/Users?sortBy=name.familyName&count=2&startIndex=2')).body)).toEqual([
      'Bravo',
      'charlie',
    ]);
    const groups = await scim.get<Json>('/Groups?sortBy=displayName&excludedAttributes=members');
    expect(groups.body['Resources'].map((g: Json) => g['displayName'])).toEqual(['Alpha team', 'zeta team']);
    const bad = await scim.get('/Users?sortOrder=sideways');
    expect(bad.status).toBe(400);
    expect((await scim.get('/Users?sortBy=shoeSize')).status).toBe(400);
  });

  it('answers POST /Users/.search, /Groups/.search and /.search like the query forms', async () => {
    const users = await scim.post<Json>('/Users/.search', {
      schemas: [SEARCH],
      filter: 'title pr',
      sortBy: 'userName',
      attributes: ['userName'],
      startIndex: 1,
      count: 10,
    });
    expect(users.status).toBe(200);
    expect(users.body).toMatchObject({ totalResults: 3, itemsPerPage: 3 });
    expect(users.body['Resources']).toEqual([
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: expect.any(String), userName: 'charlie' },
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: expect.any(String), userName: 'delta' },
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: expect.any(String), userName: 'echo' },
    ]);
    const groups = await scim.post<Json>('/Groups/.search', { schemas: [SEARCH], filter: 'displayName sw "alpha"' });
    expect(groups.body['Resources'].map((g: Json) => g['displayName'])).toEqual(['Alpha team']);
    const all = await scim.post<Json>('/.search', { schemas: [SEARCH], count: 100 });
    expect(all.body['totalResults']).toBe(7);
    expect(all.body['Resources'].filter((r: Json) => r['schemas'][0].endsWith(':Group'))).toHaveLength(2);
    const window = await scim.post<Json>('/.search', {
      schemas: [SEARCH],
      startIndex: 5,
      count: 2,
      excludedAttributes: ['members'],
    });
    expect(window.body['Resources'].map((r: Json) => r['userName'] ?? r['displayName'])).toEqual(['echo', 'zeta team']);
    const noSchema = await scim.post<Json>('/Users/.search', { filter: 'title pr' });
    expect(noSchema.status).toBe(400);
    expect(noSchema.body['scimType']).toBe('invalidSyntax');
  });

  it('serves ETags: 304 for If-None-Match, 412 for a stale If-Match on PUT, PATCH and DELETE', async () => {
    const created = await scim.post<Json>('/Users', { userName: 'etag-user' });
    const id = created.body['id'];
    const tag = created.headers.get('etag')!;
    expect(tag).toBe('W/"1"');
    const notModified = await scim.request('GET', `/Users/${id}`, undefined, { 'If-None-Match': tag });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe(tag);
    const patched = await scim.request<Json>(
      'PATCH',
      `/Users/${id}`,
      { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'x' }] },
      { 'If-Match': tag },
    );
    expect(patched.status).toBe(200);
    expect(patched.headers.get('etag')).toBe('W/"2"');
    const modified = await scim.request('GET', `/Users/${id}`, undefined, { 'If-None-Match': tag });
    expect(modified.status).toBe(200);
    const stalePatch = await scim.request<Json>(
      'PATCH',
      `/Users/${id}`,
      { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'y' }] },
      { 'If-Match': tag },
    );
    expect(stalePatch.status).toBe(412);
    expect((await scim.request('PUT', `/Users/${id}`, { userName: 'etag-user' }, { 'If-Match': tag })).status).toBe(
      412,
    );
    expect((await scim.request('DELETE', `/Users/${id}`, undefined, { 'If-Match': tag })).status).toBe(412);
    expect((await scim.request('DELETE', `/Users/${id}`, undefined, { 'If-Match': 'W/"2"' })).status).toBe(204);

    const group = await scim.post<Json>('/Groups', { displayName: 'etag group' });
    const groupTag = group.headers.get('etag')!;
    expect(
      (await scim.request('GET', `/Groups/${group.body['id']}`, undefined, { 'If-None-Match': groupTag })).status,
    ).toBe(304);
    expect(
      (
        await scim.request(
          'PATCH',
          `/Groups/${group.body['id']}`,
          { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'x' }] },
          { 'If-Match': 'W/"9"' },
        )
      ).status,
    ).toBe(412);
  });

  it('projects write answers with attributes / excludedAttributes', async () => {
    const created = await scim.post<Json>('/Users?attributes=userName', { userName: 'projected', title: 'hidden' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: expect.any(String),
      userName: 'projected',
    });
    const patched = await scim.patch<Json>(`/Users/${created.body['id']}?excludedAttributes=title,meta`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'displayName', value: 'P' }],
    });
    expect(patched.body['title']).toBeUndefined();
    expect(patched.body['meta']).toBeUndefined();
    expect(patched.body['displayName']).toBe('P');
    const group = await scim.post<Json>('/Groups', { displayName: 'projected group' });
    const groupPatch = await scim.patch<Json>(`/Groups/${group.body['id']}?attributes=displayName`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'displayName', value: 'renamed' }],
    });
    expect(groupPatch.status).toBe(200);
    expect(groupPatch.body).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      id: group.body['id'],
      displayName: 'renamed',
    });
  });

  it('filters on schemas and on value paths with sub-attribute conditions', async () => {
    await scim.post('/Users', {
      userName: 'ent',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'R&D' },
      phoneNumbers: [{ type: 'mobile', value: '+1 555 0100' }],
    });
    const enterprise = await scim.get<Json>(
      `/Users${filterQuery('schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"')}`,
    );
    expect(userNames(enterprise.body)).toEqual(['ent']);
    const mobile = await scim.get<Json>(`/Users${filterQuery('phoneNumbers[type eq "mobile" and value sw "+1"]')}`);
    expect(userNames(mobile.body)).toEqual(['ent']);
  });

  describe('details other SCIM clients expect (issue 8)', () => {
    const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
    const patch = (id: string, Operations: Json[]) =>
      scim.patch<Json>(`/Users/${id}`, { schemas: [PATCH_OP], Operations });

    it('takes the enterprise extension URN as a PATCH path for add, replace and remove', async () => {
      const created = await scim.post<Json>('/Users', { userName: 'urn-path', [ENTERPRISE]: { employeeNumber: '7' } });
      const id = created.body['id'];
      const added = await patch(id, [{ op: 'add', path: ENTERPRISE, value: { department: 'Sales' } }]);
      expect(added.status).toBe(200);
      expect(added.body[ENTERPRISE]).toEqual({ employeeNumber: '7', department: 'Sales' });
      const replaced = await patch(id, [{ op: 'replace', path: ENTERPRISE, value: { department: 'Support' } }]);
      expect(replaced.body[ENTERPRISE]).toEqual({ employeeNumber: '7', department: 'Support' });
      const removed = await patch(id, [{ op: 'remove', path: ENTERPRISE }]);
      expect(removed.status).toBe(200);
      expect(removed.body).not.toHaveProperty(ENTERPRISE);
      expect(removed.body['schemas']).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User']);
      expect((await scim.get<Json>(`/Users/${id}`)).body).not.toHaveProperty(ENTERPRISE);
    });

    it('leaves active unassigned after a remove: reads omit it and the log notes it', async () => {
      const created = await scim.post<Json>('/Users', { userName: 'unassigned-active', active: false });
      const id = created.body['id'];
      const removed = await patch(id, [{ op: 'remove', path: 'active' }]);
      expect(removed.status).toBe(200);
      expect(removed.body).not.toHaveProperty('active');
      expect((await scim.get<Json>(`/Users/${id}`)).body).not.toHaveProperty('active');
      expect(
        userNames((await scim.get<Json>(`/Users${filterQuery('active pr and userName eq "unassigned-active"')}`)).body),
      ).toEqual([]);
      const rows: { active: boolean; notes: Json | null }[] = await stack.dataSource.query(
        `SELECT u.active, o.notes FROM users u JOIN operations o ON o.resource_id = u.id AND o.kind = 'patch-user' WHERE u.id = $1`,
        [id],
      );
      expect(rows).toEqual([{ active: true, notes: { unassigned: ['active'] } }]);
      const nulled = await patch(id, [
        { op: 'replace', path: 'active', value: false },
        { op: 'replace', path: 'active', value: null },
      ]);
      expect(nulled.body).not.toHaveProperty('active');
    });

    it('echoes the primary flag of the work email as the client sent it', async () => {
      const created = await scim.post<Json>('/Users', {
        userName: 'not-primary',
        emails: [{ type: 'work', value: 'not-primary@example.com', primary: false }],
      });
      expect(created.status).toBe(201);
      expect(created.body['emails']).toEqual([{ type: 'work', value: 'not-primary@example.com', primary: false }]);
      expect((await scim.get<Json>(`/Users/${created.body['id']}`)).body['emails']).toEqual([
        { type: 'work', value: 'not-primary@example.com', primary: false },
      ]);
    });

    it('leaves members out of a group without members, in every answer', async () => {
      const created = await scim.post<Json>('/Groups', { displayName: 'nobody here', members: [] });
      expect(created.status).toBe(201);
      expect(created.body).not.toHaveProperty('members');
      const id = created.body['id'];
      expect((await scim.get<Json>(`/Groups/${id}`)).body).not.toHaveProperty('members');
      const listed = await scim.get<Json>(`/Groups${filterQuery('displayName eq "nobody here"')}`);
      expect(listed.body['Resources']).toHaveLength(1);
      expect(listed.body['Resources'][0]).not.toHaveProperty('members');
      const user = await scim.post<Json>('/Users', { userName: 'only-member' });
      await scim.patch(`/Groups/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'add', path: 'members', value: [{ value: user.body['id'] }] }],
      });
      expect((await scim.get<Json>(`/Groups/${id}`)).body['members']).toHaveLength(1);
      await scim.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members' }] });
      expect((await scim.get<Json>(`/Groups/${id}`)).body).not.toHaveProperty('members');
    });
  });
});
