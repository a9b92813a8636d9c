import type { JsonObject, JsonValue } from '../json';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE, type ResourceTypeDefinition } from '../schema/resource-type';
import { ENTERPRISE_USER_SCHEMA as ENTERPRISE, GROUP_SCHEMA, PATCH_OP_SCHEMA, USER_SCHEMA } from '../schema/urns';
import { applyPatch } from './patch.engine';
import { parsePatchRequest } from './patch.request';
import { scimErrorOf } from '../testing/scim-error-of';

// ---------------------------------------------------------------------------------------------
// Fixtures (deep-frozen: any mutation of an input throws in strict mode)

/** Freezes a fixture; `T` defaults to JsonObject so that literals are checked against it. */
function deepFreeze<T = JsonObject>(value: NoInfer<T>): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

const BJENSEN_ID = '2819c223-7f76-453a-919d-413861904646';
const MANDY_ID = '902c246b-6245-4190-8e05-00816be7344a';
const MANAGER_ID = '26118915-6090-4610-87e4-49d8ca9f808d';

const USER: JsonObject = deepFreeze({
  schemas: [USER_SCHEMA, ENTERPRISE],
  id: BJENSEN_ID,
  externalId: 'bjensen',
  userName: 'bjensen@example.com',
  name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara' },
  displayName: 'Babs Jensen',
  active: true,
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  addresses: [
    {
      type: 'work',
      streetAddress: '100 Universal City Plaza',
      locality: 'Hollywood',
      region: 'CA',
      postalCode: '91608',
      country: 'USA',
      primary: true,
    },
    {
      type: 'home',
      streetAddress: '456 Hollywood Blvd',
      locality: 'Hollywood',
      region: 'CA',
      postalCode: '91608',
      country: 'USA',
    },
  ],
  [ENTERPRISE]: { employeeNumber: '701984', department: 'Tour Operations', manager: { value: MANAGER_ID } },
  meta: {
    resourceType: 'User',
    created: '2010-01-23T04:56:22Z',
    lastModified: '2011-05-13T04:42:34Z',
    version: 'W/"3694e05e9dff591"',
  },
});

/** A user as Entra creates it: work email only, no manager. */
const ENTRA_USER: JsonObject = deepFreeze({
  schemas: [USER_SCHEMA, ENTERPRISE],
  id: '5b50642d-79fc-4410-9e90-4c077cdd1a59',
  externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
  userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
  active: true,
  emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb@testuser.com' }],
  name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
});

const GROUP: JsonObject = deepFreeze({
  schemas: [GROUP_SCHEMA],
  id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
  displayName: 'Tour Guides',
  members: [
    { value: BJENSEN_ID, $ref: `https://example.com/v2/Users/${BJENSEN_ID}` },
    { value: MANDY_ID, $ref: `https://example.com/v2/Users/${MANDY_ID}` },
  ],
});

function patch(
  resource: JsonObject,
  operations: unknown[],
  resourceType: ResourceTypeDefinition = USER_RESOURCE_TYPE,
): JsonObject {
  return applyPatch(resource, parsePatchRequest({ schemas: [PATCH_OP_SCHEMA], Operations: operations }), resourceType);
}

function patchGroup(operations: unknown[], group: JsonObject = GROUP): JsonObject {
  return patch(group, operations, GROUP_RESOURCE_TYPE);
}

/** The document minus the given top-level keys, to assert "only this changed". */
function without(document: JsonObject, ...keys: string[]): JsonObject {
  return Object.fromEntries(Object.entries(document).filter(([key]) => !keys.includes(key)));
}

function enterprise(document: JsonObject): JsonValue | undefined {
  return document[ENTERPRISE];
}

// ---------------------------------------------------------------------------------------------

describe('applyPatch: RFC 7644 §3.5.2.1 add', () => {
  it('adds a member to a group', () => {
    const newMember = { display: 'Babs Jensen', $ref: 'https://example.com/v2/Users/2819c223...', value: 'a3d9e2f1' };
    const result = patchGroup([{ op: 'add', path: 'members', value: [newMember] }]);
    // `display` is readOnly in our Group schema, so it is ignored in input.
    expect(result['members']).toEqual([
      ...(GROUP['members'] as JsonValue[]),
      { $ref: newMember.$ref, value: 'a3d9e2f1' },
    ]);
    expect(without(result, 'members')).toEqual(without(GROUP, 'members'));
  });

  it('adds emails and a nickname without a path', () => {
    const result = patch(USER, [
      {
        op: 'add',
        value: {
          emails: [
            { value: 'babs@jensen.org', type: 'home' },
            { value: 'babs@example.org', type: 'other' },
          ],
          nickname: 'Babs',
        },
      },
    ]);
    expect(result['emails']).toEqual([
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' }, // already present: not duplicated
      { value: 'babs@example.org', type: 'other' },
    ]);
    expect(result['nickName']).toBe('Babs'); // written with the schema's name
    expect(without(result, 'emails', 'nickName')).toEqual(without(USER, 'emails'));
  });

  it('adds to a complex attribute by merging sub-attributes', () => {
    const result = patch(USER, [{ op: 'add', path: 'name', value: { middleName: 'Jane', givenName: 'Babs' } }]);
    expect(result['name']).toEqual({
      formatted: 'Ms. Barbara J Jensen III',
      familyName: 'Jensen',
      givenName: 'Babs',
      middleName: 'Jane',
    });
  });

  it('replaces a single-valued attribute that exists, and creates one that does not', () => {
    expect(patch(USER, [{ op: 'add', path: 'displayName', value: 'B' }])['displayName']).toBe('B');
    expect(patch(USER, [{ op: 'add', path: 'title', value: 'Tour Guide' }])['title']).toBe('Tour Guide');
  });

  it('wraps a single value added to a multi-valued attribute', () => {
    const result = patch(USER, [{ op: 'add', path: 'phoneNumbers', value: { value: '555-555-8377', type: 'work' } }]);
    expect(result['phoneNumbers']).toEqual([{ value: '555-555-8377', type: 'work' }]);
  });

  it('makes a newly added primary value the only primary one (RFC 7644 §3.5.2)', () => {
    const result = patch(USER, [
      { op: 'add', path: 'emails', value: [{ value: 'new@example.com', type: 'work', primary: true }] },
    ]);
    expect(result['emails']).toEqual([
      { value: 'bjensen@example.com', type: 'work', primary: false },
      { value: 'babs@jensen.org', type: 'home' },
      { value: 'new@example.com', type: 'work', primary: true },
    ]);
  });
});

describe('applyPatch: RFC 7644 §3.5.2.2 remove', () => {
  it('removes all members of a group', () => {
    const result = patchGroup([{ op: 'remove', path: 'members' }]);
    expect(result).toEqual(without(GROUP, 'members'));
  });

  it('removes one member selected by a filter', () => {
    const result = patchGroup([{ op: 'remove', path: `members[value eq "${BJENSEN_ID}"]` }]);
    expect(result['members']).toEqual([{ value: MANDY_ID, $ref: `https://example.com/v2/Users/${MANDY_ID}` }]);
    expect(without(result, 'members')).toEqual(without(GROUP, 'members'));
  });

  it('removes every value matching a compound filter', () => {
    const user = deepFreeze({
      ...USER,
      emails: [...(USER['emails'] as JsonValue[]), { value: 'b@example.com', type: 'work' }],
    });
    const result = patch(user, [{ op: 'remove', path: 'emails[type eq "work" and value ew "example.com"]' }]);
    expect(result['emails']).toEqual([{ value: 'babs@jensen.org', type: 'home' }]);
  });

  it('removes a sub-attribute of the selected values', () => {
    const result = patch(USER, [{ op: 'remove', path: 'addresses[type eq "work"].streetAddress' }]);
    const addresses = USER['addresses'] as JsonObject[];
    expect(result['addresses']).toEqual([without(addresses[0]!, 'streetAddress'), addresses[1]]);
  });

  it('removes a sub-attribute of a complex attribute, and an attribute', () => {
    const result = patch(USER, [
      { op: 'remove', path: 'name.formatted' },
      { op: 'remove', path: 'displayName' },
    ]);
    expect(result['name']).toEqual({ familyName: 'Jensen', givenName: 'Barbara' });
    expect(result).not.toHaveProperty('displayName');
  });

  it('replaces all members by a remove and an add in one request', () => {
    const result = patchGroup([
      { op: 'remove', path: 'members' },
      {
        op: 'add',
        path: 'members',
        value: [
          { display: 'Babs Jensen', $ref: `https://example.com/v2/Users/${BJENSEN_ID}`, value: BJENSEN_ID },
          {
            display: 'James Smith',
            $ref: 'https://example.com/v2/Users/08e1d05d-121c-4561-8b96-473d93df9210',
            value: '08e1d05d-121c-4561-8b96-473d93df9210',
          },
        ],
      },
    ]);
    expect(result['members']).toEqual([
      { $ref: `https://example.com/v2/Users/${BJENSEN_ID}`, value: BJENSEN_ID },
      {
        $ref: 'https://example.com/v2/Users/08e1d05d-121c-4561-8b96-473d93df9210',
        value: '08e1d05d-121c-4561-8b96-473d93df9210',
      },
    ]);
  });

  it('removes an extension attribute, and the extension once it is empty', () => {
    const result = patch(USER, [
      { op: 'remove', path: `${ENTERPRISE}:employeeNumber` },
      { op: 'remove', path: 'department' },
    ]);
    expect(enterprise(result)).toEqual({ manager: { value: MANAGER_ID } });
    expect(patch(result, [{ op: 'remove', path: 'manager' }])).not.toHaveProperty([ENTERPRISE]);
  });

  it('is not an error to remove something absent', () => {
    expect(patch(USER, [{ op: 'remove', path: 'nickName' }])).toEqual(USER);
    expect(patch(USER, [{ op: 'remove', path: 'emails[type eq "pager"]' }])).toEqual(USER);
    expect(patch(USER, [{ op: 'remove', path: 'phoneNumbers[type eq "work"].value' }])).toEqual(USER);
    expect(patch(ENTRA_USER, [{ op: 'remove', path: 'manager' }])).toEqual(ENTRA_USER);
  });
});

describe('applyPatch: RFC 7644 §3.5.2.3 replace', () => {
  const newMembers = [
    { display: 'Babs Jensen', $ref: `https://example.com/v2/Users/${BJENSEN_ID}`, value: BJENSEN_ID },
    {
      display: 'James Smith',
      $ref: 'https://example.com/v2/Users/08e1d05d-121c-4561-8b96-473d93df9210',
      value: '08e1d05d-121c-4561-8b96-473d93df9210',
    },
  ];

  it('replaces all members', () => {
    const result = patchGroup([{ op: 'replace', path: 'members', value: newMembers }]);
    expect(result['members']).toEqual(newMembers.map(({ $ref, value }) => ({ $ref, value })));
  });

  it('replaces the work address', () => {
    const work = {
      type: 'work',
      streetAddress: '911 Universal City Plaza',
      locality: 'Hollywood',
      region: 'CA',
      postalCode: '91608',
      country: 'US',
      formatted: '911 Universal City Plaza\nHollywood, CA 91608 US',
      primary: true,
    };
    const result = patch(USER, [{ op: 'replace', path: 'addresses[type eq "work"]', value: work }]);
    expect(result['addresses']).toEqual([work, (USER['addresses'] as JsonValue[])[1]]);
    expect(without(result, 'addresses')).toEqual(without(USER, 'addresses'));
  });

  it('replaces the street address of the work address', () => {
    const result = patch(USER, [
      { op: 'replace', path: 'addresses[type eq "work"].streetAddress', value: '1010 Broadway Ave' },
    ]);
    const addresses = USER['addresses'] as JsonObject[];
    expect(result['addresses']).toEqual([{ ...addresses[0], streetAddress: '1010 Broadway Ave' }, addresses[1]]);
  });

  it('replaces attributes without a path', () => {
    const emails = [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@jensen.org', type: 'home' },
    ];
    const user = deepFreeze({ ...USER, emails: [{ value: 'old@example.com', type: 'work' }] });
    const result = patch(user, [{ op: 'replace', value: { emails, nickname: 'Babs' } }]);
    expect(result['emails']).toEqual(emails);
    expect(result['nickName']).toBe('Babs');
    expect(without(result, 'emails', 'nickName')).toEqual(without(user, 'emails'));
  });

  it('merges a complex value, leaving sub-attributes not given unchanged', () => {
    const result = patch(USER, [{ op: 'replace', path: 'name', value: { givenName: 'Babs', formatted: null } }]);
    expect(result['name']).toEqual({ familyName: 'Jensen', givenName: 'Babs' });
  });

  it('treats a replace of an absent attribute as an add', () => {
    expect(patch(USER, [{ op: 'replace', path: 'name.middleName', value: 'Jane' }])['name']).toMatchObject({
      middleName: 'Jane',
    });
    expect(
      patch(ENTRA_USER, [{ op: 'replace', path: 'phoneNumbers', value: [{ value: '1', type: 'work' }] }])[
        'phoneNumbers'
      ],
    ).toEqual([{ value: '1', type: 'work' }]);
  });

  it('updates the sub-attribute of every matching value', () => {
    const user = deepFreeze({
      ...USER,
      emails: [
        { value: 'a@x.com', type: 'work' },
        { value: 'b@x.com', type: 'home' },
        { value: 'c@x.com', type: 'work' },
      ],
    });
    const result = patch(user, [{ op: 'replace', path: 'emails[type eq "work"].display', value: 'Work' }]);
    expect(result['emails']).toEqual([
      { value: 'a@x.com', type: 'work', display: 'Work' },
      { value: 'b@x.com', type: 'home' },
      { value: 'c@x.com', type: 'work', display: 'Work' },
    ]);
  });

  it('replacing with an empty array removes a multi-valued attribute', () => {
    expect(patch(USER, [{ op: 'replace', path: 'emails', value: [] }])).not.toHaveProperty('emails');
  });
});

// ---------------------------------------------------------------------------------------------
// Every request shape in /work/shared/entra-requests.md

describe('applyPatch: what Microsoft Entra ID sends to /Users', () => {
  it('updates a multi-valued and a complex attribute', () => {
    const result = patch(ENTRA_USER, [
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
      { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
    ]);
    expect(result['emails']).toEqual([{ primary: true, type: 'work', value: 'updatedEmail@microsoft.com' }]);
    expect(result['name']).toEqual({
      formatted: 'givenName familyName',
      familyName: 'updatedFamilyName',
      givenName: 'givenName',
    });
    expect(without(result, 'emails', 'name')).toEqual(without(ENTRA_USER, 'emails', 'name'));
  });

  it('updates a single-valued attribute', () => {
    const result = patch(ENTRA_USER, [
      { op: 'Replace', path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' },
    ]);
    expect(result).toEqual({ ...ENTRA_USER, userName: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' });
  });

  it('disables with the string "False" (default jobs)', () => {
    expect(patch(ENTRA_USER, [{ op: 'Replace', path: 'active', value: 'False' }])).toEqual({
      ...ENTRA_USER,
      active: false,
    });
  });

  it('disables with the boolean false (compliant jobs), and re-enables with "True" or "true"', () => {
    const disabled = patch(ENTRA_USER, [{ op: 'replace', path: 'active', value: false }]);
    expect(disabled['active']).toBe(false);
    expect(patch(disabled, [{ op: 'Replace', path: 'active', value: 'True' }])['active']).toBe(true);
    expect(patch(disabled, [{ op: 'replace', value: { active: 'true' } }])['active']).toBe(true);
  });

  it('stores boolean sub-attributes sent as strings as booleans', () => {
    const result = patch(ENTRA_USER, [
      { op: 'Add', path: 'phoneNumbers', value: [{ value: '555', type: 'work', primary: 'True' }] },
    ]);
    expect(result['phoneNumbers']).toEqual([{ value: '555', type: 'work', primary: true }]);
  });

  it.each(['Add', 'add'])('adds a single-valued attribute (op "%s")', (op) => {
    expect(patch(ENTRA_USER, [{ op, path: 'nickName', value: 'Babs' }])).toEqual({ ...ENTRA_USER, nickName: 'Babs' });
  });

  it('replaces several attributes, legacy form', () => {
    const result = patch(ENTRA_USER, [
      { op: 'Replace', path: 'displayName', value: 'Pvlo' },
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'TestBcwqnm@test.microsoft.com' },
      { op: 'Replace', path: 'name.givenName', value: 'Gtfd' },
      { op: 'Replace', path: 'name.familyName', value: 'Pkqf' },
      { op: 'Replace', path: 'externalId', value: 'Eqpj' },
      { op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: 'Eqpj' },
    ]);
    expect(result).toEqual({
      ...ENTRA_USER,
      displayName: 'Pvlo',
      emails: [{ primary: true, type: 'work', value: 'TestBcwqnm@test.microsoft.com' }],
      name: { formatted: 'givenName familyName', familyName: 'Pkqf', givenName: 'Gtfd' },
      externalId: 'Eqpj',
      [ENTERPRISE]: { employeeNumber: 'Eqpj' },
    });
  });

  it('replaces several attributes, compliant form (path-less, dotted and URN keys)', () => {
    const result = patch(ENTRA_USER, [
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
    ]);
    expect(result).toEqual({
      ...ENTRA_USER,
      displayName: 'Bjfe',
      emails: [{ primary: true, type: 'work', value: 'TestMhvaes@test.microsoft.com' }],
      name: { formatted: 'givenName familyName', familyName: 'Unua', givenName: 'Kkom' },
      [ENTERPRISE]: { employeeNumber: 'Aklq' },
    });
  });

  it("accepts an extension URN key holding an object of that extension's attributes", () => {
    const result = patch(USER, [{ op: 'add', value: { [ENTERPRISE]: { department: 'Sales', costCenter: '4130' } } }]);
    expect(enterprise(result)).toEqual({
      employeeNumber: '701984',
      department: 'Sales',
      costCenter: '4130',
      manager: { value: MANAGER_ID },
    });
  });

  describe('the enterprise extension URN as the path', () => {
    it('adds the attributes of the value, as a path-less value under that URN does', () => {
      const result = patch(USER, [{ op: 'add', path: ENTERPRISE, value: { department: 'Sales' } }]);
      expect(enterprise(result)).toEqual({
        employeeNumber: '701984',
        department: 'Sales',
        manager: { value: MANAGER_ID },
      });
      expect(without(result, ENTERPRISE)).toEqual(without(USER, ENTERPRISE));
    });

    it('creates the extension on a user that has none', () => {
      const result = patch(ENTRA_USER, [
        { op: 'Add', path: ENTERPRISE.toLowerCase(), value: { department: 'Sales', employeeNumber: 7 } },
      ]);
      expect(enterprise(result)).toEqual({ department: 'Sales', employeeNumber: '7' });
    });

    it('replaces the attributes given and leaves the others (RFC 7644 §3.5.2.3, a complex target)', () => {
      const result = patch(USER, [{ op: 'replace', path: ENTERPRISE, value: { department: 'Sales', manager: null } }]);
      expect(enterprise(result)).toEqual({ employeeNumber: '701984', department: 'Sales' });
    });

    it('removes the whole extension', () => {
      const result = patch(USER, [{ op: 'remove', path: ENTERPRISE }]);
      expect(result).not.toHaveProperty([ENTERPRISE]);
      expect(result).toEqual(without(USER, ENTERPRISE));
    });

    it('removes the whole extension on replace with null', () => {
      expect(patch(USER, [{ op: 'replace', path: ENTERPRISE, value: null }])).not.toHaveProperty([ENTERPRISE]);
    });

    it('refuses a remove with a value, which would otherwise wipe more than the client named', () => {
      const error = scimErrorOf(() =>
        patch(USER, [{ op: 'remove', path: ENTERPRISE, value: { department: 'Tour Operations' } }]),
      );
      expect(error).toMatchObject({ status: 400, scimType: 'invalidValue' });
      expect(error.detail).toContain(`${ENTERPRISE}:department`);
    });

    it('refuses a value that is not an object of attributes', () => {
      expect(scimErrorOf(() => patch(USER, [{ op: 'add', path: ENTERPRISE, value: 'Sales' }]))).toMatchObject({
        status: 400,
        scimType: 'invalidValue',
      });
    });

    it('takes the core schema URN as the path for add, and refuses to remove the whole resource', () => {
      expect(patch(USER, [{ op: 'add', path: USER_SCHEMA, value: { title: 'Guide' } }])['title']).toBe('Guide');
      expect(scimErrorOf(() => patch(USER, [{ op: 'remove', path: USER_SCHEMA }]))).toMatchObject({
        status: 400,
        scimType: 'invalidPath',
      });
    });

    it('is an unknown attribute on a Group', () => {
      expect(
        scimErrorOf(() => patchGroup([{ op: 'add', path: ENTERPRISE, value: { department: 'Sales' } }])),
      ).toMatchObject({ status: 400, scimType: 'invalidPath' });
    });
  });

  it.each(['Add', 'Replace'])('creates the work email when absent (op "%s")', (op) => {
    const user = deepFreeze(without(ENTRA_USER, 'emails'));
    const result = patch(user, [{ op, path: 'emails[type eq "work"].value', value: 'new@contoso.com' }]);
    expect(result).toEqual({ ...user, emails: [{ type: 'work', value: 'new@contoso.com' }] });
  });

  it('creates the work email beside other emails', () => {
    const user = deepFreeze({ ...ENTRA_USER, emails: [{ type: 'home', value: 'home@example.org' }] });
    const result = patch(user, [{ op: 'Replace', path: 'emails[type eq "work"].value', value: 'work@contoso.com' }]);
    expect(result['emails']).toEqual([
      { type: 'home', value: 'home@example.org' },
      { type: 'work', value: 'work@contoso.com' },
    ]);
  });

  it('creates a value from every equality of an "and" filter, and demotes the old primary', () => {
    const result = patch(USER, [
      { op: 'add', path: 'emails[type eq "other" and primary eq "true"]', value: { value: 'o@example.com' } },
    ]);
    expect(result['emails']).toEqual([
      { value: 'bjensen@example.com', type: 'work', primary: false },
      { value: 'babs@jensen.org', type: 'home' },
      { type: 'other', primary: true, value: 'o@example.com' },
    ]);
  });

  it("resolves attribute names in any case and writes the schema's names", () => {
    const user = deepFreeze({ ...ENTRA_USER, emails: [{ type: 'other', value: 'o@example.com' }] });
    const result = patch(user, [
      { op: 'Replace', path: 'emails[type eq "other"].Value', value: 'p@example.com' },
      { op: 'Replace', path: 'NAME.GIVENNAME', value: 'G' },
      { op: 'Add', path: 'EmployeeNumber', value: '42' },
    ]);
    expect(result['emails']).toEqual([{ type: 'other', value: 'p@example.com' }]);
    expect(result['name']).toMatchObject({ givenName: 'G' });
    expect(enterprise(result)).toEqual({ employeeNumber: '42' });
  });

  describe('manager', () => {
    it('sets the manager from a one-element array of {$ref, value}', () => {
      const result = patch(ENTRA_USER, [
        {
          op: 'Add',
          path: 'manager',
          value: [
            {
              $ref: 'https://example.com/Users/00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
              value: '00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
            },
          ],
        },
      ]);
      expect(result).toEqual({
        ...ENTRA_USER,
        [ENTERPRISE]: { manager: { value: '00aa00aa-bb11-cc22-dd33-44ee44ee44ee' } },
      });
    });

    it('sets the manager from a plain id at a URN-qualified path', () => {
      const result = patch(USER, [{ op: 'add', path: `${ENTERPRISE}:manager`, value: 'new-manager-id' }]);
      expect(enterprise(result)).toEqual({
        employeeNumber: '701984',
        department: 'Tour Operations',
        manager: { value: 'new-manager-id' },
      });
    });

    it('sets the manager from an object, dropping the derived $ref and displayName', () => {
      const result = patch(ENTRA_USER, [
        { op: 'replace', path: 'manager', value: { value: 'm1', $ref: 'https://x/Users/m1', displayName: 'Boss' } },
      ]);
      expect(enterprise(result)).toEqual({ manager: { value: 'm1' } });
    });

    it('sets the manager through a path-less extension object', () => {
      const result = patch(ENTRA_USER, [{ op: 'replace', value: { [ENTERPRISE]: { manager: 'm2' } } }]);
      expect(enterprise(result)).toEqual({ manager: { value: 'm2' } });
    });

    it('removes the manager by manager[value eq "…"]', () => {
      const result = patch(USER, [{ op: 'remove', path: `manager[value eq "${MANAGER_ID}"]` }]);
      expect(enterprise(result)).toEqual({ employeeNumber: '701984', department: 'Tour Operations' });
    });

    it('keeps the manager when manager[value eq "…"] names someone else', () => {
      expect(patch(USER, [{ op: 'remove', path: 'manager[value eq "someone-else"]' }])).toEqual(USER);
    });

    it.each([
      ['an empty string', ''],
      ['null', null],
      ['an empty object', {}],
      ['an empty array', []],
      ['an object with an empty value', { value: '' }],
    ])('removes the manager on a replace or add with %s', (_, value) => {
      for (const op of ['Replace', 'Add']) {
        const result = patch(USER, [{ op, path: 'manager', value }]);
        expect(enterprise(result)).toEqual({ employeeNumber: '701984', department: 'Tour Operations' });
      }
    });

    it('replaces a manager selected by a filter, and refuses when it does not match', () => {
      expect(
        enterprise(patch(USER, [{ op: 'replace', path: `manager[value eq "${MANAGER_ID}"]`, value: { value: 'm3' } }])),
      ).toMatchObject({ manager: { value: 'm3' } });
      const error = scimErrorOf(() =>
        patch(USER, [{ op: 'replace', path: 'manager[value eq "other"]', value: { value: 'm3' } }]),
      );
      expect(error).toMatchObject({ status: 400, scimType: 'noTarget' });
    });

    it('rejects more than one manager', () => {
      const error = scimErrorOf(() =>
        patch(USER, [{ op: 'add', path: 'manager', value: [{ value: 'a' }, { value: 'b' }] }]),
      );
      expect(error).toMatchObject({ status: 400, scimType: 'invalidValue' });
      expect(error.detail).toContain('manager');
    });
  });

  it('adds roles', () => {
    const role = '{"id":"7b3b8c2e","value":"25","displayName":"Role1234"}';
    const result = patch(ENTRA_USER, [{ op: 'Add', path: 'roles', value: [{ value: role }] }]);
    expect(result).toEqual({ ...ENTRA_USER, roles: [{ value: role }] });
  });
});

describe('applyPatch: what Microsoft Entra ID sends to /Groups', () => {
  it('renames a group', () => {
    const result = patchGroup([{ op: 'Replace', path: 'displayName', value: 'Tour Guides updatedDisplayName' }]);
    expect(result).toEqual({ ...GROUP, displayName: 'Tour Guides updatedDisplayName' });
  });

  it('adds members', () => {
    const result = patchGroup([{ op: 'Add', path: 'members', value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }] }]);
    expect(result['members']).toEqual([...(GROUP['members'] as JsonValue[]), { value: 'f648f8d5ea4e4cd38e9c' }]);
  });

  it('adds members to a group created without any', () => {
    const empty = deepFreeze(without(GROUP, 'members'));
    const result = patchGroup(
      [{ op: 'Add', path: 'members', value: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }] }],
      empty,
    );
    expect(result).toEqual({ ...empty, members: [{ value: 'f648f8d5ea4e4cd38e9c' }] });
  });

  it('removes exactly the members listed in a value array, and nothing else', () => {
    const group = deepFreeze({ ...GROUP, members: [{ value: 'a' }, { value: 'b' }, { value: 'c' }, { value: 'd' }] });
    const result = patchGroup(
      [
        {
          op: 'Remove',
          path: 'members',
          value: [
            { $ref: null, value: 'b' },
            { $ref: null, value: 'd' },
          ],
        },
      ],
      group,
    );
    expect(result).toEqual({ ...GROUP, members: [{ value: 'a' }, { value: 'c' }] });
  });

  it('removes the one listed member, keeping the others (the group is not wiped)', () => {
    const result = patchGroup([{ op: 'Remove', path: 'members', value: [{ $ref: null, value: BJENSEN_ID }] }]);
    expect(result['members']).toEqual([{ value: MANDY_ID, $ref: `https://example.com/v2/Users/${MANDY_ID}` }]);
  });

  it('removing the last listed member leaves no members', () => {
    const group = deepFreeze({ ...GROUP, members: [{ value: 'a' }] });
    expect(patchGroup([{ op: 'Remove', path: 'members', value: [{ value: 'a' }] }], group)).toEqual(
      without(GROUP, 'members'),
    );
  });

  it('removes nothing for an empty value array', () => {
    expect(patchGroup([{ op: 'Remove', path: 'members', value: [] }])).toEqual(GROUP);
  });

  it('removes a member by members[value eq "…"]', () => {
    const result = patchGroup([{ op: 'remove', path: `members[value eq "${MANDY_ID}"]` }]);
    expect(result['members']).toEqual([{ value: BJENSEN_ID, $ref: `https://example.com/v2/Users/${BJENSEN_ID}` }]);
  });

  it('adding a member already present is a quiet no-op', () => {
    expect(patchGroup([{ op: 'Add', path: 'members', value: [{ $ref: null, value: BJENSEN_ID }] }])).toEqual(GROUP);
  });

  it('removing an absent member is not an error, in either form', () => {
    expect(patchGroup([{ op: 'Remove', path: 'members', value: [{ $ref: null, value: 'absent' }] }])).toEqual(GROUP);
    expect(patchGroup([{ op: 'remove', path: 'members[value eq "absent"]' }])).toEqual(GROUP);
    expect(patchGroup([{ op: 'remove', path: 'members' }], deepFreeze(without(GROUP, 'members')))).toEqual(
      without(GROUP, 'members'),
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('applyPatch: errors', () => {
  it.each([
    ['a filter that matches nothing and cannot describe a new value', 'emails[value ew "nowhere.org"].type', 'emails'],
    ['a filter with "or"', 'emails[type eq "pager" or type eq "fax"].value', 'emails'],
    ['a filter with "ne"', 'addresses[type ne "work" and type ne "home"].streetAddress', 'addresses'],
  ])('answers noTarget for a replace with %s', (_, path, attribute) => {
    const error = scimErrorOf(() => patch(USER, [{ op: 'replace', path, value: 'x' }]));
    expect(error).toMatchObject({ status: 400, scimType: 'noTarget' });
    expect(error.detail).toBe(`No value of "${attribute}" matches the filter of path "${path}".`);
  });

  it.each([
    ['unknown attribute', 'favouriteColour', 'a User has no attribute "favouriteColour"'],
    ['unknown sub-attribute', 'name.nickname', '"name" has no sub-attribute "nickname"'],
    [
      'unknown sub-attribute after a filter',
      'emails[type eq "work"].address',
      '"emails" has no sub-attribute "address"',
    ],
    ['filter on a simple attribute', 'userName[value eq "x"]', 'a filter applies to complex attributes'],
    ['attribute of an unknown extension', 'urn:example:ext:1.0:User:badge', 'a User has no attribute "badge"'],
  ])('answers invalidPath for an %s', (_, path, reason) => {
    const error = scimErrorOf(() => patch(USER, [{ op: 'replace', path, value: 'x' }]));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidPath' });
    expect(error.detail).toContain(`Invalid path "${path}"`);
    expect(error.detail).toContain(reason);
  });

  it('answers invalidPath for a User attribute on a Group', () => {
    const error = scimErrorOf(() => patchGroup([{ op: 'replace', path: 'userName', value: 'x' }]));
    expect(error).toMatchObject({
      status: 400,
      scimType: 'invalidPath',
      detail: 'Invalid path "userName": a Group has no attribute "userName".',
    });
  });

  it('answers invalidPath for an unknown key of a path-less value', () => {
    const error = scimErrorOf(() =>
      patch(USER, [{ op: 'replace', value: { displayName: 'x', 'name.nickname': 'y' } }]),
    );
    expect(error).toMatchObject({ status: 400, scimType: 'invalidPath' });
    expect(error.detail).toContain('"name.nickname"');
  });

  it('answers invalidPath for a filter that cannot apply to the attribute', () => {
    const error = scimErrorOf(() =>
      patch(USER, [{ op: 'replace', path: 'emails[primary gt true].value', value: 'x' }]),
    );
    expect(error).toMatchObject({ status: 400, scimType: 'invalidPath' });
    expect(error.detail).toContain('emails[primary gt true].value');
  });

  it.each([
    ['active', 'yes', '"active" must be a boolean'],
    ['emails[type eq "work"].primary', 'maybe', '"emails[type eq "work"].primary" must be a boolean'],
    ['userName', { first: 'x' }, '"userName" takes a single string value, got an object'],
    ['addresses', ['not an address'], '"addresses[0]" must be an object of sub-attributes'],
    ['name', 'Barbara', '"name" must be an object of sub-attributes'],
  ])('answers invalidValue for %s = %j', (path, value, detail) => {
    const error = scimErrorOf(() => patch(USER, [{ op: 'replace', path, value }]));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect(error.detail).toContain(detail);
  });

  it('answers invalidValue for a non-object under an extension URN key', () => {
    const error = scimErrorOf(() => patch(USER, [{ op: 'add', value: { [ENTERPRISE]: 'x' } }]));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidValue' });
    expect(error.detail).toContain(ENTERPRISE);
  });

  it.each([
    ['id', 'replace', '"id" is read-only'],
    ['meta', 'remove', '"meta" is read-only'],
    ['meta.lastModified', 'replace', '"meta" is read-only'],
    ['schemas', 'add', '"schemas" cannot be modified'],
    ['groups', 'add', '"groups" is read-only'],
    ['groups[value eq "x"]', 'remove', '"groups" is read-only'],
    ['manager.displayName', 'replace', '"manager.displayName" is read-only'],
  ])('answers mutability for %s (%s)', (path, op, detail) => {
    const error = scimErrorOf(() => patch(USER, [{ op, path, value: [{ value: 'x' }] }]));
    expect(error).toMatchObject({ status: 400, scimType: 'mutability' });
    expect(error.detail).toContain(detail);
    expect(error.detail).toContain(`path "${path}"`);
  });

  it('answers mutability for read-only keys of a path-less value', () => {
    expect(scimErrorOf(() => patch(USER, [{ op: 'replace', value: { id: 'new-id' } }]))).toMatchObject({
      status: 400,
      scimType: 'mutability',
    });
    expect(scimErrorOf(() => patch(USER, [{ op: 'replace', value: { schemas: [USER_SCHEMA] } }]))).toMatchObject({
      status: 400,
      scimType: 'mutability',
    });
  });

  it("answers mutability for editing a member's immutable value in place, and allows members on Groups", () => {
    const error = scimErrorOf(() =>
      patchGroup([{ op: 'replace', path: `members[value eq "${BJENSEN_ID}"].value`, value: 'other' }]),
    );
    expect(error).toMatchObject({ status: 400, scimType: 'mutability' });
    expect(error.detail).toContain('"members.value" is immutable');
    expect(() => patchGroup([{ op: 'replace', path: 'members', value: [] }])).not.toThrow();
  });

  it('applies nothing when a later operation fails', () => {
    const error = scimErrorOf(() =>
      patch(USER, [
        { op: 'replace', path: 'displayName', value: 'Changed' },
        { op: 'replace', path: 'id', value: 'new-id' },
      ]),
    );
    expect(error.scimType).toBe('mutability');
    expect(USER['displayName']).toBe('Babs Jensen');
  });
});

describe('applyPatch: values', () => {
  it('treats null on add or replace as remove', () => {
    expect(patch(USER, [{ op: 'replace', path: 'displayName', value: null }])).not.toHaveProperty('displayName');
    expect(patch(USER, [{ op: 'add', path: 'emails', value: null }])).not.toHaveProperty('emails');
    expect(patch(USER, [{ op: 'replace', path: 'emails[type eq "work"].primary', value: null }])['emails']).toEqual([
      { value: 'bjensen@example.com', type: 'work' },
      { value: 'babs@jensen.org', type: 'home' },
    ]);
    expect(patch(USER, [{ op: 'replace', value: { displayName: null, [ENTERPRISE]: null } }])).toEqual(
      without(USER, 'displayName', ENTERPRISE),
    );
  });

  it('treats an empty array added to a multi-valued attribute as a no-op', () => {
    expect(patch(USER, [{ op: 'add', path: 'emails', value: [] }])).toEqual(USER);
    expect(patch(ENTRA_USER, [{ op: 'add', path: 'roles', value: [] }])).toEqual(ENTRA_USER);
  });

  it('does not create a value from an empty sub-attribute value', () => {
    expect(patch(USER, [{ op: 'add', path: 'phoneNumbers[type eq "work"].value', value: '' }])).toEqual(USER);
  });

  it('applies operations in order', () => {
    const result = patch(USER, [
      { op: 'replace', path: 'nickName', value: 'A' },
      { op: 'replace', path: 'nickName', value: 'B' },
      { op: 'remove', path: 'title' },
      { op: 'add', path: 'title', value: 'C' },
    ]);
    expect(result).toMatchObject({ nickName: 'B', title: 'C' });
  });

  it('compares values case-insensitively unless the sub-attribute is caseExact', () => {
    const result = patchGroup([{ op: 'Remove', path: 'members', value: [{ value: BJENSEN_ID.toUpperCase() }] }]);
    expect(result['members']).toHaveLength(1);
  });
});

describe('applyPatch: immutability', () => {
  it('never modifies the resource or the operations, and returns a new object', () => {
    const before = JSON.stringify(USER);
    const operations = deepFreeze<unknown[]>([
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'x@example.com' },
      { op: 'add', path: 'emails', value: [{ value: 'y@example.com', type: 'other', primary: true }] },
      { op: 'remove', path: 'addresses[type eq "home"]' },
      { op: 'replace', path: 'name.givenName', value: 'B' },
      { op: 'replace', value: { [ENTERPRISE]: { manager: 'm', employeeNumber: null } } },
      { op: 'add', path: 'phoneNumbers[type eq "work"].value', value: '1' },
    ]);
    const parsed = parsePatchRequest({ schemas: [PATCH_OP_SCHEMA], Operations: operations });
    const result = applyPatch(USER, parsed, USER_RESOURCE_TYPE);
    expect(JSON.stringify(USER)).toBe(before);
    expect(result).not.toBe(USER);
    expect(result['emails']).toEqual([
      { value: 'x@example.com', type: 'work', primary: false },
      { value: 'babs@jensen.org', type: 'home' },
      { value: 'y@example.com', type: 'other', primary: true },
    ]);
    expect(enterprise(result)).toEqual({ department: 'Tour Operations', manager: { value: 'm' } });
  });

  it('returns a new object even when nothing changed', () => {
    const result = patch(USER, [{ op: 'remove', path: 'nickName' }]);
    expect(result).not.toBe(USER);
    expect(result).toEqual(USER);
  });
});
