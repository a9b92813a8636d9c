import { ScimError } from '../errors/scim-error';
import type { AttrPath } from '../schema/resource-type';
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from '../schema/urns';
import type { CompareOperator, Filter, FilterValue } from './filter.ast';
import { MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, parseFilter } from './filter.parser';

const path = (name: string, subAttr?: string, uri?: string): AttrPath => ({
  name,
  ...(subAttr === undefined ? {} : { subAttr }),
  ...(uri === undefined ? {} : { uri }),
});
const attrPath = (text: string): AttrPath => {
  const [name, subAttr] = text.split('.');
  return path(name, subAttr);
};
const cmp = (attribute: string | AttrPath, op: CompareOperator, value: FilterValue): Filter => ({
  type: 'compare',
  path: typeof attribute === 'string' ? attrPath(attribute) : attribute,
  op,
  value,
});
const pr = (attribute: string): Filter => ({ type: 'present', path: attrPath(attribute) });
const and = (left: Filter, right: Filter): Filter => ({ type: 'and', left, right });
const or = (left: Filter, right: Filter): Filter => ({ type: 'or', left, right });
const not = (filter: Filter): Filter => ({ type: 'not', filter });
const valuePath = (attribute: string, filter: Filter): Filter => ({
  type: 'valuePath',
  path: attrPath(attribute),
  filter,
});

function parseError(text: string): ScimError {
  try {
    parseFilter(text);
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('parseFilter', () => {
  describe('RFC 7644 §3.4.2.2 examples', () => {
    const examples: [string, Filter][] = [
      ['userName eq "bjensen"', cmp('userName', 'eq', 'bjensen')],
      ['name.familyName co "O\'Malley"', cmp('name.familyName', 'co', "O'Malley")],
      ['userName sw "J"', cmp('userName', 'sw', 'J')],
      [
        'urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"',
        cmp(path('userName', undefined, USER_SCHEMA), 'sw', 'J'),
      ],
      ['title pr', pr('title')],
      ['meta.lastModified gt "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'gt', '2011-05-13T04:42:34Z')],
      ['meta.lastModified ge "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'ge', '2011-05-13T04:42:34Z')],
      ['meta.lastModified lt "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'lt', '2011-05-13T04:42:34Z')],
      ['meta.lastModified le "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'le', '2011-05-13T04:42:34Z')],
      ['title pr and userType eq "Employee"', and(pr('title'), cmp('userType', 'eq', 'Employee'))],
      ['title pr or userType eq "Intern"', or(pr('title'), cmp('userType', 'eq', 'Intern'))],
      [
        'schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"',
        cmp('schemas', 'eq', ENTERPRISE_USER_SCHEMA),
      ],
      [
        'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
        and(
          cmp('userType', 'eq', 'Employee'),
          or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org')),
        ),
      ],
      [
        'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
        and(
          cmp('userType', 'ne', 'Employee'),
          not(or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org'))),
        ),
      ],
      [
        'userType eq "Employee" and (emails.type eq "work")',
        and(cmp('userType', 'eq', 'Employee'), cmp('emails.type', 'eq', 'work')),
      ],
      [
        'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
        and(
          cmp('userType', 'eq', 'Employee'),
          valuePath('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com'))),
        ),
      ],
      [
        'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
        or(
          valuePath('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com'))),
          valuePath('ims', and(cmp('type', 'eq', 'xmpp'), cmp('value', 'co', '@foo.com'))),
        ),
      ],
    ];

    it.each(examples)('%s', (text, expected) => {
      expect(parseFilter(text)).toStrictEqual(expected);
    });
  });

  describe('Microsoft Entra ID forms', () => {
    const examples: [string, Filter][] = [
      [
        'userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"',
        cmp('userName', 'eq', 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee'),
      ],
      ['externalId eq jyoung', cmp('externalId', 'eq', 'jyoung')],
      [
        'userName eq 5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com',
        cmp('userName', 'eq', '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com'),
      ],
      [
        'emails[type eq "work"].value eq "a@b.com"',
        valuePath('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'eq', 'a@b.com'))),
      ],
      ['emails[type eq "work"].value pr', valuePath('emails', and(cmp('type', 'eq', 'work'), pr('value')))],
      [
        'emails[type eq "work" or primary eq true].value co "@b.com" and active eq true',
        and(
          valuePath(
            'emails',
            and(or(cmp('type', 'eq', 'work'), cmp('primary', 'eq', true)), cmp('value', 'co', '@b.com')),
          ),
          cmp('active', 'eq', true),
        ),
      ],
      ['id eq "x" and manager eq "y"', and(cmp('id', 'eq', 'x'), cmp('manager', 'eq', 'y'))],
      ['id eq "g" and members eq "u"', and(cmp('id', 'eq', 'g'), cmp('members', 'eq', 'u'))],
      ['displayName eq "displayName"', cmp('displayName', 'eq', 'displayName')],
      ['externalId eq jyoung and active eq True', and(cmp('externalId', 'eq', 'jyoung'), cmp('active', 'eq', true))],
      ['(externalId eq jyoung)', cmp('externalId', 'eq', 'jyoung')],
      ['emails[value eq a@b.com]', valuePath('emails', cmp('value', 'eq', 'a@b.com'))],
    ];

    it.each(examples)('%s', (text, expected) => {
      expect(parseFilter(text)).toStrictEqual(expected);
    });
  });

  describe('attribute paths', () => {
    it.each<[string, AttrPath]>([
      ['userName', path('userName')],
      ['name.familyName', path('name', 'familyName')],
      ['meta.lastModified', path('meta', 'lastModified')],
      ['$ref', path('$ref')],
      ['members.$ref', path('members', '$ref')],
      ['urn:ietf:params:scim:schemas:core:2.0:User:name.givenName', path('name', 'givenName', USER_SCHEMA)],
      [
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value',
        path('manager', 'value', ENTERPRISE_USER_SCHEMA),
      ],
      [
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber',
        path('employeeNumber', undefined, ENTERPRISE_USER_SCHEMA),
      ],
      [
        'URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:USERNAME',
        path('USERNAME', undefined, 'URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER'),
      ],
      [
        'urn:ietf:params:scim:schemas:core:2.0:Group:displayName',
        path('displayName', undefined, 'urn:ietf:params:scim:schemas:core:2.0:Group'),
      ],
      ['urn:example:custom:1.0:Thing:widget.size', path('widget', 'size', 'urn:example:custom:1.0:Thing')],
      ['user_name-2', path('user_name-2')],
    ])('%s', (text, expected) => {
      expect(parseFilter(`${text} pr`)).toStrictEqual({ type: 'present', path: expected });
    });

    it('keeps a URN on a value path', () => {
      expect(parseFilter('urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"]')).toStrictEqual({
        type: 'valuePath',
        path: path('emails', undefined, USER_SCHEMA),
        filter: cmp('type', 'eq', 'work'),
      });
    });
  });

  describe('values', () => {
    it.each<[string, FilterValue]>([
      ['"bjensen"', 'bjensen'],
      ['""', ''],
      ['"a \\"quoted\\" word"', 'a "quoted" word'],
      ['"back\\\\slash"', 'back\\slash'],
      ['"a\\/b"', 'a/b'],
      ['"\\b\\f\\n\\r\\t"', '\b\f\n\r\t'],
      ['"caf\\u00e9 \\u00C9"', 'café É'],
      ['"\\ud83d\\ude00"', '😀'],
      ['"and or not ) ] ( ["', 'and or not ) ] ( ['],
      ['"true"', 'true'],
      ['"42"', '42'],
      ['"Ünïcödé 名前"', 'Ünïcödé 名前'],
      ['42', 42],
      ['0', 0],
      ['-0', 0],
      ['-17', -17],
      ['3.25', 3.25],
      ['-0.5', -0.5],
      ['1e3', 1000],
      ['2.5E-2', 0.025],
      ['6.02e+23', 6.02e23],
      ['true', true],
      ['FALSE', false],
      ['True', true],
      ['null', null],
      ['NULL', null],
      ['jyoung', 'jyoung'],
      ['00123', '00123'],
      ['1.', '1.'],
      ['+5', '+5'],
      ['12345678901234567890', '12345678901234567890'],
      ['a(b', 'a(b'],
      ['truest', 'truest'],
    ])('%s', (text, expected) => {
      expect(parseFilter(`externalId eq ${text}`)).toStrictEqual(cmp('externalId', 'eq', expected));
    });

    it('ends a bare value at whitespace, ")" and "]"', () => {
      expect(parseFilter('(externalId eq abc)')).toStrictEqual(cmp('externalId', 'eq', 'abc'));
      expect(parseFilter('emails[value eq abc]')).toStrictEqual(valuePath('emails', cmp('value', 'eq', 'abc')));
      expect(parseFilter('externalId eq abc and userName eq def')).toStrictEqual(
        and(cmp('externalId', 'eq', 'abc'), cmp('userName', 'eq', 'def')),
      );
    });
  });

  describe('precedence and associativity', () => {
    it('binds "and" tighter than "or"', () => {
      expect(parseFilter('a eq 1 or b eq 2 and c eq 3')).toStrictEqual(
        or(cmp('a', 'eq', 1), and(cmp('b', 'eq', 2), cmp('c', 'eq', 3))),
      );
      expect(parseFilter('a eq 1 and b eq 2 or c eq 3')).toStrictEqual(
        or(and(cmp('a', 'eq', 1), cmp('b', 'eq', 2)), cmp('c', 'eq', 3)),
      );
    });

    it('is left-associative', () => {
      expect(parseFilter('a pr or b pr or c pr')).toStrictEqual(or(or(pr('a'), pr('b')), pr('c')));
      expect(parseFilter('a pr and b pr and c pr')).toStrictEqual(and(and(pr('a'), pr('b')), pr('c')));
    });

    it('lets parentheses override precedence', () => {
      expect(parseFilter('(a eq 1 or b eq 2) and c eq 3')).toStrictEqual(
        and(or(cmp('a', 'eq', 1), cmp('b', 'eq', 2)), cmp('c', 'eq', 3)),
      );
      expect(parseFilter('a pr or (b pr or c pr)')).toStrictEqual(or(pr('a'), or(pr('b'), pr('c'))));
      expect(parseFilter('((((a pr))))')).toStrictEqual(pr('a'));
    });

    it('binds "not" tightest', () => {
      expect(parseFilter('not (a pr) and b pr')).toStrictEqual(and(not(pr('a')), pr('b')));
      expect(parseFilter('a pr or not (b pr) and c pr')).toStrictEqual(or(pr('a'), and(not(pr('b')), pr('c'))));
      expect(parseFilter('not (not (a pr))')).toStrictEqual(not(not(pr('a'))));
    });

    it('parses logic inside a value filter with relative paths', () => {
      expect(parseFilter('emails[type eq "work" or not (primary eq false) and (value ew ".org")]')).toStrictEqual(
        valuePath(
          'emails',
          or(cmp('type', 'eq', 'work'), and(not(cmp('primary', 'eq', false)), cmp('value', 'ew', '.org'))),
        ),
      );
    });
  });

  describe('case and whitespace', () => {
    it('accepts operators and keywords in any case', () => {
      expect(parseFilter('userName EQ "a" AND title Pr Or NOT (userType Ne "b")')).toStrictEqual(
        or(and(cmp('userName', 'eq', 'a'), pr('title')), not(cmp('userType', 'ne', 'b'))),
      );
    });

    it.each(['co', 'CO', 'sw', 'Sw', 'ew', 'eW', 'gt', 'GE', 'lt', 'Le', 'ne'])('operator %s', (op) => {
      expect(parseFilter(`title ${op} "x"`)).toStrictEqual(cmp('title', op.toLowerCase() as CompareOperator, 'x'));
    });

    it('tolerates extra whitespace, tabs and no space before a quote', () => {
      expect(parseFilter('  userName\teq   "a"  and\n(title pr )  ')).toStrictEqual(
        and(cmp('userName', 'eq', 'a'), pr('title')),
      );
      expect(parseFilter('userName eq"a"')).toStrictEqual(cmp('userName', 'eq', 'a'));
      expect(parseFilter('not(title pr)')).toStrictEqual(not(pr('title')));
      expect(parseFilter('emails[ type eq "work" ]')).toStrictEqual(valuePath('emails', cmp('type', 'eq', 'work')));
    });

    it('keeps the case of attribute names as written', () => {
      expect(parseFilter('USERNAME eq "A"')).toStrictEqual(cmp('USERNAME', 'eq', 'A'));
    });
  });

  describe('malformed input', () => {
    it.each<[string, number, string]>([
      ['', 1, 'empty'],
      ['   ', 1, 'empty'],
      ['userName', 9, 'expected a comparison operator'],
      [
        'userName equals "x"',
        10,
        'expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after "userName", found "equals"',
      ],
      ['userName "x"', 10, 'expected a comparison operator'],
      ['userName eq', 12, 'expected a value'],
      ['userName eq   ', 15, 'expected a value'],
      ['(userName eq)', 13, 'expected a value'],
      ['emails[value eq]', 16, 'expected a value'],
      ['userName eq "bjensen', 13, 'unterminated string'],
      ['userName eq "bjensen\\"', 13, 'unterminated string'],
      ['userName eq "a\\', 13, 'unterminated string'],
      ['userName eq "a\\x"', 15, 'invalid escape "\\x"'],
      ['userName eq "a\\u12G4"', 15, 'four hexadecimal digits'],
      ['userName eq "a\\u12"', 15, 'four hexadecimal digits'],
      ['userName eq "a" "b"', 17, 'expected "and", "or" or the end of the filter'],
      ['userName eq "a" garbage', 17, 'found "garbage"'],
      ['userName eq a b', 15, 'found "b"'],
      // Text no attribute can hold (Postgres failed on these with a 500 before)
      ['userName eq "a\u0000b"', 15, 'NUL character'],
      ['userName eq "a\\u0000b"', 13, 'NUL character'],
      ['userName eq a\u0000', 14, 'NUL character'],
      ['userName eq "\\ud800"', 13, 'unpaired surrogate (U+D800)'],
      ['userName eq "x\udc00"', 15, 'unpaired surrogate (U+DC00)'],
      ['userName eq "a")', 16, 'unbalanced ")"'],
      [
        '(userName eq "a"',
        17,
        'expected "and", "or" or ")" to close the "(" at position 1, found the end of the filter',
      ],
      ['((userName eq "a")', 19, 'to close the "(" at position 1'],
      ['(userName eq "a"]', 17, 'expected "and", "or" or ")"'],
      ['()', 2, 'expected an attribute name'],
      [')', 1, 'expected an attribute name'],
      ['emails[type eq "work"', 22, 'to close the "[" at position 7'],
      ['emails[type eq "work")', 22, 'to close the "[" at position 7'],
      ['emails[]', 8, 'expected an attribute name'],
      ['emails type eq "work"]', 8, 'expected a comparison operator'],
      ['userName eq "a"]', 16, 'expected "and", "or" or the end of the filter'],
      ['title pr "x"', 10, '"pr" takes no value'],
      ['title pr true', 10, '"pr" takes no value'],
      ['emails[type pr "x"]', 16, '"pr" takes no value'],
      ['emails[x[y eq 1]]', 9, 'value filters cannot be nested'],
      ['emails[type eq "work" and x[y eq 1]]', 28, 'value filters cannot be nested'],
      ['emails[name.givenName eq "a"]', 8, 'expected a sub-attribute name'],
      ['emails[urn:ietf:params:scim:schemas:core:2.0:User:type eq "a"]', 8, 'expected a sub-attribute name'],
      ['name.familyName[value eq "a"]', 1, 'not to the sub-attribute'],
      ['emails[type eq "work"].', 24, 'expected a sub-attribute name'],
      ['emails[type eq "work"].value', 29, 'expected a comparison operator'],
      ['emails[type eq "work"].value.x eq 1', 24, 'expected a sub-attribute name'],
      ['emails[type eq "work"] .value eq 1', 24, 'expected "and", "or" or the end of the filter'],
      ['and userName eq "a"', 1, 'expected an attribute name'],
      ['userName eq "a" and', 20, 'expected an attribute name, "not" or "(", found the end of the filter'],
      ['userName eq "a" or or title pr', 20, 'found "or"'],
      ['userName eq "a" and and title pr', 21, 'found "and"'],
      ['not title pr', 5, 'expected "(" after "not"'],
      ['not', 4, 'expected "(" after "not"'],
      ['not ()', 6, 'expected an attribute name'],
      ['"userName" eq "a"', 1, 'expected an attribute name'],
      ['user.name.x eq 1', 1, 'not a valid attribute path'],
      ['name. eq 1', 1, 'not a valid attribute path'],
      ['.value eq 1', 1, 'not a valid attribute path'],
      ['1abc eq 1', 1, 'not a valid attribute path'],
      ['foo:bar eq 1', 1, 'not a valid attribute path'],
      ['urn:ietf:params:scim:schemas:core:2.0:User: eq "a"', 1, 'not a valid attribute path'],
      ['user*name eq 1', 1, 'not a valid attribute path'],
      ['userName eq ab"c"', 15, 'unexpected double quote'],
      ['userName eq (a)', 13, 'expected a value'],
      ['userName eq [a]', 13, 'expected a value'],
      ['userName eq 1e999', 13, 'out of range'],
      ['userName eq "a" and (title pr', 30, 'to close the "(" at position 21'],
    ])('%j', (text, position, fragment) => {
      const error = parseError(text);
      expect(error.status).toBe(400);
      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain(`Invalid filter at position ${position}: `);
      expect(error.detail).toContain(fragment);
    });

    it('shortens long tokens in the message', () => {
      const error = parseError(`userName ${'x'.repeat(500)} "a"`);
      expect(error.detail.length).toBeLessThan(200);
    });
  });

  describe('limits', () => {
    it(`rejects filters longer than ${MAX_FILTER_LENGTH} characters`, () => {
      const text = `userName eq "${'a'.repeat(MAX_FILTER_LENGTH)}"`;
      const error = parseError(text);
      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain(`Invalid filter at position ${MAX_FILTER_LENGTH + 1}: `);
      expect(error.detail).toContain(`limit is ${MAX_FILTER_LENGTH}`);
    });

    it('accepts a long flat filter within the limit', () => {
      const text = Array.from({ length: 500 }, (_, i) => `a eq ${i}`).join(' or ');
      expect(text.length).toBeLessThanOrEqual(MAX_FILTER_LENGTH);
      expect(parseFilter(text).type).toBe('or');
    });

    it(`accepts ${MAX_FILTER_DEPTH} levels of nesting and rejects more`, () => {
      const nest = (depth: number) => `${'('.repeat(depth)}title pr${')'.repeat(depth)}`;
      expect(parseFilter(nest(MAX_FILTER_DEPTH))).toStrictEqual(pr('title'));
      const error = parseError(nest(MAX_FILTER_DEPTH + 1));
      expect(error.scimType).toBe('invalidFilter');
      expect(error.detail).toContain(`Invalid filter at position ${MAX_FILTER_DEPTH + 1}: `);
      expect(error.detail).toContain(`more than ${MAX_FILTER_DEPTH} levels`);
    });

    it('counts "not" and value filters towards the depth', () => {
      const nots = `${'not ('.repeat(MAX_FILTER_DEPTH + 1)}title pr${')'.repeat(MAX_FILTER_DEPTH + 1)}`;
      expect(parseError(nots).detail).toContain('levels deep');
      const inBrackets = `emails[${'('.repeat(MAX_FILTER_DEPTH)}type pr${')'.repeat(MAX_FILTER_DEPTH)}]`;
      expect(parseError(inBrackets).detail).toContain('levels deep');
    });

    it('survives hostile nesting far beyond the limit without a stack overflow', () => {
      const error = parseError('('.repeat(9_000));
      expect(error.scimType).toBe('invalidFilter');
    });
  });
});
