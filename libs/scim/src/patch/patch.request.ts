import { ScimError } from '../errors/scim-error';
import type { Filter } from '../filter/filter.ast';
import { parseFilter } from '../filter/filter.parser';
import { getKeyIgnoringCase, isJsonObject, type JsonObject, type JsonValue } from '../json';
import {
  parseAttrPath,
  schemaUris,
  GROUP_RESOURCE_TYPE,
  USER_RESOURCE_TYPE,
  type AttrPath,
} from '../schema/resource-type';
import { PATCH_OP_SCHEMA, USER_SCHEMA } from '../schema/urns';

/** More operations than this in one request is abuse, not provisioning. */
export const MAX_PATCH_OPERATIONS = 10_000;

export type PatchOpName = 'add' | 'remove' | 'replace';

/**
 * A parsed PATCH path (RFC 7644 §3.5.2):
 *   attrPath   `userName`, `name.familyName`, `urn:…:enterprise:2.0:User:employeeNumber`
 *   valuePath  `emails[type eq "work"]`, optionally followed by `.value`
 * Names are as written; they are resolved against a resource type by the engine.
 */
export type PatchPath =
  | { type: 'attrPath'; text: string; attrPath: AttrPath }
  | { type: 'valuePath'; text: string; attrPath: AttrPath; filter: Filter; subAttr?: string };

/**
 * One validated operation. `remove` always has a path (RFC: no path is `noTarget`) and may carry
 * a value (Entra's `{"op":"Remove","path":"members","value":[{"value":"id"}]}`); a path-less
 * `add`/`replace` always has an object value. `value: null` is kept: it means "remove".
 */
export type PatchOperation =
  | { op: 'add' | 'replace'; path: PatchPath; value: JsonValue }
  | { op: 'add' | 'replace'; path?: undefined; value: JsonObject }
  | { op: 'remove'; path: PatchPath; value?: JsonValue };

/** Every schema URN a path may be qualified with, so the dots in `2.0` do not split the path. */
const KNOWN_URIS = [...new Set([...schemaUris(USER_RESOURCE_TYPE), ...schemaUris(GROUP_RESOURCE_TYPE)])];

/** RFC 7643 ATTRNAME, plus `$ref`-style names of reference sub-attributes. */
const ATTRIBUTE_NAME = /^\$?[A-Za-z][A-Za-z0-9_-]*$/;

const OP_NAMES: readonly PatchOpName[] = ['add', 'remove', 'replace'];

/** Validates an RFC 7644 §3.5.2 PatchOp body and returns its operations in order. */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  if (!isJsonObject(body)) {
    throw syntaxError('The PATCH body must be a JSON object with "schemas" and "Operations".');
  }
  checkSchemas(getKeyIgnoringCase(body, 'schemas'));
  const operations = getKeyIgnoringCase(body, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) {
    throw syntaxError('"Operations" must be a non-empty array of operations.');
  }
  if (operations.length > MAX_PATCH_OPERATIONS) {
    throw syntaxError(
      `"Operations" holds ${operations.length} operations; at most ${MAX_PATCH_OPERATIONS} are allowed per request.`,
    );
  }
  return operations.map((operation, index) => parseOperation(operation, index));
}

function checkSchemas(schemas: JsonValue | undefined): void {
  const found =
    Array.isArray(schemas) &&
    schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase());
  if (!found) {
    throw syntaxError(`"schemas" must contain "${PATCH_OP_SCHEMA}".`);
  }
}

function parseOperation(raw: JsonValue, index: number): PatchOperation {
  const label = `Operations[${index}]`;
  if (!isJsonObject(raw)) throw syntaxError(`${label} must be an object with "op", "path" and "value".`);
  const op = parseOpName(getKeyIgnoringCase(raw, 'op'), label);
  const rawPath = getKeyIgnoringCase(raw, 'path');
  const value = getKeyIgnoringCase(raw, 'value');
  // Some clients send "path": null for a path-less operation.
  const path = rawPath === undefined || rawPath === null ? undefined : parsePathValue(rawPath, label);
  if (
    (path !== undefined && isPasswordPath(path)) ||
    (path === undefined && isJsonObject(value) && holdsPassword(value))
  ) {
    throw ScimError.badRequest(
      'invalidPath',
      `${label}: passwords are not accepted. This service does not store passwords (changePassword is not supported, see /ServiceProviderConfig); remove the password from the request.`,
    );
  }

  if (op === 'remove') {
    if (!path) throw ScimError.badRequest('noTarget', `${label}: "remove" needs a "path" naming what to remove.`);
    return value === undefined ? { op, path } : { op, path, value };
  }
  if (value === undefined) throw syntaxError(`${label}: "${op}" needs a "value".`);
  if (path) return { op, path, value };
  if (!isJsonObject(value)) {
    throw ScimError.badRequest(
      'invalidValue',
      `${label}: "${op}" without a "path" needs an object value whose keys are attribute names.`,
    );
  }
  return { op, value };
}

function parseOpName(op: JsonValue | undefined, label: string): PatchOpName {
  const lower = typeof op === 'string' ? op.toLowerCase() : undefined;
  const name = OP_NAMES.find((n) => n === lower);
  if (!name) {
    throw syntaxError(`${label}: "op" must be one of add, remove, replace; got ${JSON.stringify(op ?? null)}.`);
  }
  return name;
}

function parsePathValue(path: JsonValue, label: string): PatchPath {
  if (typeof path !== 'string')
    throw ScimError.badRequest('invalidPath', `${label}: "path" must be a string, got ${JSON.stringify(path)}.`);
  return parsePatchPath(path);
}

/**
 * Parses `attrPath` or `attrPath[filter]` with an optional `.subAttr` after the bracket.
 * Also used by the engine for the keys of a path-less value (Entra sends `"name.givenName"`).
 */
export function parsePatchPath(text: string): PatchPath {
  const trimmed = text.trim();
  const open = trimmed.indexOf('[');
  if (open < 0) return { type: 'attrPath', text, attrPath: parseAttributePart(trimmed, text) };

  const close = findClosingBracket(trimmed, open);
  if (close < 0) throw pathError(text, 'the "[" has no matching "]"');
  const attrPath = parseAttributePart(trimmed.slice(0, open), text);
  if (attrPath.subAttr !== undefined)
    throw pathError(text, 'a filter "[…]" must follow an attribute, not a sub-attribute');
  const filter = parseBracketFilter(trimmed.slice(open + 1, close), text);
  const rest = trimmed.slice(close + 1);
  if (rest === '') return { type: 'valuePath', text, attrPath, filter };
  const subAttr = rest.startsWith('.') ? rest.slice(1) : '';
  if (!ATTRIBUTE_NAME.test(subAttr)) throw pathError(text, `expected ".subAttribute" after "]", got "${rest}"`);
  return { type: 'valuePath', text, attrPath, filter, subAttr };
}

function parseAttributePart(part: string, text: string): AttrPath {
  if (part === '') throw pathError(text, 'no attribute name');
  const attrPath = parseAttrPath(part, KNOWN_URIS);
  if (!ATTRIBUTE_NAME.test(attrPath.name)) throw pathError(text, `"${attrPath.name}" is not an attribute name`);
  if (attrPath.subAttr !== undefined && !ATTRIBUTE_NAME.test(attrPath.subAttr)) {
    throw pathError(text, `"${attrPath.subAttr}" is not a sub-attribute name`);
  }
  return attrPath;
}

/** Index of the `]` closing the `[` at `open`, skipping brackets inside quoted strings; -1 if none. */
function findClosingBracket(text: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === '[') {
      depth++;
    } else if (char === ']' && --depth === 0) {
      return i;
    }
  }
  return -1;
}

function parseBracketFilter(filterText: string, text: string): Filter {
  try {
    return parseFilter(filterText);
  } catch (error) {
    if (error instanceof ScimError) throw pathError(text, error.detail);
    throw error;
  }
}

/** `password`, `urn:…:core:2.0:User:password`, or a sub-attribute of it. */
function isPasswordPath(path: PatchPath): boolean {
  const { uri, name } = path.attrPath;
  return name.toLowerCase() === 'password' && (uri === undefined || uri.toLowerCase() === USER_SCHEMA.toLowerCase());
}

/** `password`, `urn:…:core:2.0:User:password` or `password.x` as a key of a path-less value. */
function isPasswordKey(key: string): boolean {
  const lower = key.trim().toLowerCase();
  const prefix = `${USER_SCHEMA.toLowerCase()}:`;
  const name = lower.startsWith(prefix) ? lower.slice(prefix.length) : lower;
  return name === 'password' || name.startsWith('password.');
}

/** Whether a path-less value sets the password: as a key, a URN-qualified key, or under the core User URN. */
function holdsPassword(value: JsonObject): boolean {
  return Object.entries(value).some(
    ([key, entry]) =>
      isPasswordKey(key) ||
      (key.trim().toLowerCase() === USER_SCHEMA.toLowerCase() && isJsonObject(entry) && holdsPassword(entry)),
  );
}

function syntaxError(detail: string): ScimError {
  return ScimError.badRequest('invalidSyntax', detail);
}

function pathError(path: string, reason: string): ScimError {
  return ScimError.badRequest('invalidPath', `Invalid path "${path}": ${reason}.`);
}
