import { ScimError } from '../errors/scim-error';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../schema/resource-type';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../schema/urns';
import { compileFilter, matchesFilter } from './filter.evaluator';
import { parseFilter } from './filter.parser';

/** RFC 7643 §8.3's enterprise user, trimmed. */
const barbara: Record<string, unknown> = {
  schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: 'bjensen',
  meta: {
    resourceType: 'User',
    created: '2010-01-23T04:56:22Z',
    lastModified: '2011-05-13T04:42:34Z',
    version: 'W/"3694e05e9dff591"',
    location: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646',
  },
  userName: 'bjensen@example.com',
  name: { formatted: 'Ms. Barbara J Jensen, III', familyName: 'Jensen', givenName: 'Barbara' },
  displayName: 'Babs Jensen',
  title: 'Tour Guide',
  userType: 'Employee',
  active: true,
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  ims: [{ value: 'someaimhandle', type: 'aim' }],
  [ENTERPRISE_USER_SCHEMA]: {
    employeeNumber: '701984',
    costCenter: '4130',
    department: 'Tour Operations',
    manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'John Smith' },
  },
};

/** An intern provisioned by Entra: no enterprise extension, an empty title, no meta.created. */
const jo: Record<string, unknown> = {
  schemas: [USER_SCHEMA],
  id: 'c0ffee00-0000-4000-8000-000000000001',
  externalId: 'JYoung',
  meta: { resourceType: 'User', lastModified: '2011-05-13T06:42:35+02:00' },
  userName: 'JYoung@Example.org',
  name: { familyName: "O'Malley", givenName: 'Jo' },
  title: '',
  userType: 'Intern',
  active: false,
  emails: [{ value: 'jo@example.org', type: 'work', primary: true }],
  ims: [{ value: 'jo@foo.com', type: 'xmpp' }],
};

const group: Record<string, unknown> = {
  schemas: [GROUP_SCHEMA],
  id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
  displayName: 'Tour Guides',
  members: [
    {
      value: '2819c223-7f76-453a-919d-413861904646',
      $ref: 'https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646',
      display: 'Babs Jensen',
    },
    { value: 'c0ffee00-0000-4000-8000-000000000001', display: 'Jo' },
  ],
};

const users = { barbara, jo };
type UserName = keyof typeof users;

/** Which of the two users a filter matches. */
function matching(filter: string): UserName[] {
  const predicate = compileFilter(parseFilter(filter), USER_RESOURCE_TYPE);
  return (Object.keys(users) as UserName[]).filter((name) => predicate(users[name]));
}

function matchesGroup(filter: string): boolean {
  return matchesFilter(group, parseFilter(filter), GROUP_RESOURCE_TYPE);
}

function evaluationError(filter: string): ScimError {
  try {
    matchesFilter(barbara, parseFilter(filter), USER_RESOURCE_TYPE);
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error(`expected ${filter} to be rejected`);
}

describe('matchesFilter', () => {
  it.each<[string, UserName[]]>([
    ['userName eq "bjensen@example.com"', ['barbara']],
    ['name.familyName co "O\'Malley"', ['jo']],
    ['userName sw "J"', ['jo']],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"', ['jo']],
    ['title pr', ['barbara']],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', ['jo']],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', ['barbara', 'jo']],
    ['meta.lastModified lt "2011-05-13T04:42:34Z"', []],
    ['meta.lastModified le "2011-05-13T04:42:34Z"', ['barbara']],
    ['title pr and userType eq "Employee"', ['barbara']],
    ['title pr or userType eq "Intern"', ['barbara', 'jo']],
    ['schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"', ['barbara']],
    ['userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', ['barbara']],
    ['userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")', []],
    ['userType ne "Employee" and not (emails co "example.com" or emails.value co "jensen.org")', ['jo']],
    ['userType eq "Employee" and (emails.type eq "work")', ['barbara']],
    ['userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', ['barbara']],
    [
      'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
      ['barbara', 'jo'],
    ],
  ])('RFC example %s', (filter, expected) => {
    expect(matching(filter)).toEqual(expected);
  });

  describe('case sensitivity', () => {
    it.each<[string, UserName[]]>([
      ['userName eq "BJENSEN@EXAMPLE.COM"', ['barbara']],
      ['userName eq "jyoung@example.org"', ['jo']],
      ['externalId eq "bjensen"', ['barbara']],
      ['externalId eq "BJensen"', []],
      ['externalId eq jyoung', []],
      ['externalId eq JYoung', ['jo']],
      ['id eq "2819c223-7f76-453a-919d-413861904646"', ['barbara']],
      ['id eq "2819C223-7F76-453A-919D-413861904646"', []],
      ['meta.version eq "w/\\"3694e05e9dff591\\""', []],
      ['displayName co "BABS"', ['barbara']],
      ['emails.value ew "@EXAMPLE.ORG"', ['jo']],
      ['schemas eq "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER"', ['barbara']],
    ])('%s', (filter, expected) => {
      expect(matching(filter)).toEqual(expected);
    });

    it('matches attribute names and URNs in any case', () => {
      expect(matching('USERNAME eq "bjensen@example.com"')).toEqual(['barbara']);
      expect(matching('EMAILS[TYPE eq "home"]')).toEqual(['barbara']);
      expect(matching('URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:MANAGER.VALUE pr')).toEqual([
        'barbara',
      ]);
    });
  });

  describe('strings, numbers and dates', () => {
    it.each<[string, UserName[]]>([
      ['name.familyName gt "J"', ['barbara', 'jo']],
      ['name.familyName gt "jensen"', ['jo']],
      ['name.familyName ge "JENSEN"', ['barbara', 'jo']],
      ['name.familyName lt "K"', ['barbara']],
      ['name.familyName le "Jensen"', ['barbara']],
      ['userName sw "bjen" and userName ew ".com" and userName co "@"', ['barbara']],
      ['employeeNumber eq 701984', ['barbara']],
      ['employeeNumber sw 70', ['barbara']],
      ['meta.lastModified eq "2011-05-13T06:42:34+02:00"', ['barbara']],
      ['meta.lastModified ne "2011-05-13T04:42:34Z"', ['jo']],
      ['meta.lastModified gt "2011-05-13T04:42:34.500Z"', ['jo']],
      ['meta.created lt "2011-01-01T00:00:00Z"', ['barbara']],
      ['meta.lastModified sw "2011-05-13T06"', ['jo']],
    ])('%s', (filter, expected) => {
      expect(matching(filter)).toEqual(expected);
    });
  });

  describe('booleans', () => {
    it.each<[string, UserName[]]>([
      ['active eq true', ['barbara']],
      ['active eq false', ['jo']],
      ['active ne true', ['jo']],
      ['active eq TRUE', ['barbara']],
      ['active eq "False"', ['jo']],
      ['emails[primary eq true and type eq "work"]', ['barbara', 'jo']],
      ['emails[primary eq false]', []],
      ['emails.primary eq true', ['barbara', 'jo']],
      ['title eq true', []],
    ])('%s', (filter, expected) => {
      expect(matching(filter)).toEqual(expected);
    });

    it.each([
      'active gt true',
      'active co "t"',
      'active sw true',
      'title lt false',
      'active eq "yes"',
      'active eq 1',
      'emails[primary ge true]',
    ])('rejects %s', (filter) => {
      const error = evaluationError(filter);
      expect(error.status).toBe(400);
      expect(error.scimType).toBe('invalidFilter');
    });
  });

  describe('multi-valued and complex attributes', () => {
    it.each<[string, UserName[]]>([
      ['emails.type eq "home"', ['barbara']],
      ['emails co "jensen.org"', ['barbara']],
      ['emails eq "jo@example.org"', ['jo']],
      ['emails.value eq "babs@jensen.org"', ['barbara']],
      ['emails.type ne "work"', ['barbara']],
      ['emails pr', ['barbara', 'jo']],
      ['emails.display pr', []],
      ['phoneNumbers pr', []],
      ['name pr', ['barbara', 'jo']],
      ['name eq "Jensen"', []],
      ['name.formatted pr', ['barbara']],
      // emails.type and emails.value may match different elements; emails[...] needs one element to match both.
      ['emails.type eq "work" and emails.value co "jensen.org"', ['barbara']],
      ['emails[type eq "work" and value co "jensen.org"]', []],
      ['emails[type eq "home"].value co "jensen.org"', ['barbara']],
      ['emails[type eq "work"].value eq "jo@example.org"', ['jo']],
      ['emails[type eq "work"].display pr', []],
      ['emails[not (type eq "work")]', ['barbara']],
      ['ims[type eq "xmpp" or type eq "aim"]', ['barbara', 'jo']],
    ])('%s', (filter, expected) => {
      expect(matching(filter)).toEqual(expected);
    });
  });

  describe('enterprise extension', () => {
    it.each<[string, UserName[]]>([
      [
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"',
        ['barbara'],
      ],
      ['manager eq "26118915-6090-4610-87e4-49d8ca9f808d"', ['barbara']],
      [
        'id eq "2819c223-7f76-453a-919d-413861904646" and manager eq "26118915-6090-4610-87e4-49d8ca9f808d"',
        ['barbara'],
      ],
      ['id eq "2819c223-7f76-453a-919d-413861904646" and manager eq "someone-else"', []],
      ['manager pr', ['barbara']],
      ['manager.displayName eq "john smith"', ['barbara']],
      ['department sw "tour"', ['barbara']],
      ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter eq "4130"', ['barbara']],
      ['not (manager pr)', ['jo']],
    ])('%s', (filter, expected) => {
      expect(matching(filter)).toEqual(expected);
    });
  });

  describe('logic', () => {
    it.each<[string, UserName[]]>([
      ['not (userType eq "Employee")', ['jo']],
      ['not (not (userType eq "Employee"))', ['barbara']],
      ['userType eq "Intern" or userType eq "Employee" and active eq false', ['jo']],
      ['(userType eq "Intern" or userType eq "Employee") and active eq false', ['jo']],
      ['(userType eq "Intern" or userType eq "Employee") and active eq true', ['barbara']],
      ['userName pr and not (title pr) or displayName eq "Babs Jensen"', ['barbara', 'jo']],
    ])('%s', (filter, expected) => {
      expect(matching(filter)).toEqual(expected);
    });
  });

  describe('absent values, null and unknown attributes', () => {
    it.each<[string, UserName[]]>([
      ['title eq null', ['jo']],
      ['title ne null', ['barbara']],
      ['nickName eq null', ['barbara', 'jo']],
      ['nickName ne "x"', []],
      ['nickName pr', []],
      ['meta.created pr', ['barbara']],
      ['noSuchAttribute eq "x"', []],
      ['noSuchAttribute pr', []],
      ['name.noSuchPart eq "x"', []],
      ['noSuchAttribute[type eq "work"]', []],
      ['emails[noSuchPart eq "x"]', []],
      ['urn:example:unknown:1.0:Thing:userName eq "bjensen@example.com"', []],
      ['urn:ietf:params:scim:schemas:core:2.0:Group:displayName pr', []],
      ['not (noSuchAttribute eq "x")', ['barbara', 'jo']],
      ['noSuchAttribute eq null', ['barbara', 'jo']],
    ])('%s', (filter, expected) => {
      expect(matching(filter)).toEqual(expected);
    });

    it.each([
      'title gt null',
      'noSuchAttribute co null',
      'meta.lastModified gt "yesterday"',
      'meta.lastModified eq 5',
      'noSuchAttribute ge true',
    ])('rejects %s whatever the data', (filter) => {
      const error = evaluationError(filter);
      expect(error.scimType).toBe('invalidFilter');
      expect(() => matchesFilter({}, parseFilter(filter), USER_RESOURCE_TYPE)).toThrow(ScimError);
    });

    it('rejects a comparison that is never reached for this resource as well', () => {
      expect(() =>
        matchesFilter(jo, parseFilter('userType eq "nobody" and active gt true'), USER_RESOURCE_TYPE),
      ).toThrow(ScimError);
    });

    it('rejects nested value paths built by hand', () => {
      const filter = parseFilter('emails[type eq "work"]');
      if (filter.type !== 'valuePath') throw new Error('expected a value path');
      const nested = { ...filter, filter: { type: 'valuePath' as const, path: { name: 'x' }, filter: filter.filter } };
      expect(() => matchesFilter(barbara, nested, USER_RESOURCE_TYPE)).toThrow(ScimError);
    });
  });

  describe('groups (Entra probes)', () => {
    it.each<[string, boolean]>([
      ['displayName eq "tour guides"', true],
      ['displayName eq "displayName"', false],
      ['id eq "e9e30dba-f08f-4109-8486-d5c6a331660a" and members eq "c0ffee00-0000-4000-8000-000000000001"', true],
      ['id eq "e9e30dba-f08f-4109-8486-d5c6a331660a" and members eq "c0ffee00-0000-4000-8000-000000000002"', false],
      ['members[value eq "2819c223-7f76-453a-919d-413861904646"]', true],
      ['members.$ref pr', true],
      ['members[display eq "jo"].$ref pr', false],
      ['userName pr', false],
      ['schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group"', true],
    ])('%s → %s', (filter, expected) => {
      expect(matchesGroup(filter)).toBe(expected);
    });
  });

  it('does not modify the resource', () => {
    const frozen = deepFreeze(structuredClone(barbara));
    expect(
      matchesFilter(
        frozen,
        parseFilter('emails[type eq "work"].value co "example" and not (title eq null)'),
        USER_RESOURCE_TYPE,
      ),
    ).toBe(true);
    expect(frozen).toEqual(barbara);
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
