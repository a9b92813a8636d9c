import { GROUP_SCHEMA } from '../schema/urns';
import {
  parseGroup,
  parseMemberRefs,
  renderGroup,
  renderMember,
  validateGroupDocument,
  type MemberRow,
} from './group.resource';
import type { StoredResource } from './stored-resource';
import { scimErrorOf } from '../testing/scim-error-of';

const BASE = 'https://scim.example.com/api/scim';
const MS_GROUP_SCHEMA = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';
const U1 = '7f4bc1a3-285e-48ae-8202-5accb43efb0e';
const G1 = 'a5b9c4d2-6e1f-4a3b-9c8d-7e6f5a4b3c2d';

/** Entra's create request (entra-requests.md, "Groups"). */
const entraCreate = {
  schemas: [GROUP_SCHEMA, MS_GROUP_SCHEMA],
  externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
  displayName: 'displayName',
  meta: { resourceType: 'Group' },
};

describe('parseGroup', () => {
  it("accepts Entra's create request with Microsoft's extra schema URI", () => {
    expect(parseGroup(entraCreate)).toEqual({
      group: { externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', displayName: 'displayName' },
      members: [],
    });
  });

  it('ignores id and meta from the client', () => {
    const { group } = parseGroup({
      ...entraCreate,
      id: 'client-chosen',
      meta: { resourceType: 'Group', version: 'W/"9"', created: '2020-01-01T00:00:00Z' },
    });
    expect(group).toEqual({ externalId: entraCreate.externalId, displayName: 'displayName' });
    expect(group).not.toHaveProperty('id');
    expect(group).not.toHaveProperty('meta');
  });

  it('reads members apart from the group document', () => {
    const { group, members } = parseGroup({
      ...entraCreate,
      members: [
        { $ref: null, value: U1 },
        { value: G1, type: 'Group', display: 'Nested' },
      ],
    });
    expect(group).not.toHaveProperty('members');
    expect(members).toEqual([{ value: U1 }, { value: G1, type: 'Group' }]);
  });

  it('reads members under any key case and URN-qualified', () => {
    expect(parseGroup({ displayName: 'g', Members: [{ value: U1 }] }).members).toEqual([{ value: U1 }]);
    expect(parseGroup({ displayName: 'g', [`${GROUP_SCHEMA}:members`]: [{ value: U1 }] }).members).toEqual([
      { value: U1 },
    ]);
  });

  it('reads a single member object as one member', () => {
    expect(parseGroup({ displayName: 'g', members: { value: U1, type: 'User' } }).members).toEqual([
      { value: U1, type: 'User' },
    ]);
  });

  it('accepts empty or null members', () => {
    expect(parseGroup({ displayName: 'g', members: [] }).members).toEqual([]);
    expect(parseGroup({ displayName: 'g', members: null }).members).toEqual([]);
  });

  it.each([
    ['missing', {}],
    ['null', { displayName: null }],
    ['empty', { displayName: '' }],
    ['blank', { displayName: '   ' }],
  ])('refuses a %s displayName (400 invalidValue)', (_label, extra) => {
    const error = scimErrorOf(() => parseGroup({ schemas: [GROUP_SCHEMA], externalId: 'x', ...extra }));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toMatch(/displayName/);
  });

  it('refuses a displayName longer than 256 characters, and accepts 256', () => {
    expect(parseGroup({ displayName: 'x'.repeat(256) }).group['displayName']).toHaveLength(256);
    const error = scimErrorOf(() => parseGroup({ displayName: 'x'.repeat(257) }));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
  });

  it('refuses a member without a value (400 invalidValue)', () => {
    const error = scimErrorOf(() =>
      parseGroup({ displayName: 'g', members: [{ value: U1 }, { display: 'Ada', type: 'User' }] }),
    );
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toContain('members[1]');
  });

  it('refuses a member whose type is neither User nor Group (400 invalidValue)', () => {
    const error = scimErrorOf(() => parseGroup({ displayName: 'g', members: [{ value: U1, type: 'Device' }] }));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
  });

  it('refuses a body that is not an object (400)', () => {
    expect(scimErrorOf(() => parseGroup('displayName')).status).toBe(400);
    expect(scimErrorOf(() => parseGroup(null)).status).toBe(400);
  });

  it('does not modify its input', () => {
    const body = { ...entraCreate, members: [{ value: U1, type: 'user' }] };
    const before = JSON.stringify(body);
    parseGroup(body);
    expect(JSON.stringify(body)).toBe(before);
  });
});

describe('validateGroupDocument', () => {
  it('returns the canonical document and refuses one without a displayName', () => {
    expect(validateGroupDocument({ displayName: 'x', externalId: 'e' })).toEqual({ displayName: 'x', externalId: 'e' });
    expect(scimErrorOf(() => validateGroupDocument({ externalId: 'e' })).scimType).toBe('invalidValue');
  });
});

describe('parseMemberRefs', () => {
  it("reads an array of members, with Entra's $ref: null", () => {
    expect(
      parseMemberRefs([
        { $ref: null, value: U1 },
        { $ref: null, value: G1 },
      ]),
    ).toEqual([{ value: U1 }, { value: G1 }]);
  });

  it('reads one member object as a one-element list', () => {
    expect(parseMemberRefs({ value: U1 })).toEqual([{ value: U1 }]);
  });

  it('reads undefined and null as no members', () => {
    expect(parseMemberRefs(undefined)).toEqual([]);
    expect(parseMemberRefs(null)).toEqual([]);
  });

  it('accepts "Value" and "Type" in other case, and a bare id string', () => {
    expect(parseMemberRefs([{ Value: U1, Type: 'group' }, G1])).toEqual([{ value: U1, type: 'Group' }, { value: G1 }]);
  });

  it('trims the value', () => {
    expect(parseMemberRefs([{ value: `  ${U1} ` }])).toEqual([{ value: U1 }]);
  });

  it.each([
    ['user', 'User'],
    ['USER', 'User'],
    ['User', 'User'],
    ['group', 'Group'],
    ['GROUP', 'Group'],
  ])('normalises type "%s" to %s', (type, expected) => {
    expect(parseMemberRefs([{ value: U1, type }])).toEqual([{ value: U1, type: expected }]);
  });

  it('ignores a null type', () => {
    expect(parseMemberRefs([{ value: U1, type: null }])).toEqual([{ value: U1 }]);
  });

  it.each([
    ['"Device"', { value: U1, type: 'Device' }],
    ['a number', { value: U1, type: 1 }],
    ['an empty string', { value: U1, type: '' }],
  ])('refuses type %s (400 invalidValue)', (_label, member) => {
    const error = scimErrorOf(() => parseMemberRefs([member]));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toContain('members[0].type');
  });

  it.each([
    ['no value', { display: 'Ada' }],
    ['a null value', { value: null }],
    ['an empty value', { value: '' }],
    ['a blank value', { value: '  ' }],
    ['a numeric value', { value: 42 }],
    ['an object value', { value: { id: U1 } }],
  ])('refuses a member with %s (400 invalidValue)', (_label, member) => {
    const error = scimErrorOf(() => parseMemberRefs([{ value: U1 }, member]));
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidValue');
    expect(error.detail).toContain('members[1]');
  });

  it('names the label it is given in errors', () => {
    expect(scimErrorOf(() => parseMemberRefs([{}], 'Operations[2]')).detail).toContain('Operations[2][0]');
  });
});

describe('renderMember', () => {
  it('renders a user member with a $ref to /Users and its display', () => {
    const member: MemberRow = { id: U1, type: 'User', display: 'Ada Lovelace' };
    expect(renderMember(member, BASE)).toEqual({
      value: U1,
      $ref: `${BASE}/Users/${U1}`,
      type: 'User',
      display: 'Ada Lovelace',
    });
  });

  it('renders a group member with a $ref to /Groups', () => {
    expect(renderMember({ id: G1, type: 'Group', display: 'Engineering' }, BASE)).toEqual({
      value: G1,
      $ref: `${BASE}/Groups/${G1}`,
      type: 'Group',
      display: 'Engineering',
    });
  });

  it('leaves out display when there is none', () => {
    const rendered = renderMember({ id: U1, type: 'User', display: null }, BASE);
    expect(rendered).toEqual({ value: U1, $ref: `${BASE}/Users/${U1}`, type: 'User' });
    expect(rendered).not.toHaveProperty('display');
  });
});

describe('renderGroup', () => {
  const stored: StoredResource = {
    id: G1,
    data: { displayName: 'Engineering', externalId: 'ext-eng' },
    version: 3,
    created: '2026-01-02T03:04:05.678Z',
    lastModified: '2026-01-03T03:04:05.678Z',
  };

  it('renders the SCIM Group with meta and a weak ETag, without members when none are given', () => {
    const body = renderGroup(stored, BASE);
    expect(body).toEqual({
      schemas: [GROUP_SCHEMA],
      id: G1,
      externalId: 'ext-eng',
      displayName: 'Engineering',
      meta: {
        resourceType: 'Group',
        created: '2026-01-02T03:04:05.678Z',
        lastModified: '2026-01-03T03:04:05.678Z',
        location: `${BASE}/Groups/${G1}`,
        version: 'W/"3"',
      },
    });
    expect(body).not.toHaveProperty('members');
  });

  it('includes the members it is given, rendered', () => {
    const members = [renderMember({ id: U1, type: 'User', display: 'Ada' }, BASE)];
    const body = renderGroup(stored, BASE, members);
    expect(body['members']).toEqual([{ value: U1, $ref: `${BASE}/Users/${U1}`, type: 'User', display: 'Ada' }]);
  });

  it('leaves members out when the group has none (RFC 7643 §2.5), not "members": []', () => {
    expect(renderGroup(stored, BASE, [])).not.toHaveProperty('members');
  });

  it('omits externalId when the group has none', () => {
    const body = renderGroup({ ...stored, data: { displayName: 'NoExt' } }, BASE);
    expect(body).not.toHaveProperty('externalId');
    expect(body['displayName']).toBe('NoExt');
  });

  it('does not modify the stored resource', () => {
    const before = JSON.stringify(stored);
    renderGroup(stored, BASE, []);
    expect(JSON.stringify(stored)).toBe(before);
  });
});
