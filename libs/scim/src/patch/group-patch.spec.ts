import { parseFilter } from '../filter/filter.parser';
import { GROUP_SCHEMA, PATCH_OP_SCHEMA } from '../schema/urns';
import { planGroupPatch, type GroupPatchStep } from './group-patch';
import { parsePatchRequest } from './patch.request';
import { scimErrorOf } from '../testing/scim-error-of';

const U1 = '7f4bc1a3-285e-48ae-8202-5accb43efb0e';
const U2 = 'a5b9c4d2-6e1f-4a3b-9c8d-7e6f5a4b3c2d';
const U3 = '0c7d1e2f-3a4b-4c5d-8e9f-a0b1c2d3e4f5';

/** Plans a PATCH body as the writer does: parse the PatchOp, then split it into steps. */
function plan(...operations: unknown[]): GroupPatchStep[] {
  return planGroupPatch(parsePatchRequest({ schemas: [PATCH_OP_SCHEMA], Operations: operations }));
}

describe('planGroupPatch', () => {
  describe("Entra's membership forms", () => {
    it('Add members with a value array → add-members', () => {
      expect(plan({ op: 'Add', path: 'members', value: [{ $ref: null, value: U1 }] })).toEqual([
        { kind: 'add-members', members: [{ value: U1 }] },
      ]);
    });

    it("adds several members, keeping each one's type", () => {
      expect(
        plan({
          op: 'add',
          path: 'members',
          value: [{ value: U1 }, { value: U2, type: 'Group' }, { value: U3, type: 'user' }],
        }),
      ).toEqual([
        { kind: 'add-members', members: [{ value: U1 }, { value: U2, type: 'Group' }, { value: U3, type: 'User' }] },
      ]);
    });

    it('Remove with path "members" and a value array removes exactly those members, not all of them', () => {
      const steps = plan({ op: 'Remove', path: 'members', value: [{ $ref: null, value: U1 }] });
      expect(steps).toEqual([{ kind: 'remove-members', values: [U1] }]);
      expect(steps.some((s) => s.kind === 'remove-all-members')).toBe(false);
    });

    it('Remove with several values names every one of them', () => {
      expect(
        plan({
          op: 'Remove',
          path: 'members',
          value: [
            { $ref: null, value: U1 },
            { $ref: null, value: U2 },
          ],
        }),
      ).toEqual([{ kind: 'remove-members', values: [U1, U2] }]);
    });

    it('Remove with a single member object (not an array) removes that member', () => {
      expect(plan({ op: 'Remove', path: 'members', value: { value: U2 } })).toEqual([
        { kind: 'remove-members', values: [U2] },
      ]);
    });

    it('Remove with an empty value array removes nothing (it is not "remove all")', () => {
      expect(plan({ op: 'Remove', path: 'members', value: [] })).toEqual([{ kind: 'remove-members', values: [] }]);
    });

    it('remove members[value eq "id"] → remove-matching-members with that filter', () => {
      expect(plan({ op: 'remove', path: `members[value eq "${U1}"]` })).toEqual([
        { kind: 'remove-matching-members', filter: parseFilter(`value eq "${U1}"`) },
      ]);
    });

    it('remove "members" without a value → remove-all-members', () => {
      expect(plan({ op: 'remove', path: 'members' })).toEqual([{ kind: 'remove-all-members' }]);
    });

    it('remove "members" with value null → remove-all-members', () => {
      expect(plan({ op: 'remove', path: 'members', value: null })).toEqual([{ kind: 'remove-all-members' }]);
    });

    it('replace members → replace-members', () => {
      expect(plan({ op: 'replace', path: 'members', value: [{ value: U1 }, { value: U2 }] })).toEqual([
        { kind: 'replace-members', members: [{ value: U1 }, { value: U2 }] },
      ]);
    });

    it('replace members with an empty array → replace-members with none', () => {
      expect(plan({ op: 'replace', path: 'members', value: [] })).toEqual([{ kind: 'replace-members', members: [] }]);
    });

    it('replace members[value eq "x"] removes the matching member and adds the given one', () => {
      expect(plan({ op: 'replace', path: `members[value eq "${U1}"]`, value: [{ value: U2 }] })).toEqual([
        { kind: 'remove-matching-members', filter: parseFilter(`value eq "${U1}"`) },
        { kind: 'add-members', members: [{ value: U2 }] },
      ]);
    });

    it.each(['Add', 'ADD', 'add', 'aDd'])('op "%s" is add', (op) => {
      expect(plan({ op, path: 'members', value: [{ value: U1 }] })).toEqual([
        { kind: 'add-members', members: [{ value: U1 }] },
      ]);
    });

    it.each(['Remove', 'REMOVE', 'remove'])('op "%s" with a value is remove-members', (op) => {
      expect(plan({ op, path: 'members', value: [{ value: U1 }] })).toEqual([{ kind: 'remove-members', values: [U1] }]);
    });

    it.each(['Replace', 'REPLACE', 'replace'])('op "%s" on members is replace-members', (op) => {
      expect(plan({ op, path: 'members', value: [{ value: U1 }] })).toEqual([
        { kind: 'replace-members', members: [{ value: U1 }] },
      ]);
    });

    it.each(['Members', 'MEMBERS', `${GROUP_SCHEMA}:members`, `${GROUP_SCHEMA.toUpperCase()}:Members`])(
      'recognises the path "%s" as members',
      (path) => {
        expect(plan({ op: 'Add', path, value: [{ value: U1 }] })).toEqual([
          { kind: 'add-members', members: [{ value: U1 }] },
        ]);
      },
    );

    it('a member without a value is refused (400 invalidValue)', () => {
      const error = scimErrorOf(() => plan({ op: 'Add', path: 'members', value: [{ $ref: null, display: 'Ada' }] }));
      expect(error.status).toBe(400);
      expect(error.scimType).toBe('invalidValue');
    });
  });

  describe('document operations', () => {
    it('Replace displayName → one document step with that operation', () => {
      const steps = plan({ op: 'Replace', path: 'displayName', value: 'Renamed' });
      expect(steps).toHaveLength(1);
      expect(steps[0]).toMatchObject({
        kind: 'document',
        operations: [
          { op: 'replace', path: { type: 'attrPath', attrPath: { name: 'displayName' } }, value: 'Renamed' },
        ],
      });
    });

    it('merges consecutive document operations into one step, in order', () => {
      const steps = plan(
        { op: 'Replace', path: 'displayName', value: 'A' },
        { op: 'add', path: 'externalId', value: 'ext-1' },
        { op: 'replace', value: { displayName: 'B' } },
      );
      expect(steps).toHaveLength(1);
      const [step] = steps;
      if (step?.kind !== 'document') throw new Error('expected a document step');
      expect(step.operations.map((o) => o.op)).toEqual(['replace', 'add', 'replace']);
      expect(step.operations[0]!.value).toBe('A');
      expect(step.operations[1]!.value).toBe('ext-1');
      expect(step.operations[2]!.value).toEqual({ displayName: 'B' });
    });

    it('splits a path-less replace into a document step and a members step', () => {
      const steps = plan({ op: 'replace', value: { displayName: 'x', members: [{ value: U1 }, { value: U2 }] } });
      expect(steps).toEqual([
        { kind: 'document', operations: [{ op: 'replace', value: { displayName: 'x' } }] },
        { kind: 'replace-members', members: [{ value: U1 }, { value: U2 }] },
      ]);
    });

    it('a path-less add with members becomes add-members after the document step', () => {
      const steps = plan({ op: 'Add', value: { externalId: 'e', Members: [{ value: U1 }] } });
      expect(steps).toEqual([
        { kind: 'document', operations: [{ op: 'add', value: { externalId: 'e' } }] },
        { kind: 'add-members', members: [{ value: U1 }] },
      ]);
    });

    it('a path-less value with only members makes no document step', () => {
      expect(plan({ op: 'add', value: { members: [{ value: U1 }] } })).toEqual([
        { kind: 'add-members', members: [{ value: U1 }] },
      ]);
      expect(plan({ op: 'replace', value: { [`${GROUP_SCHEMA}:members`]: [{ value: U2 }] } })).toEqual([
        { kind: 'replace-members', members: [{ value: U2 }] },
      ]);
    });

    it('a path-less value without members is one document step', () => {
      expect(plan({ op: 'replace', value: { displayName: 'y' } })).toEqual([
        { kind: 'document', operations: [{ op: 'replace', value: { displayName: 'y' } }] },
      ]);
    });

    it('does not modify the operations it is given', () => {
      const operations = parsePatchRequest({
        schemas: [PATCH_OP_SCHEMA],
        Operations: [
          { op: 'replace', value: { displayName: 'x', members: [{ value: U1 }] } },
          { op: 'replace', path: 'displayName', value: 'y' },
        ],
      });
      const before = JSON.stringify(operations);
      planGroupPatch(operations);
      expect(JSON.stringify(operations)).toBe(before);
    });
  });

  describe('mixed operations', () => {
    it('keeps the order of document and membership steps', () => {
      const steps = plan(
        { op: 'Replace', path: 'displayName', value: 'One' },
        { op: 'Add', path: 'members', value: [{ value: U1 }] },
        { op: 'Remove', path: 'members', value: [{ value: U2 }] },
        { op: 'replace', path: 'externalId', value: 'ext' },
        { op: 'Replace', path: 'displayName', value: 'Two' },
        { op: 'remove', path: `members[value eq "${U3}"]` },
        { op: 'remove', path: 'members' },
        { op: 'replace', path: 'members', value: [{ value: U3 }] },
      );
      expect(steps.map((s) => s.kind)).toEqual([
        'document',
        'add-members',
        'remove-members',
        'document',
        'remove-matching-members',
        'remove-all-members',
        'replace-members',
      ]);
      // The two document operations after remove-members are merged, and not with the first.
      expect(steps[0]).toMatchObject({ operations: [{ value: 'One' }] });
      expect(steps[3]).toMatchObject({ operations: [{ value: 'ext' }, { value: 'Two' }] });
    });
  });

  describe('refusals', () => {
    it('members[value eq "x"].display → 400 mutability', () => {
      const error = scimErrorOf(() =>
        plan({ op: 'replace', path: `members[value eq "${U1}"].display`, value: 'New name' }),
      );
      expect(error.status).toBe(400);
      expect(error.scimType).toBe('mutability');
    });

    it('members[value eq "x"].value → 400 mutability, also for remove', () => {
      const error = scimErrorOf(() => plan({ op: 'remove', path: `members[value eq "${U1}"].value` }));
      expect(error.status).toBe(400);
      expect(error.scimType).toBe('mutability');
    });

    it('add with a value filter → 400 invalidPath', () => {
      const error = scimErrorOf(() => plan({ op: 'Add', path: `members[value eq "${U1}"]`, value: [{ value: U1 }] }));
      expect(error.status).toBe(400);
      expect(error.scimType).toBe('invalidPath');
    });

    it('a member with a type other than User or Group → 400 invalidValue', () => {
      const error = scimErrorOf(() => plan({ op: 'add', path: 'members', value: [{ value: U1, type: 'Device' }] }));
      expect(error.status).toBe(400);
      expect(error.scimType).toBe('invalidValue');
    });

    // BUG (reported): a sub-attribute path without a filter ("members.value", "members.display") is
    // treated as the whole members attribute: `remove members.value` wipes the group and
    // `replace members.display` replaces all members. Expected 400 mutability, as for the
    // bracketed form.
    it('remove "members.value" is refused (400 mutability), not remove-all-members', () => {
      const error = scimErrorOf(() => plan({ op: 'remove', path: 'members.value' }));
      expect(error.status).toBe(400);
      expect(error.scimType).toBe('mutability');
    });

    // BUG (reported): a path-less value holding the core Group schema URN as a key (which the
    // PATCH engine supports for document attributes) hides `members` inside it from the planner:
    // they go into a document step and are dropped later, so the add is silently lost.
    it('finds members nested under the core Group schema URN in a path-less value', () => {
      expect(plan({ op: 'add', value: { [GROUP_SCHEMA]: { displayName: 'x', members: [{ value: U1 }] } } })).toEqual([
        { kind: 'document', operations: [{ op: 'add', value: { displayName: 'x' } }] },
        { kind: 'add-members', members: [{ value: U1 }] },
      ]);
    });

    it('reads the core Group schema URN as a path like a path-less value, members included', () => {
      expect(plan({ op: 'add', path: GROUP_SCHEMA, value: { displayName: 'x', members: [{ value: U1 }] } })).toEqual([
        { kind: 'document', operations: [{ op: 'add', value: { displayName: 'x' } }] },
        { kind: 'add-members', members: [{ value: U1 }] },
      ]);
    });

    // BUG (reported): see above.
    it('replace "members.display" is refused (400 mutability), not replace-members', () => {
      const error = scimErrorOf(() => plan({ op: 'replace', path: 'members.display', value: 'New name' }));
      expect(error.status).toBe(400);
      expect(error.scimType).toBe('mutability');
    });
  });
});
