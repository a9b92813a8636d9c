import { PATCH_OP_SCHEMA, USER_SCHEMA } from '../schema/urns';
import { MAX_PATCH_OPERATIONS, parsePatchPath, parsePatchRequest } from './patch.request';
import { scimErrorOf } from '../testing/scim-error-of';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function body(...operations: unknown[]): unknown {
  return { schemas: [PATCH_OP_SCHEMA], Operations: operations };
}

describe('parsePatchRequest', () => {
  it('normalises op names in any case and keeps path and value', () => {
    const operations = parsePatchRequest(
      body(
        { op: 'Add', path: 'nickName', value: 'Babs' },
        { op: 'REPLACE', path: 'active', value: 'False' },
        { op: 'Remove', path: 'members', value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }] },
      ),
    );
    expect(operations).toEqual([
      { op: 'add', path: { type: 'attrPath', text: 'nickName', attrPath: { name: 'nickName' } }, value: 'Babs' },
      { op: 'replace', path: { type: 'attrPath', text: 'active', attrPath: { name: 'active' } }, value: 'False' },
      {
        op: 'remove',
        path: { type: 'attrPath', text: 'members', attrPath: { name: 'members' } },
        value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }],
      },
    ]);
  });

  it('accepts "Operations" and the keys of an operation in any case', () => {
    const operations = parsePatchRequest({
      schemas: [PATCH_OP_SCHEMA],
      operations: [{ OP: 'replace', Path: 'userName', Value: 'x' }],
    });
    expect(operations).toEqual([
      { op: 'replace', path: { type: 'attrPath', text: 'userName', attrPath: { name: 'userName' } }, value: 'x' },
    ]);
  });

  it('keeps a path-less add or replace with its object value', () => {
    const value = { displayName: 'Bjfe', 'name.givenName': 'Kkom' };
    expect(parsePatchRequest(body({ op: 'replace', value }))).toEqual([{ op: 'replace', value }]);
  });

  it('treats "path": null as no path', () => {
    expect(parsePatchRequest(body({ op: 'add', path: null, value: { nickName: 'Babs' } }))).toEqual([
      { op: 'add', value: { nickName: 'Babs' } },
    ]);
  });

  it('keeps a null value, which the engine reads as remove', () => {
    expect(parsePatchRequest(body({ op: 'replace', path: 'title', value: null }))[0]).toMatchObject({
      op: 'replace',
      value: null,
    });
  });

  it('rejects a body without the PatchOp schema', () => {
    for (const bad of [
      { Operations: [{ op: 'add', path: 'nickName', value: 'x' }] },
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], Operations: [] },
    ]) {
      const error = scimErrorOf(() => parsePatchRequest(bad));
      expect(error).toMatchObject({ status: 400, scimType: 'invalidSyntax' });
      expect(error.detail).toContain(PATCH_OP_SCHEMA);
    }
  });

  it('rejects a body that is not an object', () => {
    expect(scimErrorOf(() => parsePatchRequest([]))).toMatchObject({ status: 400, scimType: 'invalidSyntax' });
    expect(scimErrorOf(() => parsePatchRequest(null))).toMatchObject({ status: 400, scimType: 'invalidSyntax' });
  });

  it('rejects missing, empty and oversized Operations', () => {
    for (const operations of [undefined, [], 'add']) {
      const error = scimErrorOf(() => parsePatchRequest({ schemas: [PATCH_OP_SCHEMA], Operations: operations }));
      expect(error).toMatchObject({
        status: 400,
        scimType: 'invalidSyntax',
        detail: '"Operations" must be a non-empty array of operations.',
      });
    }
    const many = Array.from({ length: MAX_PATCH_OPERATIONS + 1 }, () => ({ op: 'add', path: 'nickName', value: 'x' }));
    const error = scimErrorOf(() => parsePatchRequest(body(...many)));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidSyntax' });
    expect(error.detail).toContain(`at most ${MAX_PATCH_OPERATIONS}`);
  });

  it('rejects an unknown op, naming it and the operation', () => {
    const error = scimErrorOf(() =>
      parsePatchRequest(
        body({ op: 'add', path: 'nickName', value: 'x' }, { op: 'move', path: 'nickName', value: 'x' }),
      ),
    );
    expect(error).toMatchObject({ status: 400, scimType: 'invalidSyntax' });
    expect(error.detail).toBe('Operations[1]: "op" must be one of add, remove, replace; got "move".');
    expect(scimErrorOf(() => parsePatchRequest(body({ path: 'nickName', value: 'x' }))).scimType).toBe('invalidSyntax');
  });

  it('rejects an operation that is not an object', () => {
    expect(scimErrorOf(() => parsePatchRequest(body('add')))).toMatchObject({ status: 400, scimType: 'invalidSyntax' });
  });

  it('requires a value for add and replace', () => {
    const error = scimErrorOf(() => parsePatchRequest(body({ op: 'Replace', path: 'displayName' })));
    expect(error).toMatchObject({
      status: 400,
      scimType: 'invalidSyntax',
      detail: 'Operations[0]: "replace" needs a "value".',
    });
  });

  it('requires an object value for a path-less add or replace', () => {
    const error = scimErrorOf(() => parsePatchRequest(body({ op: 'add', value: 'Babs' })));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect(error.detail).toContain('without a "path"');
  });

  it('answers noTarget for a remove without a path (RFC 7644 §3.5.2.2)', () => {
    const error = scimErrorOf(() => parsePatchRequest(body({ op: 'remove' })));
    expect(error).toMatchObject({ status: 400, scimType: 'noTarget' });
    expect(error.detail).toContain('"remove" needs a "path"');
  });

  it('rejects a path that is not a string', () => {
    expect(scimErrorOf(() => parsePatchRequest(body({ op: 'add', path: 42, value: 'x' })))).toMatchObject({
      status: 400,
      scimType: 'invalidPath',
    });
  });
});

describe('parsePatchPath', () => {
  it('parses a plain attribute and a sub-attribute', () => {
    expect(parsePatchPath('userName')).toEqual({ type: 'attrPath', text: 'userName', attrPath: { name: 'userName' } });
    expect(parsePatchPath('name.familyName')).toEqual({
      type: 'attrPath',
      text: 'name.familyName',
      attrPath: { name: 'name', subAttr: 'familyName' },
    });
  });

  it('parses URN-qualified paths without splitting on the dot in "2.0"', () => {
    expect(parsePatchPath(`${ENTERPRISE}:employeeNumber`).attrPath).toEqual({
      uri: ENTERPRISE,
      name: 'employeeNumber',
    });
    expect(parsePatchPath(`${ENTERPRISE}:manager.value`).attrPath).toEqual({
      uri: ENTERPRISE,
      name: 'manager',
      subAttr: 'value',
    });
    expect(parsePatchPath('urn:ietf:params:scim:schemas:core:2.0:User:name.givenName').attrPath).toEqual({
      uri: 'urn:ietf:params:scim:schemas:core:2.0:User',
      name: 'name',
      subAttr: 'givenName',
    });
  });

  it('parses a value path with its filter', () => {
    expect(parsePatchPath('members[value eq "2819c223"]')).toEqual({
      type: 'valuePath',
      text: 'members[value eq "2819c223"]',
      attrPath: { name: 'members' },
      filter: { type: 'compare', path: { name: 'value' }, op: 'eq', value: '2819c223' },
    });
  });

  it('parses a value path followed by a sub-attribute, in any case', () => {
    expect(parsePatchPath('emails[type eq "other"].Value')).toMatchObject({
      type: 'valuePath',
      attrPath: { name: 'emails' },
      subAttr: 'Value',
      filter: { type: 'compare', path: { name: 'type' }, op: 'eq', value: 'other' },
    });
  });

  it('parses a URN-qualified value path', () => {
    expect(parsePatchPath(`${ENTERPRISE}:manager[value eq "id"]`)).toMatchObject({
      type: 'valuePath',
      attrPath: { uri: ENTERPRISE, name: 'manager' },
    });
  });

  it('skips brackets inside quoted strings when finding the closing bracket', () => {
    const path = parsePatchPath('emails[value eq "a]b[c\\"]d"].display');
    expect(path).toMatchObject({
      type: 'valuePath',
      subAttr: 'display',
      filter: { type: 'compare', value: 'a]b[c"]d' },
    });
  });

  it('parses compound filters', () => {
    expect(parsePatchPath('emails[type eq "work" and value ew "example.com"]')).toMatchObject({
      type: 'valuePath',
      filter: { type: 'and' },
    });
  });

  it.each([
    ['', 'no attribute name'],
    ['emails[type eq "work"', 'the "[" has no matching "]"'],
    ['emails[type eq "work"]value', 'expected ".subAttribute" after "]"'],
    ['emails[type eq "work"].', 'expected ".subAttribute" after "]"'],
    ['[type eq "work"]', 'no attribute name'],
    ['name.familyName[value eq "x"]', 'must follow an attribute'],
    ['emails[type eq]', 'Invalid filter'],
    ['emails[]', 'Invalid filter'],
    ['user name', '"user name" is not an attribute name'],
    ['name.', '"" is not a sub-attribute name'],
  ])('rejects %j with invalidPath naming the path', (text, reason) => {
    const error = scimErrorOf(() => parsePatchPath(text));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidPath' });
    expect(error.detail).toContain(`Invalid path "${text}"`);
    expect(error.detail).toContain(reason);
  });
});

describe('passwords', () => {
  it.each([
    ['a path', { op: 'replace', path: 'password', value: 'S3cret!' }],
    ['a path in another case', { op: 'Add', path: 'PassWord', value: 'S3cret!' }],
    ['a URN-qualified path', { op: 'replace', path: `${USER_SCHEMA}:password`, value: 'S3cret!' }],
    ['a remove', { op: 'remove', path: 'password' }],
    ['a path-less key', { op: 'replace', value: { displayName: 'x', password: 'S3cret!' } }],
    ['a URN-qualified path-less key', { op: 'add', value: { [`${USER_SCHEMA}:Password`]: 'S3cret!' } }],
    ['a key under the core User URN', { op: 'add', value: { [USER_SCHEMA]: { password: 'S3cret!' } } }],
  ])('refuses a PATCH that sets the password through %s, with a detail saying why', (_label, operation) => {
    const error = scimErrorOf(() => parsePatchRequest(body({ op: 'replace', path: 'title', value: 'x' }, operation)));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidPath' });
    expect(error.detail).toContain('Operations[1]: passwords are not accepted');
    expect(error.detail).toContain('changePassword is not supported');
    expect(error.detail).not.toContain('S3cret');
  });

  it('leaves attributes that merely contain the word alone', () => {
    expect(parsePatchRequest(body({ op: 'add', value: { passwordHint: 'x' } }))).toHaveLength(1);
  });
});

describe('parsed operations on the queue', () => {
  // The gateway enqueues parsePatchRequest's result as JSON and the worker applies it without parsing again.
  const request = {
    schemas: [PATCH_OP_SCHEMA],
    Operations: [
      { OP: 'Replace', Path: 'emails[type eq "work"].value', Value: 'x@acme.com', password: 'S3cret!' },
      { op: 'add', path: null, value: { nickName: 'n' } },
      { op: 'replace', path: 'active', value: null },
    ],
    password: 'S3cret!',
  };

  it('survive a JSON round trip unchanged', () => {
    const operations = parsePatchRequest(request);
    expect(JSON.parse(JSON.stringify(operations))).toEqual(operations);
  });

  it('carry nothing of the request but op, path and value', () => {
    expect(JSON.stringify(parsePatchRequest(request))).not.toContain('S3cret!');
  });
});
