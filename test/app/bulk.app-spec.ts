import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { filterQuery } from '../support/stack';
import { AppStack } from './support/gateway.app';
import type { InjectClient } from './support/inject-client';

type Json = Record<string, any>;
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const bulk = (Operations: Json[], extra: Json = {}) => ({ schemas: [BULK_REQUEST], Operations, ...extra });

/** RFC 7644 §3.7 Bulk against the running gateway and a worker: every operation is an ordinary write. */
describe('SCIM Bulk (in-process gateway and worker)', () => {
  const stack = new AppStack({ label: 'app-bulk', worker: true });
  let scim: InjectClient;

  before(async () => {
    await stack.start();
    scim = stack.client((await stack.createTenant()).token);
  });

  after(async () => {
    await stack.stop();
  });

  const idOf = (location: string) => location.split('/').pop()!;
  const memberIds = async (groupId: string): Promise<string[]> => {
    const response = await scim.get<Json>(`/Groups/${groupId}`);
    expect(response.status).toBe(200);
    return (response.body['members'] ?? []).map((m: Json) => m['value']).sort();
  };
  const userExists = async (userName: string) =>
    (await scim.get<Json>(`/Users${filterQuery(`userName eq "${userName}"`)}`)).body['totalResults'] === 1;

  it('advertises bulk with its limits in ServiceProviderConfig', async () => {
    const config = await scim.get<Json>('/ServiceProviderConfig');
    expect(config.body['bulk']).toEqual({ supported: true, maxOperations: 1000, maxPayloadSize: 1048576 });
  });

  it("runs RFC 7644 §3.7.2's example: two users and a group whose members refer to them by bulkId", async () => {
    const response = await scim.post<Json>(
      '/Bulk',
      bulk([
        { method: 'POST', path: '/Users', bulkId: 'qwerty', data: { schemas: [USER], userName: 'Alice' } },
        { method: 'POST', path: '/Users', bulkId: 'ytrewq', data: { schemas: [USER], userName: 'Bob' } },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'tour',
          data: {
            schemas: [GROUP],
            displayName: 'Tour Guides',
            members: [
              { type: 'User', value: 'bulkId:qwerty' },
              { type: 'User', value: 'bulkId:ytrewq' },
            ],
          },
        },
      ]),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(response.body['schemas']).toEqual([BULK_RESPONSE]);
    const [alice, bob, group] = response.body['Operations'];
    for (const [entry, bulkId, type] of [
      [alice, 'qwerty', 'Users'],
      [bob, 'ytrewq', 'Users'],
      [group, 'tour', 'Groups'],
    ]) {
      expect(entry).toEqual({
        method: 'POST',
        bulkId,
        status: '201',
        version: 'W/"1"',
        location: expect.stringMatching(new RegExp(`^${stack.scimUrl}/${type}/[0-9a-f-]{36}$`)),
      });
    }
    const groupId = idOf(group.location);
    expect(await memberIds(groupId)).toEqual([idOf(alice.location), idOf(bob.location)].sort());
    const read = await scim.get<Json>(`/Users/${idOf(alice.location)}`);
    expect(read.body).toMatchObject({ userName: 'Alice', groups: [{ value: groupId, display: 'Tour Guides' }] });
  });

  it('defers a group listed before the users it refers to, and lists results in request order', async () => {
    const response = await scim.post<Json>(
      '/Bulk',
      bulk([
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g',
          data: { displayName: 'Deferred', members: [{ value: 'bulkId:u1' }, { value: 'bulkId:u2' }] },
        },
        { method: 'POST', path: '/Users', bulkId: 'u1', data: { userName: 'deferred-1@example.com' } },
        { method: 'POST', path: '/Users', bulkId: 'u2', data: { userName: 'deferred-2@example.com' } },
        {
          method: 'PATCH',
          path: '/Groups/bulkId:g',
          data: {
            schemas: [PATCH_OP],
            Operations: [{ op: 'replace', path: 'displayName', value: 'Deferred, renamed' }],
          },
        },
      ]),
    );
    expect(response.status).toBe(200);
    const ops = response.body['Operations'];
    expect(ops.map((o: Json) => `${o.bulkId ?? o.method} ${o.status}`)).toEqual([
      'g 201',
      'u1 201',
      'u2 201',
      'PATCH 204',
    ]);
    expect(ops[3].location).toBe(ops[0].location);
    const groupId = idOf(ops[0].location);
    expect(await memberIds(groupId)).toEqual([idOf(ops[1].location), idOf(ops[2].location)].sort());
    expect((await scim.get<Json>(`/Groups/${groupId}?excludedAttributes=members`)).body['displayName']).toBe(
      'Deferred, renamed',
    );
  });

  it('applies the rules inside a bulk: a duplicate userName fails that operation with 409, the others succeed', async () => {
    expect((await scim.post('/Users', { userName: 'taken@example.com' })).status).toBe(201);
    const response = await scim.post<Json>(
      '/Bulk',
      bulk([
        { method: 'POST', path: '/Users', bulkId: 'first', data: { userName: 'rules-1@example.com' } },
        { method: 'POST', path: '/Users', bulkId: 'dup', data: { userName: 'TAKEN@example.com' } },
        { method: 'POST', path: '/Users', bulkId: 'last', data: { userName: 'rules-2@example.com' } },
      ]),
    );
    expect(response.status).toBe(200);
    const [first, dup, last] = response.body['Operations'];
    expect(first.status).toBe('201');
    expect(dup).toEqual({
      method: 'POST',
      bulkId: 'dup',
      status: '409',
      response: { schemas: [ERROR_SCHEMA], status: '409', scimType: 'uniqueness', detail: expect.any(String) },
    });
    expect(last.status).toBe('201');
    expect(await userExists('rules-1@example.com')).toBe(true);
    expect(await userExists('rules-2@example.com')).toBe(true);
  });

  it('stops after failOnErrors errors: later operations are neither applied nor listed', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const response = await scim.post<Json>(
      '/Bulk',
      bulk(
        [
          { method: 'DELETE', path: `/Users/${missing}` },
          { method: 'POST', path: '/Users', bulkId: 'ok', data: { userName: 'fail-on-errors-1@example.com' } },
          {
            method: 'PATCH',
            path: `/Groups/${missing}`,
            data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'x' }] },
          },
          { method: 'POST', path: '/Users', bulkId: 'never', data: { userName: 'fail-on-errors-2@example.com' } },
        ],
        { failOnErrors: 2 },
      ),
    );
    expect(response.status).toBe(200);
    expect(response.body['Operations'].map((o: Json) => `${o.method} ${o.status}`)).toEqual([
      'DELETE 404',
      'POST 201',
      'PATCH 404',
    ]);
    expect(response.body['Operations'][0]).toMatchObject({
      location: `${stack.scimUrl}/Users/${missing}`,
      response: { schemas: [ERROR_SCHEMA], status: '404' },
    });
    expect(await userExists('fail-on-errors-1@example.com')).toBe(true);
    expect(await userExists('fail-on-errors-2@example.com')).toBe(false);
  });

  it('PATCHes, PUTs and DELETEs existing resources by id, with version as If-Match', async () => {
    const user = (await scim.post<Json>('/Users', { userName: 'patch-me@example.com' })).body;
    const doomed = (await scim.post<Json>('/Users', { userName: 'delete-me@example.com' })).body;
    const group = (await scim.post<Json>('/Groups', { displayName: 'Patched by bulk' })).body;
    const response = await scim.post<Json>(
      '/Bulk',
      bulk([
        {
          method: 'PATCH',
          path: `/Users/${user['id']}`,
          version: 'W/"1"',
          data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Patched' }] },
        },
        {
          method: 'patch',
          path: `/Groups/${group['id']}`,
          data: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: user['id'] }] }] },
        },
        { method: 'PUT', path: `/Groups/${group['id']}`, version: 'W/"1"', data: { displayName: 'stale' } },
        { method: 'Delete', path: `/Users/${doomed['id']}` },
      ]),
    );
    expect(response.status).toBe(200);
    const [patchUser, patchGroup, stalePut, del] = response.body['Operations'];
    expect(patchUser).toEqual({
      method: 'PATCH',
      status: '200',
      version: 'W/"2"',
      location: `${stack.scimUrl}/Users/${user['id']}`,
    });
    expect(patchGroup).toEqual({
      method: 'PATCH',
      status: '204',
      version: 'W/"2"',
      location: `${stack.scimUrl}/Groups/${group['id']}`,
    });
    expect(stalePut).toMatchObject({
      method: 'PUT',
      status: '412',
      location: `${stack.scimUrl}/Groups/${group['id']}`,
      response: { status: '412' },
    });
    expect(del).toEqual({ method: 'DELETE', status: '204', location: `${stack.scimUrl}/Users/${doomed['id']}` });
    expect((await scim.get<Json>(`/Users/${user['id']}`)).body['displayName']).toBe('Patched');
    expect(await memberIds(group['id'])).toEqual([user['id']]);
    expect((await scim.get(`/Users/${doomed['id']}`)).status).toBe(404);
  });

  it('fails an operation with an unresolvable bulkId (unknown or circular) with 400 invalidValue naming it; the rest run', async () => {
    const response = await scim.post<Json>(
      '/Bulk',
      bulk([
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'lost',
          data: { displayName: 'Unresolvable', members: [{ value: 'bulkId:nobody' }] },
        },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'qwerty',
          data: { schemas: [GROUP], displayName: 'Group A', members: [{ type: 'Group', value: 'bulkId:ytrewq' }] },
        },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'ytrewq',
          data: { schemas: [GROUP], displayName: 'Group B', members: [{ type: 'Group', value: 'bulkId:qwerty' }] },
        },
        { method: 'POST', path: '/Users', bulkId: 'fine', data: { userName: 'resolvable@example.com' } },
      ]),
    );
    expect(response.status).toBe(200);
    const [lost, a, b, fine] = response.body['Operations'];
    expect(lost).toEqual({
      method: 'POST',
      bulkId: 'lost',
      status: '400',
      response: {
        schemas: [ERROR_SCHEMA],
        status: '400',
        scimType: 'invalidValue',
        detail: expect.stringContaining('bulkId "nobody"'),
      },
    });
    for (const entry of [a, b]) {
      expect(entry).toMatchObject({
        status: '400',
        response: { scimType: 'invalidValue', detail: expect.stringMatching(/"qwerty".*"ytrewq"|"ytrewq".*"qwerty"/) },
      });
    }
    expect(fine.status).toBe('201');
    expect((await scim.get<Json>(`/Groups${filterQuery('displayName eq "Group A"')}`)).body['totalResults']).toBe(0);
  });

  it('fails an operation with an unknown path or method alone (400 invalidPath / invalidSyntax)', async () => {
    const response = await scim.post<Json>(
      '/Bulk',
      bulk([
        { method: 'POST', path: '/Things', bulkId: 'thing', data: { name: 'x' } },
        { method: 'GET', path: '/Users' },
        { method: 'POST', path: '/Users', bulkId: 'ok', data: { userName: 'path-ok@example.com' } },
      ]),
    );
    expect(response.status).toBe(200);
    expect(response.body['Operations']).toEqual([
      {
        method: 'POST',
        bulkId: 'thing',
        status: '400',
        response: {
          schemas: [ERROR_SCHEMA],
          status: '400',
          scimType: 'invalidPath',
          detail: expect.stringContaining('/Things'),
        },
      },
      {
        method: 'GET',
        status: '400',
        response: {
          schemas: [ERROR_SCHEMA],
          status: '400',
          scimType: 'invalidSyntax',
          detail: expect.stringContaining('"GET"'),
        },
      },
      { method: 'POST', bulkId: 'ok', status: '201', version: 'W/"1"', location: expect.stringContaining('/Users/') },
    ]);
  });

  it('answers more than maxOperations operations with 413 and the limits in the detail, applying nothing', async () => {
    const operations = Array.from({ length: 1001 }, (_, i) => ({
      method: 'POST',
      path: '/Users',
      bulkId: `b${i}`,
      data: { userName: `too-many-${i}@example.com` },
    }));
    const response = await scim.post<Json>('/Bulk', bulk(operations));
    expect(response.status).toBe(413);
    expect(response.body).toEqual({
      schemas: [ERROR_SCHEMA],
      status: '413',
      detail: expect.stringContaining('1001 operations'),
    });
    expect(response.body['detail']).toContain('1000 operations (maxOperations)');
    expect(response.body['detail']).toContain('1048576 bytes (maxPayloadSize)');
    expect(await userExists('too-many-0@example.com')).toBe(false);
  });

  it('answers a malformed request with 400 invalidSyntax, a wrong method with 405, and no token with 401', async () => {
    const noSchema = await scim.post<Json>('/Bulk', { Operations: [{ method: 'DELETE', path: '/Users/1' }] });
    expect(noSchema.status).toBe(400);
    expect(noSchema.body).toEqual({
      schemas: [ERROR_SCHEMA],
      status: '400',
      scimType: 'invalidSyntax',
      detail: expect.stringContaining(BULK_REQUEST),
    });
    const noOperations = await scim.post<Json>('/Bulk', { schemas: [BULK_REQUEST], Operations: 'all of them' });
    expect(noOperations.body).toMatchObject({
      status: '400',
      scimType: 'invalidSyntax',
      detail: expect.stringContaining('Operations'),
    });
    const badFailOnErrors = await scim.post<Json>(
      '/Bulk',
      bulk([{ method: 'DELETE', path: '/Users/1' }], { failOnErrors: 0 }),
    );
    expect(badFailOnErrors.body).toMatchObject({
      status: '400',
      scimType: 'invalidSyntax',
      detail: expect.stringContaining('failOnErrors'),
    });
    const notJson = await scim.request<Json>('POST', '/Bulk', '{"schemas": [');
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({ scimType: 'invalidSyntax' });
    const get = await scim.get<Json>('/Bulk');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const anonymous = await stack.client(undefined).post('/Bulk', bulk([{ method: 'DELETE', path: '/Users/1' }]));
    expect(anonymous.status).toBe(401);
  });
});
