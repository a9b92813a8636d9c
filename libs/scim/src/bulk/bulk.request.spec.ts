import { ScimError } from '../errors/scim-error';
import {
  BULK_LIMITS,
  BULK_REQUEST_SCHEMA,
  parseBulkPath,
  parseBulkRequest,
  type BulkRequestOperation,
} from './bulk.request';
import { scimErrorOf } from '../testing/scim-error-of';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

function bulk(operations: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemas: [BULK_REQUEST_SCHEMA], Operations: operations, ...extra };
}

function rejected(operation: BulkRequestOperation | undefined): ScimError {
  if (operation?.kind !== 'rejected')
    throw new Error(`expected a rejected operation, got ${JSON.stringify(operation)}`);
  return operation.error;
}

describe('parseBulkRequest', () => {
  it('parses the four methods in any case, with paths, bulkIds, versions and data', () => {
    const request = parseBulkRequest(
      bulk([
        { method: 'post', path: '/Users', bulkId: 'qwerty', data: { schemas: [USER], userName: 'Alice' } },
        { method: 'Put', path: '/Users/b7c14771', version: 'W/"3"', data: { userName: 'Bob' } },
        {
          method: 'PATCH',
          path: '/groups/e9e30dba',
          data: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [] },
        },
        { method: 'delete', path: '/Users/e9025315/', bulkId: 'gone' },
      ]),
    );
    expect(request).toEqual({
      operations: [
        {
          kind: 'operation',
          index: 0,
          method: 'POST',
          resource: 'Users',
          bulkId: 'qwerty',
          data: { schemas: [USER], userName: 'Alice' },
        },
        {
          kind: 'operation',
          index: 1,
          method: 'PUT',
          resource: 'Users',
          id: 'b7c14771',
          version: 'W/"3"',
          data: { userName: 'Bob' },
        },
        {
          kind: 'operation',
          index: 2,
          method: 'PATCH',
          resource: 'Groups',
          id: 'e9e30dba',
          data: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [] },
        },
        { kind: 'operation', index: 3, method: 'DELETE', resource: 'Users', id: 'e9025315', bulkId: 'gone' },
      ],
    });
  });

  it('accepts the attribute names of the request and of an operation in any case', () => {
    const request = parseBulkRequest({
      Schemas: [BULK_REQUEST_SCHEMA.toUpperCase()],
      operations: [{ Method: 'DELETE', PATH: '/Groups/1', BULKID: 'x' }],
      FailOnErrors: 2,
    });
    expect(request).toEqual({
      failOnErrors: 2,
      operations: [{ kind: 'operation', index: 0, method: 'DELETE', resource: 'Groups', id: '1', bulkId: 'x' }],
    });
  });

  it('keeps failOnErrors and omits it when absent or null', () => {
    expect(parseBulkRequest(bulk([{ method: 'DELETE', path: '/Users/1' }], { failOnErrors: 1 })).failOnErrors).toBe(1);
    expect(parseBulkRequest(bulk([{ method: 'DELETE', path: '/Users/1' }])).failOnErrors).toBeUndefined();
    expect(
      parseBulkRequest(bulk([{ method: 'DELETE', path: '/Users/1' }], { failOnErrors: null })).failOnErrors,
    ).toBeUndefined();
  });

  it.each([0, -1, 1.5, '2', true])('refuses failOnErrors %p with 400 invalidSyntax', (failOnErrors) => {
    const error = scimErrorOf(() => parseBulkRequest(bulk([{ method: 'DELETE', path: '/Users/1' }], { failOnErrors })));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidSyntax' });
    expect(error.detail).toContain('failOnErrors');
  });

  it.each([
    ['a non-object body', [], 'JSON object'],
    ['an empty body', undefined, 'JSON object'],
    [
      'no BulkRequest schema',
      { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [] },
      BULK_REQUEST_SCHEMA,
    ],
    ['no schemas', { Operations: [{ method: 'DELETE', path: '/Users/1' }] }, BULK_REQUEST_SCHEMA],
    ['no Operations', { schemas: [BULK_REQUEST_SCHEMA] }, 'Operations'],
    ['Operations not an array', { schemas: [BULK_REQUEST_SCHEMA], Operations: { method: 'POST' } }, 'Operations'],
    ['empty Operations', { schemas: [BULK_REQUEST_SCHEMA], Operations: [] }, 'non-empty'],
    [
      'an operation that is not an object',
      { schemas: [BULK_REQUEST_SCHEMA], Operations: ['DELETE /Users/1'] },
      'Operations[0]',
    ],
  ])('refuses %s with 400 invalidSyntax', (_label, body, mention) => {
    const error = scimErrorOf(() => parseBulkRequest(body));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidSyntax' });
    expect(error.detail).toContain(mention);
  });

  it('refuses a bulkId used twice, naming it and both operations', () => {
    const error = scimErrorOf(() =>
      parseBulkRequest(
        bulk([
          { method: 'POST', path: '/Users', bulkId: 'dup', data: { userName: 'a' } },
          { method: 'POST', path: '/Users', bulkId: 'other', data: { userName: 'b' } },
          { method: 'POST', path: '/Groups', bulkId: 'dup', data: { displayName: 'c' } },
        ]),
      ),
    );
    expect(error).toMatchObject({ status: 400, scimType: 'invalidSyntax' });
    expect(error.detail).toContain('"dup"');
    expect(error.detail).toContain('Operations[0]');
    expect(error.detail).toContain('Operations[2]');
  });

  describe('limits (RFC 7644 §3.7.4)', () => {
    const deletes = (n: number) => Array.from({ length: n }, (_, i) => ({ method: 'DELETE', path: `/Users/${i}` }));

    it('accepts exactly maxOperations operations', () => {
      expect(parseBulkRequest(bulk(deletes(BULK_LIMITS.maxOperations))).operations).toHaveLength(1000);
    });

    it('answers 413 for more operations, with both limits in the detail', () => {
      const error = scimErrorOf(() => parseBulkRequest(bulk(deletes(1001))));
      expect(error.status).toBe(413);
      expect(error.scimType).toBeUndefined();
      expect(error.detail).toContain('1001 operations');
      expect(error.detail).toContain('1000 operations (maxOperations)');
      expect(error.detail).toContain('1048576 bytes (maxPayloadSize)');
    });

    it('uses the limits it is given', () => {
      const error = scimErrorOf(() =>
        parseBulkRequest(bulk(deletes(3)), { maxOperations: 2, maxPayloadSize: 100_000 }),
      );
      expect(error.status).toBe(413);
      expect(error.detail).toContain('at most 2 operations');
    });

    it('answers 413 for a payload over maxPayloadSize, from the received size or the parsed body', () => {
      const fromHeader = scimErrorOf(() =>
        parseBulkRequest(bulk(deletes(1)), BULK_LIMITS, BULK_LIMITS.maxPayloadSize + 1),
      );
      expect(fromHeader.status).toBe(413);
      expect(fromHeader.detail).toContain(`${BULK_LIMITS.maxPayloadSize + 1} bytes`);
      expect(fromHeader.detail).toContain('1048576 bytes (maxPayloadSize)');
      // 200 × "é" is 400 bytes in UTF-8, though 200 characters.
      const body = bulk([{ method: 'POST', path: '/Users', bulkId: 'a', data: { userName: 'é'.repeat(200) } }]);
      expect(parseBulkRequest(body, { maxOperations: 10, maxPayloadSize: 1000 }).operations).toHaveLength(1);
      expect(scimErrorOf(() => parseBulkRequest(body, { maxOperations: 10, maxPayloadSize: 450 })).status).toBe(413);
    });
  });

  describe('a faulty operation fails alone, the request does not', () => {
    const one = (operation: Record<string, unknown>) =>
      parseBulkRequest(bulk([operation, { method: 'DELETE', path: '/Users/ok' }])).operations;

    it('rejects an unknown method with invalidSyntax, echoing what was sent', () => {
      const operations = one({ method: 'GET', path: '/Users/1', bulkId: 'g' });
      expect(operations[0]).toMatchObject({ kind: 'rejected', index: 0, method: 'GET', bulkId: 'g' });
      expect(rejected(operations[0])).toMatchObject({
        status: 400,
        scimType: 'invalidSyntax',
        detail: expect.stringContaining('"GET"'),
      });
      expect(operations[1]).toMatchObject({ kind: 'operation', method: 'DELETE' });
      const missing = one({ path: '/Users/1' });
      expect(missing[0]).not.toHaveProperty('method');
      expect(rejected(missing[0]).scimType).toBe('invalidSyntax');
    });

    it.each([
      ['/Things', 'DELETE'],
      ['/Users/1/extra', 'DELETE'],
      ['Users/1', 'DELETE'],
      ['/Schemas', 'POST'],
      [42, 'DELETE'],
      [undefined, 'DELETE'],
    ])('rejects path %p with invalidPath', (path, method) => {
      const operations = one({ method, path, bulkId: 'x', data: {} });
      expect(rejected(operations[0])).toMatchObject({
        status: 400,
        scimType: 'invalidPath',
        detail: expect.stringContaining('/Users, /Users/{id}, /Groups or /Groups/{id}'),
      });
    });

    it('rejects a POST to a resource and a PUT, PATCH or DELETE without an id with invalidPath', () => {
      expect(rejected(one({ method: 'POST', path: '/Users/1', bulkId: 'x', data: {} })[0])).toMatchObject({
        scimType: 'invalidPath',
        detail: expect.stringContaining('POST creates a resource'),
      });
      for (const method of ['PUT', 'PATCH', 'DELETE']) {
        expect(rejected(one({ method, path: '/Groups', data: {} })[0])).toMatchObject({
          scimType: 'invalidPath',
          detail: expect.stringContaining('/Groups/{id}'),
        });
      }
    });

    it('rejects POST, PUT and PATCH without object data, and POST without a bulkId, with invalidSyntax', () => {
      expect(rejected(one({ method: 'POST', path: '/Users', bulkId: 'x' })[0])).toMatchObject({
        scimType: 'invalidSyntax',
        detail: expect.stringContaining('"data"'),
      });
      expect(rejected(one({ method: 'PUT', path: '/Users/1', data: 'userName=x' })[0])).toMatchObject({
        scimType: 'invalidSyntax',
      });
      expect(rejected(one({ method: 'PATCH', path: '/Users/1', data: [] })[0])).toMatchObject({
        scimType: 'invalidSyntax',
        detail: expect.stringContaining('PatchOp'),
      });
      expect(rejected(one({ method: 'POST', path: '/Users', data: { userName: 'x' } })[0])).toMatchObject({
        scimType: 'invalidSyntax',
        detail: expect.stringContaining('"bulkId"'),
      });
    });

    it('rejects a bulkId or version of the wrong type', () => {
      expect(rejected(one({ method: 'DELETE', path: '/Users/1', bulkId: 7 })[0]).detail).toContain(
        '"bulkId" must be a non-empty string',
      );
      expect(rejected(one({ method: 'DELETE', path: '/Users/1', bulkId: '' })[0]).detail).toContain(
        '"bulkId" must be a non-empty string',
      );
      expect(rejected(one({ method: 'DELETE', path: '/Users/1', version: 3 })[0]).detail).toContain(
        '"version" must be a string',
      );
    });

    it('lets DELETE go without data', () => {
      expect(one({ method: 'DELETE', path: '/Users/1' })[0]).toEqual({
        kind: 'operation',
        index: 0,
        method: 'DELETE',
        resource: 'Users',
        id: '1',
      });
    });
  });
});

describe('parseBulkPath', () => {
  it('names the resource type and decodes the id', () => {
    expect(parseBulkPath('/Users')).toEqual({ resource: 'Users' });
    expect(parseBulkPath('/GROUPS/')).toEqual({ resource: 'Groups' });
    expect(parseBulkPath('/Groups/bulkId:ytrewq')).toEqual({ resource: 'Groups', id: 'bulkId:ytrewq' });
    expect(parseBulkPath('/Users/a%20b')).toEqual({ resource: 'Users', id: 'a b' });
    expect(parseBulkPath('/Users/%E0%A4%A')).toEqual({ resource: 'Users', id: '%E0%A4%A' });
    expect(parseBulkPath('/Users/1/groups')).toBeUndefined();
    expect(parseBulkPath('https://example.com/v2/Users')).toBeUndefined();
  });
});
