import type { AttrPath } from '../schema/resource-type';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from '../schema/urns';
import type { CompareOperator, Filter, FilterValue } from './filter.ast';
import { parseFilter } from './filter.parser';
import { printFilter } from './filter.printer';

// ---------------------------------------------------------------------------------------------
// A small seeded generator of ASTs the parser can produce.

type Random = () => number;

/** mulberry32: a tiny deterministic PRNG, so a failing case can be replayed. */
function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

const OPERATORS: readonly CompareOperator[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];

const TOP_PATHS: readonly AttrPath[] = [
  { name: 'userName' },
  { name: 'name', subAttr: 'familyName' },
  { name: 'meta', subAttr: 'lastModified' },
  { name: 'emails', subAttr: 'value' },
  { name: '$ref' },
  { name: 'members', subAttr: '$ref' },
  { name: 'Not_an-Attribute2' },
  { uri: USER_SCHEMA, name: 'userName' },
  { uri: USER_SCHEMA, name: 'name', subAttr: 'givenName' },
  { uri: GROUP_SCHEMA, name: 'displayName' },
  { uri: ENTERPRISE_USER_SCHEMA, name: 'manager', subAttr: 'value' },
  { uri: ENTERPRISE_USER_SCHEMA, name: 'employeeNumber' },
  { uri: 'urn:example:custom:1.0:Thing', name: 'widget', subAttr: 'size' },
];
const MULTI_VALUED_PATHS: readonly AttrPath[] = [
  { name: 'emails' },
  { name: 'members' },
  { uri: USER_SCHEMA, name: 'ims' },
];
const SUB_ATTRIBUTES: readonly string[] = ['type', 'value', 'primary', 'display', '$ref'];

// No NUL or unpaired surrogate: the parser refuses them (issue 8).
const STRING_PIECES: readonly string[] = [
  'a',
  'Z',
  ' ',
  '"',
  '\\',
  '/',
  '\n',
  '\t',
  '\u0001',
  'é',
  '名',
  '😀',
  'and',
  'or',
  ')',
  ']',
  '[',
  '(',
  'true',
  '42',
  "'",
];

function randomString(random: Random): string {
  const length = Math.floor(random() * 6);
  return Array.from({ length }, () => pick(random, STRING_PIECES)).join('');
}

function randomNumber(random: Random): number {
  switch (Math.floor(random() * 4)) {
    case 0:
      return Math.floor(random() * 2000) - 1000;
    case 1:
      return Math.round((random() - 0.5) * 1e6) / 1000;
    case 2:
      return (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
    default:
      return Number.MAX_SAFE_INTEGER - Math.floor(random() * 10);
  }
}

function randomValue(random: Random): FilterValue {
  const roll = random();
  if (roll < 0.5) return randomString(random);
  if (roll < 0.75) return randomNumber(random);
  if (roll < 0.9) return random() < 0.5;
  return null;
}

function randomLeaf(random: Random, inValuePath: boolean): Filter {
  const path = inValuePath ? { name: pick(random, SUB_ATTRIBUTES) } : pick(random, TOP_PATHS);
  if (random() < 0.2) return { type: 'present', path };
  return { type: 'compare', path, op: pick(random, OPERATORS), value: randomValue(random) };
}

function randomFilter(random: Random, depth: number, inValuePath: boolean): Filter {
  const roll = random();
  if (depth === 0 || roll < 0.3) return randomLeaf(random, inValuePath);
  if (roll < 0.55)
    return {
      type: 'and',
      left: randomFilter(random, depth - 1, inValuePath),
      right: randomFilter(random, depth - 1, inValuePath),
    };
  if (roll < 0.8)
    return {
      type: 'or',
      left: randomFilter(random, depth - 1, inValuePath),
      right: randomFilter(random, depth - 1, inValuePath),
    };
  if (roll < 0.9 || inValuePath) return { type: 'not', filter: randomFilter(random, depth - 1, inValuePath) };
  return { type: 'valuePath', path: pick(random, MULTI_VALUED_PATHS), filter: randomFilter(random, depth - 1, true) };
}

describe('printFilter', () => {
  it.each([
    ['userName eq "bjensen"', 'userName eq "bjensen"'],
    ['userName EQ bjensen', 'userName eq "bjensen"'],
    ['externalId eq 42', 'externalId eq 42'],
    ['externalId eq 1e17', 'externalId eq 1e+17'],
    ['externalId eq 12345678901234567890', 'externalId eq "12345678901234567890"'],
    ['externalId eq -2.50E-3', 'externalId eq -0.0025'],
    ['active eq TRUE', 'active eq true'],
    ['title eq null', 'title eq null'],
    ['title PR', 'title pr'],
    ['name.familyName co "O\'Malley"', 'name.familyName co "O\'Malley"'],
    ['userName eq "a\\"b\\\\c\\/d\\n"', 'userName eq "a\\"b\\\\c/d\\n"'],
    [
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m"',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m"',
    ],
    ['a pr or b pr and c pr', 'a pr or b pr and c pr'],
    ['(a pr or b pr) and c pr', '(a pr or b pr) and c pr'],
    ['a pr and (b pr and c pr)', 'a pr and (b pr and c pr)'],
    ['a pr or (b pr or c pr)', 'a pr or (b pr or c pr)'],
    ['(a pr and b pr) and c pr', 'a pr and b pr and c pr'],
    ['((a pr))', 'a pr'],
    ['NOT(a pr)', 'not (a pr)'],
    ['emails[type eq "work" and value co "@example.com"]', 'emails[type eq "work" and value co "@example.com"]'],
    ['emails[type eq "work"].value eq "a@b.com"', 'emails[type eq "work" and value eq "a@b.com"]'],
    ['emails[type eq "work" or type eq "home"].value pr', 'emails[(type eq "work" or type eq "home") and value pr]'],
  ])('%s → %s', (input, canonical) => {
    expect(printFilter(parseFilter(input))).toBe(canonical);
  });

  it('prints every canonical form back to the same tree', () => {
    const text = 'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")';
    expect(parseFilter(printFilter(parseFilter(text)))).toStrictEqual(parseFilter(text));
  });

  describe('round trip: parseFilter(printFilter(ast)) equals ast', () => {
    const random = mulberry32(0x5c1a2024);
    const asts = Array.from({ length: 400 }, () => randomFilter(random, 4, false));

    it.each(asts.map((ast, index) => [index, ast] as const))('random filter #%i', (_index, ast) => {
      const printed = printFilter(ast);
      expect(parseFilter(printed)).toStrictEqual(ast);
      expect(printFilter(parseFilter(printed))).toBe(printed);
    });

    it('generates every kind of node', () => {
      const kinds = new Set<string>();
      const visit = (filter: Filter): void => {
        kinds.add(filter.type);
        if (filter.type === 'and' || filter.type === 'or') [filter.left, filter.right].forEach(visit);
        if (filter.type === 'not' || filter.type === 'valuePath') visit(filter.filter);
      };
      asts.forEach(visit);
      expect([...kinds].sort()).toEqual(['and', 'compare', 'not', 'or', 'present', 'valuePath']);
    });
  });
});
