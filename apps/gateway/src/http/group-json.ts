import { Readable } from 'node:stream';
import {
  GROUP_RESOURCE_TYPE,
  LIST_RESPONSE_SCHEMA,
  projectResource,
  projectionExcludes,
  renderGroup,
  renderMember,
  type JsonObject,
  type MemberRow,
  type Projection,
  type StoredResource,
} from '@scim/scim';

export interface GroupRenderContext {
  baseUrl: string;
  projection: Projection;
  /** The group's members, page by page; only called when the projection wants members. */
  members(groupId: string): AsyncIterable<MemberRow[]>;
}

/** The member sub-attributes to keep, from `attributes=members.value` / `excludedAttributes=members.display`. */
function memberFilter(projection: Projection): (member: JsonObject) => JsonObject {
  const subs = (names: string[] | undefined) =>
    (names ?? [])
      .filter((n) => n.toLowerCase().startsWith('members.'))
      .map((n) => n.slice('members.'.length).toLowerCase());
  const keep = subs(projection.attributes);
  const drop = subs(projection.excludedAttributes);
  if (keep.length === 0 && drop.length === 0) return (member) => member;
  return (member) =>
    Object.fromEntries(
      Object.entries(member).filter(
        ([key]) => (keep.length === 0 || keep.includes(key.toLowerCase())) && !drop.includes(key.toLowerCase()),
      ),
    );
}

/**
 * One group as JSON text, streamed: the members are written page by page as they are read, so a
 * 100,000-member group is never held in memory as rows and as JSON at once.
 */
export async function* groupJson(group: StoredResource, context: GroupRenderContext): AsyncGenerator<string> {
  const rendered = projectResource(renderGroup(group, context.baseUrl), context.projection, GROUP_RESOURCE_TYPE);
  if (projectionExcludes(context.projection, 'members')) {
    yield JSON.stringify(rendered);
    return;
  }
  const { meta, ...head } = rendered;
  const project = memberFilter(context.projection);
  // `members` is opened with the first member: a group without members leaves it out (RFC 7643 §2.5).
  let opened = false;
  for await (const page of context.members(group.id)) {
    if (page.length === 0) continue;
    const members = page.map((member) => JSON.stringify(project(renderMember(member, context.baseUrl)))).join(',');
    yield opened ? `,${members}` : `${JSON.stringify(head).slice(0, -1)},"members":[${members}`;
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
): AsyncGenerator<string> {
  yield `{"schemas":${JSON.stringify([LIST_RESPONSE_SCHEMA])},"totalResults":${totalResults},"startIndex":${startIndex},"itemsPerPage":${groups.length},"Resources":[`;
  for (const [index, group] of groups.entries()) {
    if (index > 0) yield ',';
    yield* groupJson(group, context);
  }
  yield ']}';
}

export function toStream(chunks: AsyncGenerator<string>): Readable {
  return Readable.from(chunks, { objectMode: false });
}
