import { Readable } from 'node:stream';
import {
  GROUP_RESOURCE_TYPE,
  LIST_RESPONSE_SCHEMA,
  projectResource,
  memberLocation,
  projectionExcludes,
  renderGroup,
  type MemberRow,
  type Projection,
  type StoredResource,
} from '@scim/scim';

/** A JSON body in pieces: text for the few small parts, Buffers of about 56 KiB for the members. */
export type JsonChunks = AsyncGenerator<string | Buffer>;

export interface GroupRenderContext {
  baseUrl: string;
  projection: Projection;
  /** The group's members, page by page; only called when the projection wants members. */
  members(groupId: string): AsyncIterable<MemberRow[]>;
}

/** A member's attributes in the order renderMember gives them. */
const MEMBER_FIELDS = ['value', '$ref', 'type', 'display'] as const;
type MemberField = (typeof MEMBER_FIELDS)[number];

/** The member sub-attributes to write, from `attributes=members.value` / `excludedAttributes=members.display`. */
function memberFields(projection: Projection): MemberField[] {
  const subs = (names: string[] | undefined) =>
    (names ?? [])
      .filter((n) => n.toLowerCase().startsWith('members.'))
      .map((n) => n.slice('members.'.length).toLowerCase());
  const keep = subs(projection.attributes);
  const drop = subs(projection.excludedAttributes);
  return MEMBER_FIELDS.filter(
    (field) => (keep.length === 0 || keep.includes(field.toLowerCase())) && !drop.includes(field.toLowerCase()),
  );
}

/** Characters that JSON.stringify escapes (lone surrogates included); most values have none. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON text written straight into a Buffer, without an object or a string per value: rendering
 * 100,000 members as objects and strings allocated about 80 MB of short-lived heap per read.
 */
class JsonBytes {
  private bytes: Buffer;
  private length = 0;

  constructor(capacity: number) {
    this.bytes = Buffer.allocUnsafe(capacity);
  }

  get size(): number {
    return this.length;
  }

  /** Text that is already JSON (punctuation, keys). */
  raw(text: string): void {
    this.reserve(text.length * 3);
    this.length += this.bytes.write(text, this.length);
  }

  /** A JSON string, escaped exactly as JSON.stringify escapes it. */
  string(value: string): void {
    if (NEEDS_ESCAPE.test(value)) return this.raw(JSON.stringify(value));
    this.reserve(value.length * 3 + 2);
    this.bytes[this.length++] = 0x22;
    this.length += this.bytes.write(value, this.length);
    this.bytes[this.length++] = 0x22;
  }

  done(): Buffer {
    return this.bytes.subarray(0, this.length);
  }

  // Only a member far larger than usual (a long display name) outgrows a chunk.
  private reserve(bytes: number): void {
    if (this.length + bytes <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + bytes));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }
}

/**
 * Members are sent in Buffers of about this size. Small chunks keep what waits for a slow socket
 * small, and stay below glibc's mmap threshold (128 KiB): chunks of a whole page (~1 MiB) were
 * served from the malloc heap, which fragmented and grew the RSS by ~80 MB under 8 concurrent reads.
 */
const CHUNK_BYTES = 56 * 1024;
const CHUNK_CAPACITY = 64 * 1024;

/**
 * A page of members as JSON array elements (comma-separated, no brackets) in chunks of about
 * CHUNK_BYTES; each member is exactly JSON.stringify of renderMember, with the projection's
 * member sub-attributes.
 */
function* memberPageJson(page: MemberRow[], baseUrl: string, fields: MemberField[]): Generator<Buffer> {
  let out = new JsonBytes(CHUNK_CAPACITY);
  for (const [index, member] of page.entries()) {
    out.raw(index === 0 ? '{' : ',{');
    let first = true;
    for (const field of fields) {
      if (field === 'display' && member.display === null) continue;
      out.raw(first ? `"${field}":` : `,"${field}":`);
      first = false;
      if (field === 'value') out.string(member.id);
      else if (field === 'type') out.string(member.type);
      else if (field === 'display') out.string(member.display!);
      else out.string(memberLocation(member, baseUrl));
    }
    out.raw('}');
    if (out.size >= CHUNK_BYTES) {
      yield out.done();
      out = new JsonBytes(CHUNK_CAPACITY);
    }
  }
  if (out.size > 0) yield out.done();
}

/**
 * One group as JSON, streamed: the members are written page by page as they are read, so a
 * 100,000-member group is never held in memory as rows and as JSON at once.
 */
export async function* groupJson(group: StoredResource, context: GroupRenderContext): JsonChunks {
  const rendered = projectResource(renderGroup(group, context.baseUrl), context.projection, GROUP_RESOURCE_TYPE);
  if (projectionExcludes(context.projection, 'members')) {
    yield JSON.stringify(rendered);
    return;
  }
  const { meta, ...head } = rendered;
  const fields = memberFields(context.projection);
  // `members` is opened with the first member: a group without members leaves it out (RFC 7643 §2.5).
  let opened = false;
  for await (const page of context.members(group.id)) {
    if (page.length === 0) continue;
    yield opened ? ',' : `${JSON.stringify(head).slice(0, -1)},"members":[`;
    yield* memberPageJson(page, context.baseUrl, fields);
    opened = true;
  }
  if (!opened) {
    yield JSON.stringify(rendered);
    return;
  }
  yield `]${meta === undefined ? '' : `,"meta":${JSON.stringify(meta)}`}}`;
}

/** A ListResponse of groups, streamed the same way. */
export async function* groupListJson(
  groups: StoredResource[],
  totalResults: number,
  startIndex: number,
  context: GroupRenderContext,
): JsonChunks {
  yield `{"schemas":${JSON.stringify([LIST_RESPONSE_SCHEMA])},"totalResults":${totalResults},"startIndex":${startIndex},"itemsPerPage":${groups.length},"Resources":[`;
  for (const [index, group] of groups.entries()) {
    if (index > 0) yield ',';
    yield* groupJson(group, context);
  }
  yield ']}';
}

export function toStream(chunks: JsonChunks): Readable {
  return Readable.from(chunks, { objectMode: false });
}
