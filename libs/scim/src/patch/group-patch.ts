import { ScimError } from '../errors/scim-error';
import type { Filter } from '../filter/filter.ast';
import { isJsonObject, type JsonObject } from '../json';
import { parseMemberRefs, type MemberRef } from '../resources/group.resource';
import { GROUP_SCHEMA } from '../schema/urns';
import type { PatchOperation, PatchPath } from './patch.request';

/**
 * A group PATCH as the steps the directory applies in order. Membership never goes through the
 * in-memory document (a group may have 100,000 members): member operations become set operations
 * on the membership table, everything else is applied to the document with applyPatch.
 */
export type GroupPatchStep =
  | { kind: 'document'; operations: PatchOperation[] }
  | { kind: 'add-members'; members: MemberRef[] }
  | { kind: 'remove-members'; values: string[] }
  | { kind: 'remove-all-members' }
  | { kind: 'remove-matching-members'; filter: Filter }
  | { kind: 'replace-members'; members: MemberRef[] };

function isMembersPath(path: PatchPath): boolean {
  const { attrPath } = path;
  return (
    attrPath.name.toLowerCase() === 'members' &&
    (attrPath.uri === undefined || attrPath.uri.toLowerCase() === GROUP_SCHEMA.toLowerCase())
  );
}

function isMembersKey(key: string): boolean {
  const lower = key.toLowerCase();
  return lower === 'members' || lower === `${GROUP_SCHEMA.toLowerCase()}:members`;
}

function memberSteps(operation: PatchOperation, path: PatchPath | undefined): GroupPatchStep[] {
  const label = path?.text ?? 'members';
  // `members[...].display` and `members.value` both name a sub-attribute of members, never the list.
  if (
    (path?.type === 'valuePath' && path.subAttr !== undefined) ||
    (path?.type === 'attrPath' && path.attrPath.subAttr !== undefined)
  ) {
    throw ScimError.badRequest(
      'mutability',
      `"${path.text}": a member's value and type cannot be changed and its display is read-only; remove the member and add the new one.`,
    );
  }
  const filter = path?.type === 'valuePath' ? path.filter : undefined;
  switch (operation.op) {
    case 'add':
      if (filter)
        throw ScimError.badRequest('invalidPath', `"${label}": add members with path "members" and a value array.`);
      return [{ kind: 'add-members', members: parseMemberRefs(operation.value, label) }];
    case 'remove':
      if (filter) return [{ kind: 'remove-matching-members', filter }];
      // Entra's non-RFC form: a value array names exactly the members to remove.
      if (operation.value !== undefined && operation.value !== null) {
        return [{ kind: 'remove-members', values: parseMemberRefs(operation.value, label).map((m) => m.value) }];
      }
      return [{ kind: 'remove-all-members' }];
    case 'replace':
      if (filter)
        return [
          { kind: 'remove-matching-members', filter },
          { kind: 'add-members', members: parseMemberRefs(operation.value, label) },
        ];
      return [{ kind: 'replace-members', members: parseMemberRefs(operation.value, label) }];
  }
}

function flattenCoreUrn(value: JsonObject): JsonObject {
  if (!isJsonObject(value)) return value;
  const urnKey = Object.keys(value).find((k) => k.toLowerCase() === GROUP_SCHEMA.toLowerCase());
  if (urnKey === undefined) return value;
  const { [urnKey]: nested, ...rest } = value;
  return isJsonObject(nested) ? { ...rest, ...nested } : value;
}

/** `add`/`replace` with the Group schema URN as the path is a path-less operation (its value may hold members). */
function pathlessForm(operation: PatchOperation): PatchOperation {
  if (operation.op === 'remove' || operation.path === undefined || !isJsonObject(operation.value)) return operation;
  if (operation.path.type !== 'attrPath' || operation.path.text.trim().toLowerCase() !== GROUP_SCHEMA.toLowerCase())
    return operation;
  return { op: operation.op, value: operation.value };
}

/** Splits the operations of a group PATCH into document steps and membership steps, in order. */
export function planGroupPatch(operations: readonly PatchOperation[]): GroupPatchStep[] {
  const steps: GroupPatchStep[] = [];
  const pushDocument = (operation: PatchOperation) => {
    const last = steps[steps.length - 1];
    if (last?.kind === 'document') last.operations.push(operation);
    else steps.push({ kind: 'document', operations: [operation] });
  };
  for (const raw of operations) {
    const operation = pathlessForm(raw);
    if (operation.path !== undefined) {
      if (isMembersPath(operation.path)) steps.push(...memberSteps(operation, operation.path));
      else pushDocument(operation);
      continue;
    }
    // Path-less add/replace: the value object may mix members with other attributes, and may
    // nest core attributes under the Group schema URN.
    const value = flattenCoreUrn(operation.value as JsonObject);
    const membersKey = isJsonObject(value) ? Object.keys(value).find(isMembersKey) : undefined;
    if (membersKey === undefined) {
      pushDocument(operation);
      continue;
    }
    const { [membersKey]: members, ...rest } = value;
    if (Object.keys(rest).length > 0) pushDocument({ ...operation, value: rest } as PatchOperation);
    steps.push(...memberSteps({ ...operation, value: members ?? null } as PatchOperation, undefined));
  }
  return steps;
}
