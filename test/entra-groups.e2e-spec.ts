import { TestStack, filterQuery, type ScimClient } from './support/stack';

type Json = Record<string, any>;
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const patch = (...Operations: Json[]) => ({ schemas: [PATCH_OP], Operations });

/**
 * Microsoft's documented Entra group sequence and the membership forms around it, against the
 * running gateway and two workers.
 */
describe('Entra group provisioning (end to end)', () => {
  const stack = new TestStack({ label: 'entra_groups', workers: 2 });
  let scim: ScimClient;
  let other: ScimClient;
  const userIds: string[] = [];
  let groupId = '';

  beforeAll(async () => {
    await stack.start();
    scim = stack.client((await stack.createTenant()).token);
    other = stack.client((await stack.createTenant()).token);
    for (let i = 0; i < 12; i++) {
      const created = await scim.post<Json>('/Users', {
        userName: `member-${i}@example.com`,
        displayName: `Member ${i}`,
      });
      expect(created.status).toBe(201);
      userIds.push(created.body['id']);
    }
  }, 60000);

  afterAll(async () => {
    await stack.stop();
  }, 60000);

  const memberIds = async (id = groupId): Promise<string[]> => {
    const response = await scim.get<Json>(`/Groups/${id}`);
    expect(response.status).toBe(200);
    return (response.body['members'] ?? []).map((m: Json) => m['value']).sort();
  };

  it("creates a group with Microsoft's extra schema URI: 201 with id and Location, members left out while empty", async () => {
    const response = await scim.post<Json>('/Groups', {
      schemas: [
        'urn:ietf:params:scim:schemas:core:2.0:Group',
        'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group',
      ],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    });
    expect(response.status).toBe(201);
    groupId = response.body['id'];
    expect(response.headers.get('location')).toBe(`${stack.scimUrl}/Groups/${groupId}`);
    expect(response.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(response.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'displayName',
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      meta: { resourceType: 'Group', version: 'W/"1"' },
    });
    // RFC 7643 §2.5: an attribute without a value is left out, not "members": [].
    expect(response.body).not.toHaveProperty('members');
  });

  it('gets the group with excludedAttributes=members, without members', async () => {
    const response = await scim.get<Json>(`/Groups/${groupId}?excludedAttributes=members`);
    expect(response.status).toBe(200);
    expect(response.body['members']).toBeUndefined();
    expect(response.body).toMatchObject({ id: groupId, displayName: 'displayName' });
  });

  it('finds the group by displayName in any case, and by externalId', async () => {
    const byName = await scim.get<Json>(
      `/Groups${filterQuery('displayName eq "DISPLAYNAME"', '&excludedAttributes=members')}`,
    );
    expect(byName.status).toBe(200);
    expect(byName.body['Resources'].map((g: Json) => g['id'])).toEqual([groupId]);
    expect(byName.body['Resources'][0].members).toBeUndefined();
    const byExternalId = await scim.get<Json>(
      `/Groups${filterQuery('externalId eq "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"')}`,
    );
    expect(byExternalId.body['totalResults']).toBe(1);
    const none = await scim.get<Json>(`/Groups${filterQuery('displayName eq "no such group"')}`);
    expect(none.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('renames the group (Replace displayName) with 204', async () => {
    const response = await scim.patch(
      `/Groups/${groupId}`,
      patch({ op: 'Replace', path: 'displayName', value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName' }),
    );
    expect(response.status).toBe(204);
    const read = await scim.get<Json>(`/Groups/${groupId}?excludedAttributes=members`);
    expect(read.body['displayName']).toBe('1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName');
  });

  it("adds members (Entra's form with $ref null) with 204; adding a present member is a no-op", async () => {
    const response = await scim.patch(
      `/Groups/${groupId}`,
      patch({ op: 'Add', path: 'members', value: userIds.slice(0, 5).map((value) => ({ $ref: null, value })) }),
    );
    expect(response.status).toBe(204);
    expect(await memberIds()).toEqual(userIds.slice(0, 5).sort());
    const again = await scim.patch(
      `/Groups/${groupId}`,
      patch({ op: 'add', path: 'members', value: [{ value: userIds[0] }] }),
    );
    expect(again.status).toBe(204);
    expect(await memberIds()).toHaveLength(5);
  });

  it('answers the membership probe: id eq and members eq with attributes=id', async () => {
    const hit = await scim.get<Json>(
      `/Groups${filterQuery(`id eq "${groupId}" and members eq "${userIds[1]}"`, '&attributes=id')}`,
    );
    expect(hit.body['Resources']).toEqual([{ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], id: groupId }]);
    const miss = await scim.get<Json>(
      `/Groups${filterQuery(`id eq "${groupId}" and members eq "${userIds[9]}"`, '&attributes=id')}`,
    );
    expect(miss.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it("shows the group in the member's read-only groups attribute, on reads and on PATCH answers", async () => {
    const expected = [
      {
        value: groupId,
        $ref: `${stack.scimUrl}/Groups/${groupId}`,
        display: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName',
        type: 'direct',
      },
    ];
    const user = await scim.get<Json>(`/Users/${userIds[2]}`);
    expect(user.body['groups']).toEqual(expected);
    const patched = await scim.patch<Json>(
      `/Users/${userIds[2]}`,
      patch({ op: 'replace', path: 'title', value: 'member' }),
    );
    expect(patched.body['groups']).toEqual(expected);
    const refused = await scim.patch<Json>(
      `/Users/${userIds[2]}`,
      patch({ op: 'add', path: 'groups', value: [{ value: groupId }] }),
    );
    expect(refused.status).toBe(400);
    expect(refused.body['scimType']).toBe('mutability');
  });

  it("removes exactly the members named in Entra's remove-with-value form, never the whole group", async () => {
    const response = await scim.patch(
      `/Groups/${groupId}`,
      patch({
        op: 'Remove',
        path: 'members',
        value: [
          { $ref: null, value: userIds[0] },
          { $ref: null, value: userIds[1] },
        ],
      }),
    );
    expect(response.status).toBe(204);
    expect(await memberIds()).toEqual(userIds.slice(2, 5).sort());
  });

  it('removes one member with members[value eq "…"], and an absent member quietly', async () => {
    expect(
      (await scim.patch(`/Groups/${groupId}`, patch({ op: 'remove', path: `members[value eq "${userIds[2]}"]` })))
        .status,
    ).toBe(204);
    expect(
      (
        await scim.patch(
          `/Groups/${groupId}`,
          patch({ op: 'Remove', path: 'members', value: [{ value: userIds[11] }] }),
        )
      ).status,
    ).toBe(204);
    expect(await memberIds()).toEqual(userIds.slice(3, 5).sort());
  });

  it('rejects members that are not users or groups of this tenant, naming them, and applies nothing', async () => {
    const foreign = await other.post<Json>('/Users', { userName: 'outsider@example.com' });
    const response = await scim.patch<Json>(
      `/Groups/${groupId}`,
      patch(
        { op: 'Replace', path: 'displayName', value: 'must not stick' },
        { op: 'Add', path: 'members', value: [{ value: userIds[6] }, { value: foreign.body['id'] }] },
      ),
    );
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      scimType: 'invalidValue',
      detail: expect.stringContaining(foreign.body['id']),
    });
    expect(await memberIds()).toEqual(userIds.slice(3, 5).sort());
    const read = await scim.get<Json>(`/Groups/${groupId}?excludedAttributes=members`);
    expect(read.body['displayName']).not.toBe('must not stick');

    // …and the other tenant cannot put my user in its group, nor see or touch my group.
    const theirs = await other.post<Json>('/Groups', { displayName: 'their team' });
    const intoTheirs = await other.patch(
      `/Groups/${theirs.body['id']}`,
      patch({ op: 'add', path: 'members', value: [{ value: userIds[0] }] }),
    );
    expect(intoTheirs.status).toBe(400);
    expect((await other.get(`/Groups/${groupId}`)).status).toBe(404);
    expect((await other.patch(`/Groups/${groupId}`, patch({ op: 'remove', path: 'members' }))).status).toBe(404);
    expect((await other.delete(`/Groups/${groupId}`)).status).toBe(404);
  });

  it('keeps every update when ten clients add ten different users to one group at once (two workers)', async () => {
    const { body } = await scim.post<Json>('/Groups', { displayName: 'concurrent adds' });
    const responses = await Promise.all(
      userIds
        .slice(0, 10)
        .map((value) => scim.patch(`/Groups/${body['id']}`, patch({ op: 'add', path: 'members', value: [{ value }] }))),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(204));
    expect(await memberIds(body['id'])).toEqual(userIds.slice(0, 10).sort());
    const read = await scim.get<Json>(`/Groups/${body['id']}?excludedAttributes=members`);
    expect(read.body['meta'].version).toBe('W/"11"');
  });

  it('enforces unique displayNames case-insensitively (409)', async () => {
    const response = await scim.post<Json>('/Groups', { displayName: 'CONCURRENT ADDS' });
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ scimType: 'uniqueness' });
  });

  it('replaces the group with PUT (members set), and deleting a user removes its memberships', async () => {
    const put = await scim.put<Json>(`/Groups/${groupId}`, {
      displayName: 'replaced',
      members: [{ value: userIds[7] }, { value: userIds[8] }],
    });
    expect(put.status).toBe(200);
    expect(put.body['members'].map((m: Json) => m['value']).sort()).toEqual([userIds[7], userIds[8]].sort());
    expect((await scim.delete(`/Users/${userIds[7]}`)).status).toBe(204);
    expect(await memberIds()).toEqual([userIds[8]]);
  });

  it('deletes the group with 204: its memberships go, its users stay', async () => {
    expect((await scim.delete(`/Groups/${groupId}`)).status).toBe(204);
    expect((await scim.get(`/Groups/${groupId}`)).status).toBe(404);
    expect((await scim.get(`/Users/${userIds[8]}`)).status).toBe(200);
    const rows: { n: string }[] = await stack.dataSource.query(
      `SELECT count(*) AS n FROM group_members WHERE group_id = $1`,
      [groupId],
    );
    expect(Number(rows[0]!.n)).toBe(0);
    const user = await scim.get<Json>(`/Users/${userIds[8]}`);
    expect((user.body['groups'] ?? []).map((g: Json) => g['value'])).not.toContain(groupId);
  });
});
