import type { JsonObject } from '../json';
import { GROUP_RESOURCE_TYPE } from '../schema/resource-type';
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from '../schema/urns';
import { normalizeResource } from './resource-normalizer';
import type { StoredResource } from './stored-resource';
import { parseUser, renderUser, validateUserDocument } from './user.resource';
import { applyPatch } from '../patch/patch.engine';
import { parsePatchRequest } from '../patch/patch.request';
import { USER_RESOURCE_TYPE } from '../schema/resource-type';
import { scimErrorOf as scimError } from '../testing/scim-error-of';

const ENTERPRISE = ENTERPRISE_USER_SCHEMA;
const MANAGER_ID = '26118915-6090-4610-87e4-49d8ca9f808d';

/** Calls fn expecting a ScimError and returns it. */

/** Entra's create request (entra-requests.md), with the full enterprise extension. */
const entraCreate = {
  schemas: [USER_SCHEMA, ENTERPRISE],
  externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
  userName: 'Test_User_00aa00aa@testuser.com',
  active: true,
  emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb@testuser.com' }],
  meta: { resourceType: 'User' },
  name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
  roles: [],
  [ENTERPRISE]: { employeeNumber: '701984', department: 'Tour Operations', manager: { value: MANAGER_ID } },
};

describe('parseUser / normalizeResource', () => {
  it("turns Entra's create request into the canonical document", () => {
    expect(parseUser(entraCreate)).toEqual({
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_00aa00aa@testuser.com',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb@testuser.com' }],
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      [ENTERPRISE]: { employeeNumber: '701984', department: 'Tour Operations', manager: { value: MANAGER_ID } },
    });
  });

  describe('attribute names', () => {
    it("uses the schema's casing whatever case the client sent", () => {
      const user = parseUser({
        USERNAME: 'jdoe',
        DisplayName: 'J Doe',
        NAME: { GIVENNAME: 'J', familyname: 'Doe' },
        Emails: [{ VALUE: 'j@acme.com', Type: 'work' }],
      });
      expect(user).toEqual({
        userName: 'jdoe',
        displayName: 'J Doe',
        name: { givenName: 'J', familyName: 'Doe' },
        emails: [{ value: 'j@acme.com', type: 'work' }],
        active: true,
      });
    });

    it('ignores unknown attributes and unknown sub-attributes', () => {
      const user = parseUser({
        userName: 'jdoe',
        favouriteColour: 'blue',
        name: { givenName: 'J', nickname2: 'x' },
        emails: [{ value: 'j@acme.com', label: 'x' }],
      });
      expect(user).toEqual({
        userName: 'jdoe',
        name: { givenName: 'J' },
        emails: [{ value: 'j@acme.com' }],
        active: true,
      });
    });

    it('ignores the server-owned id, meta and groups, and does not keep schemas', () => {
      const user = parseUser({
        schemas: [USER_SCHEMA],
        id: 'client-chosen-id',
        meta: { resourceType: 'User', version: 'W/"9"', created: '2020-01-01T00:00:00Z' },
        groups: [{ value: 'g1', display: 'Admins' }],
        userName: 'jdoe',
      });
      expect(user).toEqual({ userName: 'jdoe', active: true });
    });

    it("keeps the client's externalId (a common attribute that is not the server's)", () => {
      expect(parseUser({ userName: 'jdoe', EXTERNALID: 'ext-1' })['externalId']).toBe('ext-1');
    });

    it('never stores a password', () => {
      expect(parseUser({ userName: 'jdoe', password: 'hunter2' })).not.toHaveProperty('password');
    });
  });

  describe('empty values', () => {
    it('drops nulls, empty strings, empty arrays and empty objects (Entra sends them)', () => {
      const user = parseUser({
        userName: 'jyoung@testuser.com',
        addresses: null,
        displayName: '',
        phoneNumbers: null,
        preferredLanguage: null,
        title: null,
        roles: [],
        name: { givenName: null, familyName: '' },
        emails: [{ value: null, type: null }],
        department: null,
        manager: null,
      });
      expect(user).toEqual({ userName: 'jyoung@testuser.com', active: true });
    });

    it('drops null sub-attributes but keeps the others', () => {
      expect(parseUser({ userName: 'a', name: { givenName: 'Joy', familyName: null } })['name']).toEqual({
        givenName: 'Joy',
      });
    });

    it('drops null elements of a multi-valued attribute', () => {
      expect(
        parseUser({ userName: 'a', phoneNumbers: [null, { value: '555', type: 'work' }] })['phoneNumbers'],
      ).toEqual([{ value: '555', type: 'work' }]);
    });

    it('drops a null enterprise extension', () => {
      expect(parseUser({ userName: 'a', [ENTERPRISE]: null })).toEqual({ userName: 'a', active: true });
    });
  });

  describe('booleans', () => {
    it.each([
      ['False', false],
      ['false', false],
      ['FALSE', false],
      ['TRUE', true],
      ['True', true],
      [' true ', true],
      [true, true],
      [false, false],
    ])('stores active %j as %j', (input, expected) => {
      expect(parseUser({ userName: 'a', active: input })['active']).toBe(expected);
    });

    it('defaults active to true on create, but keeps it unassigned after a PATCH removed it (RFC 7644 §3.5.2.2)', () => {
      expect(parseUser({ userName: 'a' })['active']).toBe(true);
      const stored = parseUser({ userName: 'a', active: false });
      for (const operation of [
        { op: 'remove', path: 'active' },
        { op: 'replace', path: 'active', value: null },
        { op: 'replace', value: { active: null } },
      ]) {
        const patched = applyPatch(
          stored,
          parsePatchRequest({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [operation] }),
          USER_RESOURCE_TYPE,
        );
        expect(validateUserDocument(patched)).toEqual({ userName: 'a' });
      }
    });

    it('converts string booleans inside multi-valued attributes', () => {
      expect(
        parseUser({ userName: 'a', emails: [{ value: 'a@acme.com', type: 'work', primary: 'True' }] })['emails'],
      ).toEqual([{ value: 'a@acme.com', type: 'work', primary: true }]);
    });

    it.each(['yes', 'no', '1', 'enabled'])('rejects active %j with 400 invalidValue', (input) => {
      const error = scimError(() => parseUser({ userName: 'a', active: input }));
      expect(error.status).toBe(400);
      expect(error.scimType).toBe('invalidValue');
      expect(error.detail).toContain('active');
    });

    // BUG (reported): normalizeAttribute documents "" as an empty value that is dropped, and string
    // attributes drop it, but a boolean (or integer/dateTime) attribute rejects it with 400.
    it('treats an empty string for active as no value (active then defaults to true)', () => {
      expect(parseUser({ userName: 'a', active: '' })['active']).toBe(true);
    });

    it('rejects a number for active', () => {
      const error = scimError(() => parseUser({ userName: 'a', active: 1 }));
      expect(error).toMatchObject({ status: 400, scimType: 'invalidValue' });
    });

    it('defaults active to true, and keeps an explicit false', () => {
      expect(parseUser({ userName: 'a' })['active']).toBe(true);
      expect(parseUser({ userName: 'a', active: null })['active']).toBe(true);
      expect(parseUser({ userName: 'a', active: false })['active']).toBe(false);
    });
  });

  describe('other types', () => {
    it('stores numbers sent for string attributes as strings', () => {
      expect(parseUser({ userName: 12345, [ENTERPRISE]: { employeeNumber: 701984 } })).toEqual({
        userName: '12345',
        active: true,
        [ENTERPRISE]: { employeeNumber: '701984' },
      });
    });

    it('rejects an object where a string is expected', () => {
      expect(scimError(() => parseUser({ userName: 'a', title: { x: 1 } }))).toMatchObject({
        status: 400,
        scimType: 'invalidValue',
      });
    });

    it('rejects a string where a complex attribute is expected', () => {
      expect(scimError(() => parseUser({ userName: 'a', name: 'John Doe' }))).toMatchObject({
        status: 400,
        scimType: 'invalidValue',
      });
    });

    it('rejects a body that is not an object with 400 invalidSyntax', () => {
      for (const body of [null, 'user', [{ userName: 'a' }], 42]) {
        expect(scimError(() => parseUser(body))).toMatchObject({ status: 400, scimType: 'invalidSyntax' });
      }
    });
  });

  describe('multi-valued attributes', () => {
    it('wraps a single object in an array', () => {
      expect(
        parseUser({ userName: 'a', emails: { value: 'a@acme.com', type: 'work', primary: true } })['emails'],
      ).toEqual([{ value: 'a@acme.com', type: 'work', primary: true }]);
    });

    it('reads a bare value as the element\'s "value"', () => {
      expect(parseUser({ userName: 'a', phoneNumbers: '+1 555 0100' })['phoneNumbers']).toEqual([
        { value: '+1 555 0100' },
      ]);
      expect(parseUser({ userName: 'a', emails: ['a@acme.com'] })['emails']).toEqual([{ value: 'a@acme.com' }]);
    });

    it('keeps every element of an array, in order', () => {
      const phones = [
        { value: '1', type: 'work' },
        { value: '2', type: 'mobile' },
        { value: '3', type: 'fax' },
      ];
      expect(parseUser({ userName: 'a', phoneNumbers: phones })['phoneNumbers']).toEqual(phones);
    });
  });

  describe('the enterprise extension', () => {
    it('keeps the extension under its URN key, whatever case the key is in', () => {
      const user = parseUser({
        userName: 'a',
        [ENTERPRISE.toUpperCase()]: { Department: 'Sales', COSTCENTER: '4130' },
      });
      expect(user[ENTERPRISE]).toEqual({ department: 'Sales', costCenter: '4130' });
      expect(Object.keys(user)).not.toContain(ENTERPRISE.toUpperCase());
    });

    it('ignores unknown attributes inside the extension', () => {
      expect(parseUser({ userName: 'a', [ENTERPRISE]: { department: 'Sales', shoeSize: 44 } })[ENTERPRISE]).toEqual({
        department: 'Sales',
      });
    });

    it('moves enterprise attributes sent at the top level under the URN', () => {
      const user = parseUser({ userName: 'a', department: 'Sales', employeeNumber: '42', manager: MANAGER_ID });
      expect(user).toEqual({
        userName: 'a',
        active: true,
        [ENTERPRISE]: { department: 'Sales', employeeNumber: '42', manager: { value: MANAGER_ID } },
      });
      expect(user).not.toHaveProperty('department');
    });

    it('merges top-level enterprise attributes with those under the URN', () => {
      const user = parseUser({ userName: 'a', [ENTERPRISE]: { department: 'Sales' }, costCenter: '4130' });
      expect(user[ENTERPRISE]).toEqual({ department: 'Sales', costCenter: '4130' });
    });

    // BUG (reported): a top-level null for an enterprise attribute erases the value given under the
    // URN when it comes after it, although nulls are meant to be dropped (ignored).
    it('does not let a top-level null erase a value given under the URN', () => {
      const user = parseUser({
        userName: 'a',
        [ENTERPRISE]: { department: 'Sales', manager: MANAGER_ID },
        department: null,
        manager: null,
      });
      expect(user[ENTERPRISE]).toEqual({ department: 'Sales', manager: { value: MANAGER_ID } });
    });

    it("ignores the mistyped extension URN of Entra's older documentation", () => {
      const mistyped = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User';
      const user = parseUser({
        schemas: [USER_SCHEMA, mistyped],
        userName: 'jyoung@testuser.com',
        [mistyped]: { department: 'Sales' },
        department: null,
        manager: null,
      });
      expect(user).toEqual({ userName: 'jyoung@testuser.com', active: true });
    });

    it('rejects an extension that is not an object', () => {
      expect(scimError(() => parseUser({ userName: 'a', [ENTERPRISE]: 'Sales' }))).toMatchObject({
        status: 400,
        scimType: 'invalidValue',
      });
    });

    describe('manager', () => {
      it.each([
        ['a plain id string', MANAGER_ID],
        ['an object', { value: MANAGER_ID }],
        [
          'an object with $ref and displayName',
          { value: MANAGER_ID, $ref: `https://x/Users/${MANAGER_ID}`, displayName: 'Boss' },
        ],
        ['an object with "Value"', { Value: MANAGER_ID }],
        ['a one-element array', [{ $ref: `https://x/Users/${MANAGER_ID}`, value: MANAGER_ID }]],
        ['a one-element array of a string', [MANAGER_ID]],
      ])('accepts %s and stores { value }', (_label, manager) => {
        expect(parseUser({ userName: 'a', [ENTERPRISE]: { manager } })[ENTERPRISE]).toEqual({
          manager: { value: MANAGER_ID },
        });
      });

      it('accepts the manager at the top level too', () => {
        expect(parseUser({ userName: 'a', manager: [{ value: MANAGER_ID }] })[ENTERPRISE]).toEqual({
          manager: { value: MANAGER_ID },
        });
      });

      it.each([
        ['null', null],
        ['an empty string', ''],
        ['an empty array', []],
        ['an object with an empty value', { value: '' }],
      ])('treats %s as no manager', (_label, manager) => {
        expect(parseUser({ userName: 'a', [ENTERPRISE]: { manager } })).not.toHaveProperty([ENTERPRISE]);
      });

      it('rejects two managers with 400 invalidValue', () => {
        const error = scimError(() =>
          parseUser({ userName: 'a', [ENTERPRISE]: { manager: [{ value: 'm1' }, { value: 'm2' }] } }),
        );
        expect(error).toMatchObject({ status: 400, scimType: 'invalidValue' });
        expect(error.detail).toMatch(/one manager, got 2/);
      });

      it('rejects a manager id that is not a string', () => {
        expect(scimError(() => parseUser({ userName: 'a', [ENTERPRISE]: { manager: 42 } }))).toMatchObject({
          status: 400,
          scimType: 'invalidValue',
        });
      });
    });
  });

  describe('userName', () => {
    it.each([
      ['missing', {}],
      ['null', { userName: null }],
      ['empty', { userName: '' }],
      ['blank', { userName: '   ' }],
    ])('is required: %s gives 400 invalidValue', (_label, body) => {
      const error = scimError(() => parseUser(body));
      expect(error).toMatchObject({ status: 400, scimType: 'invalidValue' });
      expect(error.detail).toMatch(/userName/);
    });

    it('accepts 256 characters and refuses 257', () => {
      expect(parseUser({ userName: 'x'.repeat(256) })['userName']).toHaveLength(256);
      expect(scimError(() => parseUser({ userName: 'x'.repeat(257) }))).toMatchObject({
        status: 400,
        scimType: 'invalidValue',
      });
    });

    it('is kept as sent (case and all)', () => {
      expect(parseUser({ userName: 'John.Doe@ACME.com' })['userName']).toBe('John.Doe@ACME.com');
    });
  });

  it('does not mutate its input', () => {
    const body = structuredClone(entraCreate) as unknown as JsonObject;
    const before = structuredClone(body);
    const user = parseUser(body);
    expect(body).toEqual(before);
    // the result shares no objects with the input
    (user['name'] as JsonObject)['givenName'] = 'changed';
    expect((body['name'] as JsonObject)['givenName']).toBe('givenName');
  });

  it('normalizes a Group with the group schema (and ignores user attributes)', () => {
    expect(
      normalizeResource({ DISPLAYNAME: 'Admins', userName: 'x', members: { value: 'u1' } }, GROUP_RESOURCE_TYPE),
    ).toEqual({
      displayName: 'Admins',
      members: [{ value: 'u1' }],
    });
  });
});

describe('renderUser', () => {
  const base = 'https://scim.example.com/api/scim';
  const stored = (data: JsonObject, version = 3): StoredResource => ({
    id: '2819c223-7f76-453a-919d-413861904646',
    data,
    version,
    created: '2026-01-02T03:04:05.678Z',
    lastModified: '2026-02-03T04:05:06.789Z',
  });

  it('renders the core schema only when there is no enterprise data', () => {
    const body = renderUser(stored({ userName: 'jdoe', active: true }), base);
    expect(body['schemas']).toEqual([USER_SCHEMA]);
    expect(body).not.toHaveProperty([ENTERPRISE]);
  });

  it('adds the enterprise URN to schemas when there is enterprise data', () => {
    const body = renderUser(stored({ userName: 'jdoe', [ENTERPRISE]: { department: 'Sales' } }), base);
    expect(body['schemas']).toEqual([USER_SCHEMA, ENTERPRISE]);
    expect(body[ENTERPRISE]).toEqual({ department: 'Sales' });
  });

  it('gives the manager a $ref built from the base URL', () => {
    const body = renderUser(
      stored({ userName: 'jdoe', [ENTERPRISE]: { department: 'Sales', manager: { value: MANAGER_ID } } }),
      base,
    );
    expect(body[ENTERPRISE]).toEqual({
      department: 'Sales',
      manager: { value: MANAGER_ID, $ref: `${base}/Users/${MANAGER_ID}` },
    });
  });

  it('renders meta with resourceType, created, lastModified, location and a weak version', () => {
    const body = renderUser(stored({ userName: 'jdoe' }, 7), base);
    expect(body['meta']).toEqual({
      resourceType: 'User',
      created: '2026-01-02T03:04:05.678Z',
      lastModified: '2026-02-03T04:05:06.789Z',
      location: `${base}/Users/2819c223-7f76-453a-919d-413861904646`,
      version: 'W/"7"',
    });
  });

  it('renders id, the stored attributes, and identity first', () => {
    const data = {
      name: { givenName: 'J' },
      userName: 'jdoe',
      active: false,
      externalId: 'ext-1',
      emails: [{ value: 'j@acme.com', type: 'work', primary: true }],
    };
    const body = renderUser(stored(data), base);
    expect(body).toMatchObject({ id: '2819c223-7f76-453a-919d-413861904646', ...data });
    expect(Object.keys(body).slice(0, 4)).toEqual(['schemas', 'id', 'externalId', 'userName']);
  });

  it('does not mutate the stored resource', () => {
    const data: JsonObject = { userName: 'jdoe', [ENTERPRISE]: { manager: { value: MANAGER_ID } } };
    const resource = stored(data);
    const before = structuredClone(resource);
    renderUser(resource, base);
    expect(resource).toEqual(before);
  });

  it('round-trips: a rendered user parses back to the stored document', () => {
    const data = parseUser(entraCreate);
    expect(parseUser(renderUser(stored(data), base))).toEqual(data);
  });
});
