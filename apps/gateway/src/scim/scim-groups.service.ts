import { Inject, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import {
  ScimError,
  parseGroup,
  parseListQuery,
  parsePatchRequest,
  projectionExcludes,
  type GroupInput,
  type ListQuery,
  type PatchOperation,
  type Projection,
  type StoredResource,
  etagMatches,
} from '@scim/scim';
import type { WriteResult } from '@scim/queue';
import type { Caller } from '../auth/tenant.decorator';
import { GATEWAY_CONFIG, scimBaseUrl, type GatewayConfig } from '../config/gateway.config';
import { groupJson, groupListJson, toStream, type GroupRenderContext, type JsonChunks } from '../http/group-json';
import { throwIfRefused } from '../http/scim-answer';
import { DirectoryClient } from '../queue/directory.client';
import { ReadRouter, type DirectoryReads } from '../replica/read-router';
import { LARGE_MEMBER_READ, MemberStreamLimiter, type ReleaseSlot } from './member-stream.limiter';

type QueryParams = Record<string, string | undefined>;

/** A group answer: status, ETag version and Location, and the body as a stream (members can be many). */
export interface GroupAnswer {
  status: number;
  body?: Readable;
  version?: number;
  location?: string;
}

/**
 * The Groups resource: reads from Postgres (members streamed page by page, and not read at all
 * when excluded), writes through the `directory` queue like users.
 */
@Injectable()
export class ScimGroupsService {
  private readonly baseUrl: string;

  constructor(
    private readonly directory: DirectoryClient,
    private readonly limiter: MemberStreamLimiter,
    private readonly router: ReadRouter,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.baseUrl = scimBaseUrl(config);
  }

  /**
   * A read of more than LARGE_MEMBER_READ members takes a slot of the MemberStreamLimiter (or is
   * refused with 429/503 before anything is sent), held until the answer is written or the client
   * goes away. Smaller reads are a few short queries and need none.
   */
  private async claimIfLarge(
    reads: DirectoryReads,
    tenantId: string,
    groups: StoredResource[],
    projection: Projection,
  ): Promise<ReleaseSlot | undefined> {
    if (groups.length === 0 || projectionExcludes(projection, 'members')) return undefined;
    const large = await reads.groups.hasMoreMembersThan(
      tenantId,
      groups.map((g) => g.id),
      LARGE_MEMBER_READ,
    );
    return large ? this.limiter.claim(tenantId) : undefined;
  }

  private stream(chunks: JsonChunks, release?: ReleaseSlot): Readable {
    const body = toStream(chunks);
    if (release) body.once('close', release);
    return body;
  }

  private context(reads: DirectoryReads, tenantId: string, projection: Projection): GroupRenderContext {
    return { baseUrl: this.baseUrl, projection, members: (groupId) => reads.groups.members(tenantId, groupId) };
  }

  /** With `If-None-Match` naming the current version, 304 without a body (RFC 7644 §3.14). */
  async get(tenantId: string, id: string, params: QueryParams, ifNoneMatch?: string): Promise<GroupAnswer> {
    const projection = parseListQuery(params);
    return this.router.read(tenantId, async (reads) => {
      const group = await reads.groups.findById(tenantId, id);
      if (!group) throw ScimError.notFound(`No group with id "${id}" in this tenant.`);
      if (etagMatches(ifNoneMatch, group.version)) return { status: 304, version: group.version };
      const release = await this.claimIfLarge(reads, tenantId, [group], projection);
      return {
        status: 200,
        body: this.stream(groupJson(group, this.context(reads, tenantId, projection)), release),
        version: group.version,
      };
    });
  }

  list(tenantId: string, params: QueryParams): Promise<GroupAnswer> {
    return this.search(tenantId, parseListQuery(params));
  }

  /** GET /Groups and POST /Groups/.search. */
  async search(tenantId: string, query: ListQuery): Promise<GroupAnswer> {
    return this.router.read(tenantId, async (reads) => {
      const page = await reads.groups.list(tenantId, query);
      const release = await this.claimIfLarge(reads, tenantId, page.resources, query);
      return {
        status: 200,
        body: this.stream(
          groupListJson(page.resources, page.totalResults, query.startIndex, this.context(reads, tenantId, query)),
          release,
        ),
      };
    });
  }

  // Write answers honour `attributes` / `excludedAttributes` too (RFC 7644 §3.9).
  async create(caller: Caller, body: unknown, params: QueryParams = {}): Promise<GroupAnswer> {
    const { group, members } = parseGroup(body);
    return this.answer(
      caller.tenantId,
      await this.directory.write('create-group', { ...caller, group, members }),
      parseListQuery(params),
    );
  }

  async replace(
    caller: Caller,
    groupId: string,
    body: unknown,
    ifMatch?: string,
    params: QueryParams = {},
  ): Promise<GroupAnswer> {
    const result = await this.update(caller, groupId, parseGroup(body), ifMatch);
    return this.answer(caller.tenantId, result, parseListQuery(params));
  }

  /**
   * Entra expects 204 for a group PATCH (the new version is still given as the ETag). A client
   * that asks for attributes gets 200 with the group, projected (RFC 7644 §3.5.2).
   */
  async patch(
    caller: Caller,
    groupId: string,
    body: unknown,
    ifMatch?: string,
    params: QueryParams = {},
  ): Promise<GroupAnswer> {
    const operations = parsePatchRequest(body);
    const projection = parseListQuery(params);
    const result = await this.update(caller, groupId, { operations }, ifMatch);
    throwIfRefused(result);
    if (projection.attributes || projection.excludedAttributes) return this.answer(caller.tenantId, result, projection);
    return { status: 204, ...(result.ok && result.resource ? { version: result.resource.version } : {}) };
  }

  /** PUT (the whole group) or PATCH (operations): the write, conditional on If-Match when given. */
  private update(
    caller: Caller,
    groupId: string,
    change: GroupInput | { operations: PatchOperation[] },
    ifMatch: string | undefined,
  ): Promise<WriteResult> {
    const target = { ...caller, groupId, ...(ifMatch ? { ifMatch } : {}) };
    return 'operations' in change
      ? this.directory.write('patch-group', { ...target, ...change })
      : this.directory.write('replace-group', { ...target, ...change });
  }

  async delete(caller: Caller, groupId: string, ifMatch?: string): Promise<GroupAnswer> {
    const result = await this.directory.write('delete-group', { ...caller, groupId, ...(ifMatch ? { ifMatch } : {}) });
    throwIfRefused(result);
    return { status: 204 };
  }

  private answer(tenantId: string, result: WriteResult, projection: Projection = {}): GroupAnswer {
    throwIfRefused(result);
    if (!result.ok || !result.resource) return { status: result.status };
    const group = result.resource as StoredResource;
    return {
      status: result.status,
      // Members of a write's answer come from the primary: the replica may not show the write yet.
      body: toStream(groupJson(group, this.context(this.router.primary, tenantId, projection))),
      version: group.version,
      ...(result.status === 201 ? { location: `${this.baseUrl}/Groups/${group.id}` } : {}),
    };
  }
}
