import { ScimError } from '../errors/scim-error';
import { BULK_REQUEST_SCHEMA, BULK_RESPONSE_SCHEMA, parseBulkRequest, type BulkOperation } from './bulk.request';
import { runBulk, type BulkOutcome } from './bulk.runner';

const BASE = 'https://example.com/v2';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/**
 * A small in-memory directory standing in for the Users and Groups services: unique userName
 * (case-insensitive), members must exist, If-Match checked against the version.
 */
class FakeDirectory {
  readonly resources = new Map<string, { resource: 'Users' | 'Groups'; data: Record<string, any>; version: number }>();
  readonly calls: string[] = [];
  private next = 1;

  execute = async (operation: BulkOperation): Promise<BulkOutcome> => {
    this.calls.push(
      `${operation.method} /${operation.resource}${operation.method === 'POST' ? '' : `/${operation.id}`}`,
    );
    if (operation.method === 'POST') {
      const data = operation.data as Record<string, any>;
      if (
        operation.resource === 'Users' &&
        [...this.resources.values()].some(
          (r) => r.data['userName']?.toLowerCase() === String(data['userName']).toLowerCase(),
        )
      ) {
        throw ScimError.conflict(`userName "${data['userName']}" is already taken.`);
      }
      this.checkMembers(data);
      const id = `${operation.resource === 'Users' ? 'u' : 'g'}${this.next++}`;
      this.resources.set(id, { resource: operation.resource, data, version: 1 });
      return { status: 201, id, version: 1, location: `${BASE}/${operation.resource}/${id}` };
    }
    const stored = this.resources.get(operation.id);
    if (!stored || stored.resource !== operation.resource)
      throw ScimError.notFound(`No resource with id "${operation.id}".`);
    if (operation.version !== undefined && operation.version !== `W/"${stored.version}"`) {
      throw new ScimError(412, `The resource has changed (version W/"${stored.version}"); read it again.`);
    }
    if (operation.method === 'DELETE') {
      this.resources.delete(operation.id);
      return { status: 204 };
    }
    if (operation.method === 'PUT') {
      this.checkMembers(operation.data);
      stored.data = operation.data;
    } else {
      for (const op of operation.data['Operations'] as Record<string, any>[]) {
        if (op['path'] === 'members') {
          this.checkMembers({ members: op['value'] });
          stored.data['members'] = [...(stored.data['members'] ?? []), ...op['value']];
        } else {
          stored.data[op['path']] = op['value'];
        }
      }
    }
    stored.version += 1;
    return { status: 200, version: stored.version };
  };

  private checkMembers(data: Record<string, any>): void {
    const unknown = ((data['members'] ?? []) as { value: string }[])
      .filter((m) => !this.resources.has(m.value))
      .map((m) => m.value);
    if (unknown.length > 0) throw ScimError.badRequest('invalidValue', `Unknown members: ${unknown.join(', ')}.`);
  }
}

function bulk(operations: unknown[], extra: Record<string, unknown> = {}) {
  return parseBulkRequest({ schemas: [BULK_REQUEST_SCHEMA], Operations: operations, ...extra });
}

describe('runBulk', () => {
  it("runs RFC 7644 §3.7.2's example: users, and a group whose members refer to them by bulkId", async () => {
    const directory = new FakeDirectory();
    const response = await runBulk(
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
      directory.execute,
      { baseUrl: BASE },
    );
    expect(response).toEqual({
      schemas: [BULK_RESPONSE_SCHEMA],
      Operations: [
        { method: 'POST', bulkId: 'qwerty', version: 'W/"1"', location: `${BASE}/Users/u1`, status: '201' },
        { method: 'POST', bulkId: 'ytrewq', version: 'W/"1"', location: `${BASE}/Users/u2`, status: '201' },
        { method: 'POST', bulkId: 'tour', version: 'W/"1"', location: `${BASE}/Groups/g3`, status: '201' },
      ],
    });
    expect(directory.resources.get('g3')!.data['members']).toEqual([
      { type: 'User', value: 'u1' },
      { type: 'User', value: 'u2' },
    ]);
  });

  it('runs the group after the users when it is listed first, and lists the results in request order', async () => {
    const directory = new FakeDirectory();
    const response = await runBulk(
      bulk([
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'tour',
          data: {
            schemas: [GROUP],
            displayName: 'Tour Guides',
            members: [{ value: 'bulkId:qwerty' }, { value: 'bulkId:ytrewq' }],
          },
        },
        { method: 'POST', path: '/Users', bulkId: 'qwerty', data: { userName: 'Alice' } },
        { method: 'POST', path: '/Users', bulkId: 'ytrewq', data: { userName: 'Bob' } },
      ]),
      directory.execute,
      { baseUrl: BASE },
    );
    expect(directory.calls).toEqual(['POST /Users', 'POST /Users', 'POST /Groups']);
    expect(response.Operations.map((o) => [o.bulkId, o.status, o.location])).toEqual([
      ['tour', '201', `${BASE}/Groups/g3`],
      ['qwerty', '201', `${BASE}/Users/u1`],
      ['ytrewq', '201', `${BASE}/Users/u2`],
    ]);
  });

  it("runs RFC 7644 §3.7.3's mix of POST, PUT, PATCH and DELETE, with version as If-Match, and reports a 412 with a SCIM error", async () => {
    const directory = new FakeDirectory();
    directory.resources.set('b7c14771', { resource: 'Users', data: { userName: 'Bob' }, version: 1 });
    directory.resources.set('5d8d29d3', { resource: 'Users', data: { userName: 'Jessica' }, version: 2 });
    directory.resources.set('e9025315', { resource: 'Users', data: { userName: 'Gone' }, version: 1 });
    const response = await runBulk(
      bulk([
        { method: 'POST', path: '/Users', bulkId: 'qwerty', data: { schemas: [USER], userName: 'Alice' } },
        {
          method: 'PUT',
          path: '/Users/b7c14771',
          version: 'W/"1"',
          data: { schemas: [USER], userName: 'Bob', displayName: 'Bob B' },
        },
        {
          method: 'PATCH',
          path: '/Users/5d8d29d3',
          version: 'W/"1"',
          data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'nickName', value: 'Jess' }] },
        },
        { method: 'DELETE', path: '/Users/e9025315' },
      ]),
      directory.execute,
      { baseUrl: BASE },
    );
    expect(response.Operations).toEqual([
      { method: 'POST', bulkId: 'qwerty', version: 'W/"1"', location: `${BASE}/Users/u1`, status: '201' },
      { method: 'PUT', version: 'W/"2"', location: `${BASE}/Users/b7c14771`, status: '200' },
      {
        method: 'PATCH',
        location: `${BASE}/Users/5d8d29d3`,
        status: '412',
        response: {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
          status: '412',
          detail: expect.stringContaining('W/"2"'),
        },
      },
      { method: 'DELETE', location: `${BASE}/Users/e9025315`, status: '204' },
    ]);
  });

  it('catches each refusal into its entry and goes on: a duplicate userName is 409, the rest succeed', async () => {
    const directory = new FakeDirectory();
    const response = await runBulk(
      bulk([
        { method: 'POST', path: '/Users', bulkId: 'a', data: { userName: 'same@example.com' } },
        { method: 'POST', path: '/Users', bulkId: 'b', data: { userName: 'SAME@example.com' } },
        { method: 'POST', path: '/Users', bulkId: 'c', data: { userName: 'other@example.com' } },
      ]),
      directory.execute,
      { baseUrl: BASE },
    );
    expect(response.Operations.map((o) => o.status)).toEqual(['201', '409', '201']);
    expect(response.Operations[1]).toEqual({
      method: 'POST',
      bulkId: 'b',
      status: '409',
      response: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: '409',
        scimType: 'uniqueness',
        detail: 'userName "SAME@example.com" is already taken.',
      },
    });
  });

  it('stops once failOnErrors operations have failed: the rest are neither run nor listed', async () => {
    const directory = new FakeDirectory();
    const operations = [
      { method: 'DELETE', path: '/Users/missing-1' },
      { method: 'POST', path: '/Users', bulkId: 'a', data: { userName: 'a' } },
      { method: 'GET', path: '/Users/1' },
      { method: 'POST', path: '/Users', bulkId: 'b', data: { userName: 'b' } },
      { method: 'DELETE', path: '/Users/missing-2' },
    ];
    const response = await runBulk(bulk(operations, { failOnErrors: 2 }), directory.execute, { baseUrl: BASE });
    expect(response.Operations.map((o) => `${o.method} ${o.status}`)).toEqual(['DELETE 404', 'POST 201', 'GET 400']);
    expect(directory.calls).toEqual(['DELETE /Users/missing-1', 'POST /Users']);

    const once = await runBulk(bulk(operations, { failOnErrors: 1 }), new FakeDirectory().execute, { baseUrl: BASE });
    expect(once.Operations.map((o) => o.status)).toEqual(['404']);

    const all = await runBulk(bulk(operations), new FakeDirectory().execute, { baseUrl: BASE });
    expect(all.Operations.map((o) => o.status)).toEqual(['404', '201', '400', '201', '404']);
  });

  it('counts unresolvable references as errors towards failOnErrors', async () => {
    const directory = new FakeDirectory();
    const response = await runBulk(
      bulk(
        [
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'g',
            data: { displayName: 'g', members: [{ value: 'bulkId:nobody' }] },
          },
          { method: 'POST', path: '/Users', bulkId: 'u', data: { userName: 'u' } },
        ],
        { failOnErrors: 1 },
      ),
      directory.execute,
      { baseUrl: BASE },
    );
    expect(response.Operations).toEqual([
      {
        method: 'POST',
        bulkId: 'g',
        status: '400',
        response: {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
          status: '400',
          scimType: 'invalidValue',
          detail: expect.stringContaining('bulkId "nobody"'),
        },
      },
    ]);
    expect(directory.calls).toEqual([]);
  });

  it('gives a failed operation on a known resource its location, also when resolved from a bulkId', async () => {
    const directory = new FakeDirectory();
    const response = await runBulk(
      bulk([
        { method: 'POST', path: '/Groups', bulkId: 'g', data: { displayName: 'g' } },
        {
          method: 'PATCH',
          path: '/Groups/bulkId:g',
          data: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: 'ghost' }] }] },
        },
        { method: 'PATCH', path: '/Groups/bulkId:nobody', data: { schemas: [PATCH_OP], Operations: [] } },
        { method: 'DELETE', path: '/Groups/a%2Fb' },
      ]),
      directory.execute,
      { baseUrl: BASE },
    );
    expect(response.Operations.map((o) => [o.status, o.location])).toEqual([
      ['201', `${BASE}/Groups/g1`],
      ['400', `${BASE}/Groups/g1`],
      ['400', undefined],
      ['404', `${BASE}/Groups/a%2Fb`],
    ]);
  });

  it('turns an unexpected error into a 500 entry and a POST without an id into an unresolvable bulkId', async () => {
    let calls = 0;
    const response = await runBulk(
      bulk([
        { method: 'DELETE', path: '/Users/1' },
        { method: 'POST', path: '/Users', bulkId: 'noId', data: { userName: 'x' } },
        { method: 'PATCH', path: '/Users/bulkId:noId', data: { schemas: [PATCH_OP], Operations: [] } },
      ]),
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('connection reset');
        return { status: 201 };
      },
      { baseUrl: BASE },
    );
    expect(response.Operations.map((o) => o.status)).toEqual(['500', '201', '400']);
    expect(response.Operations[0]!.response).toMatchObject({
      status: '500',
      detail: expect.stringContaining('unexpected'),
    });
    expect(response.Operations[0]!.response!.detail).not.toContain('connection reset');
    expect(response.Operations[2]!.response!.detail).toContain('bulkId "noId"');
  });
});
