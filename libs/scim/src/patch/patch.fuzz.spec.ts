import fc from 'fast-check';
import { ScimError } from '../errors/scim-error';
import type { JsonObject, JsonValue } from '../json';
import { parseGroup, validateGroupDocument } from '../resources/group.resource';
import { parseUser } from '../resources/user.resource';
import type { AttributeDefinition } from '../schema/attribute';
import { COMMON_ATTRIBUTES } from '../schema/common.schema';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../schema/resource-type';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, PATCH_OP_SCHEMA, USER_SCHEMA } from '../schema/urns';
import { planGroupPatch } from './group-patch';
import { applyPatch } from './patch.engine';
import { parsePatchRequest } from './patch.request';

/**
 * Fuzzing the PATCH engine (issue 8): any operation list gives a SCIM 4xx error or a valid
 * resource (one parseUser / parseGroup accepts), and never touches its input. Short budget in
 * `npm test`; `npm run fuzz` sets FUZZ_RUNS for a long one.
 */
const RUNS = Number(process.env['FUZZ_RUNS'] || 300);
jest.setTimeout(30_000 + RUNS * 20);

const MANAGER = '2819c223-7f76-453a-919d-413861904646';
const USER = parseUser({
  schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
  userName: 'bjensen@example.com',
  externalId: 'bjensen',
  active: true,
  displayName: 'Babs Jensen',
  title: 'Tour Guide',
  name: { givenName: 'Barbara', familyName: 'Jensen', formatted: 'Ms. Barbara J Jensen' },
  emails: [{ type: 'work', value: 'bjensen@example.com', primary: true }],
  phoneNumbers: [
    { type: 'work', value: '555-555-5555' },
    { type: 'mobile', value: '555-555-4444' },
  ],
  addresses: [{ type: 'work', locality: 'Hollywood', country: 'USA', primary: true }],
  [ENTERPRISE_USER_SCHEMA]: { department: 'Tour Operations', employeeNumber: '701984', manager: { value: MANAGER } },
});
const GROUP = parseGroup({ schemas: [GROUP_SCHEMA], displayName: 'Tour Guides', externalId: 'tg' }).group;

function pathsOf(attributes: readonly AttributeDefinition[], uri?: string): string[] {
  const prefix = uri ? `${uri}:` : '';
  return attributes.flatMap((a) => [
    `${prefix}${a.name}`,
    ...(a.subAttributes ?? []).map((s) => `${prefix}${a.name}.${s.name}`),
  ]);
}

const PATHS = [
  ...new Set([
    ...pathsOf(USER_RESOURCE_TYPE.schema.attributes),
    ...pathsOf(USER_RESOURCE_TYPE.extensions[0]!.attributes),
    ...pathsOf(USER_RESOURCE_TYPE.extensions[0]!.attributes, ENTERPRISE_USER_SCHEMA),
    ...pathsOf(GROUP_RESOURCE_TYPE.schema.attributes),
    ...pathsOf(COMMON_ATTRIBUTES),
    `${USER_SCHEMA}:name.givenName`,
    `${USER_SCHEMA}:userName`,
    ENTERPRISE_USER_SCHEMA,
    USER_SCHEMA,
    GROUP_SCHEMA,
    'emails[type eq "work"].value',
    'emails[type eq "work"]',
    'emails[value eq "bjensen@example.com"].primary',
    'phoneNumbers[type eq "mobile"].value',
    'members[value eq "2819c223-7f76-453a-919d-413861904646"]',
    `${ENTERPRISE_USER_SCHEMA}:manager.value`,
    'addresses[type eq "work"].locality',
    'manager',
    'password',
    'unknown',
    'name.unknown',
    'emails[',
    'emails[type eq]',
    'a.b.c',
    '',
    ' ',
    'emails[type eq "work"].value.x',
  ]),
];

const SUB_KEYS = [
  'value',
  'type',
  'primary',
  'display',
  'givenName',
  'familyName',
  'formatted',
  'locality',
  'country',
  '$ref',
  'department',
  'manager',
  'x',
];

/** Values shaped like SCIM values (strings, booleans as text, complex objects, arrays of them), and anything JSON. */
const scimValue: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 12 }),
    fc.constantFrom<JsonValue>(
      true,
      false,
      null,
      'True',
      'false',
      'work',
      'bjensen@example.com',
      'x@gmail.com',
      MANAGER,
      '',
      0,
      1.5,
      -1,
      [],
      {},
    ),
    fc.dictionary(fc.constantFrom(...SUB_KEYS, ...PATHS.slice(0, 40)), tie('v'), { maxKeys: 4 }),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<JsonValue>,
  ),
})).v;

/** A value of the attribute's type (complex and multi-valued included): the patches that should apply. */
function typedValue(definition: AttributeDefinition, element = false): fc.Arbitrary<JsonValue> {
  if (definition.multiValued && !element)
    return fc.oneof(typedValue(definition, true), fc.array(typedValue(definition, true), { maxLength: 3 }));
  switch (definition.type) {
    case 'boolean':
      return fc.constantFrom<JsonValue>(true, false, 'True', 'false');
    case 'integer':
    case 'decimal':
      return fc.integer();
    case 'dateTime':
      return fc.constant('2026-01-01T00:00:00Z');
    case 'complex': {
      const subs = definition.subAttributes ?? [];
      return fc.record(
        Object.fromEntries(
          subs.map((sub) => [
            sub.name,
            sub.name === 'value' && definition.name === 'manager'
              ? fc.constant(MANAGER)
              : sub.name === 'type'
                ? fc.constantFrom('work', 'home', 'mobile')
                : typedValue(sub),
          ]),
        ),
        { requiredKeys: [] },
      ) as fc.Arbitrary<JsonValue>;
    }
    default:
      return definition.name === 'value' || definition.name === 'userName'
        ? fc.constantFrom('bjensen@example.com', 'b@example.com', MANAGER)
        : fc.string({ minLength: 1, maxLength: 8 });
  }
}

const typedOperation = fc
  .constantFrom(
    ...USER_RESOURCE_TYPE.schema.attributes.map((a) => ({ path: a.name, a })),
    ...USER_RESOURCE_TYPE.schema.attributes.flatMap((a) =>
      (a.subAttributes ?? []).filter(() => !a.multiValued).map((sub) => ({ path: `${a.name}.${sub.name}`, a: sub })),
    ),
    ...USER_RESOURCE_TYPE.extensions[0]!.attributes.map((a) => ({ path: `${ENTERPRISE_USER_SCHEMA}:${a.name}`, a })),
    ...GROUP_RESOURCE_TYPE.schema.attributes.map((a) => ({ path: a.name, a })),
  )
  .chain(({ path, a }) =>
    fc
      .record({
        op: fc.constantFrom('add', 'replace', 'remove', 'Replace'),
        path: fc.constantFrom(path, path.toUpperCase()),
        value: typedValue(a),
      })
      .map((o) => (o.op === 'remove' ? { op: o.op, path: o.path } : o)),
  );

const untypedOperation = fc.record(
  {
    op: fc.oneof(
      { weight: 9, arbitrary: fc.constantFrom('add', 'replace', 'remove', 'Add', 'Replace', 'Remove', 'REPLACE') },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
    ),
    path: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...PATHS) },
      { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
      { weight: 1, arbitrary: fc.constant(null) },
    ),
    value: scimValue,
  },
  { requiredKeys: ['op'] },
);

const operation = fc.oneof({ weight: 3, arbitrary: typedOperation }, { weight: 1, arbitrary: untypedOperation });

const patchBody = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .array(operation, { minLength: 1, maxLength: 5 })
      .map((ops) => ({ schemas: [PATCH_OP_SCHEMA], Operations: ops })),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** A SCIM error is an answer (4xx); anything else thrown is a defect. */
function answered<T>(run: () => T): T | ScimError {
  try {
    return run();
  } catch (error) {
    if (error instanceof ScimError && error.status >= 400 && error.status < 500) return error;
    throw error;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const element of Object.values(value)) deepFreeze(element);
  }
  return value;
}

const tally = { refused: 0, applied: 0 };

describe('fuzz: PATCH engine', () => {
  afterAll(() =>
    console.log(
      `PATCH fuzz: ${RUNS} runs per resource type; ${tally.applied} patches gave a valid resource, ${tally.refused} a SCIM 4xx`,
    ),
  );

  it('turns any PatchOp body on a user into a SCIM 4xx or a valid user, leaving its input alone', () => {
    const before = JSON.stringify(USER);
    deepFreeze(USER);
    fc.assert(
      fc.property(patchBody, (body) => {
        const frozen = deepFreeze(structuredClone(body));
        const operations = answered(() => parsePatchRequest(frozen));
        if (operations instanceof ScimError) return void (tally.refused += 1);
        const patched = answered(() => parseUser(applyPatch(USER, operations, USER_RESOURCE_TYPE)));
        if (patched instanceof ScimError) return void (tally.refused += 1);
        // Valid: JSON, accepted again as it is stored.
        expect(parseUser(JSON.parse(JSON.stringify(patched)) as JsonObject)).toEqual(patched);
        tally.applied += 1;
      }),
      { numRuns: RUNS },
    );
    expect(JSON.stringify(USER)).toBe(before);
  });

  it('turns any PatchOp body on a group into a SCIM 4xx, member steps, or a valid group', () => {
    deepFreeze(GROUP);
    fc.assert(
      fc.property(patchBody, (body) => {
        const steps = answered(() => planGroupPatch(parsePatchRequest(deepFreeze(structuredClone(body)))));
        if (steps instanceof ScimError) return void (tally.refused += 1);
        let document: JsonObject = GROUP;
        for (const step of steps) {
          if (step.kind !== 'document') continue;
          const next = answered(() =>
            validateGroupDocument(applyPatch(document, step.operations, GROUP_RESOURCE_TYPE)),
          );
          if (next instanceof ScimError) return void (tally.refused += 1);
          document = next;
        }
        expect(validateGroupDocument(JSON.parse(JSON.stringify(document)) as JsonObject)).toEqual(document);
        tally.applied += 1;
      }),
      { numRuns: RUNS },
    );
  });
});
