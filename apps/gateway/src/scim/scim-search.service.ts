import { Inject, Injectable } from '@nestjs/common';
import {
  GROUP_RESOURCE_TYPE,
  LIST_RESPONSE_SCHEMA,
  USER_RESOURCE_TYPE,
  projectResource,
  projectionExcludes,
  renderUser,
  resolveAttribute,
  type ListQuery,
  type ResourceTypeDefinition,
  type StoredResource,
  type StoredUser,
} from '@scim/scim';
import { GATEWAY_CONFIG, scimBaseUrl, type GatewayConfig } from '../config/gateway.config';
import { groupJson, toStream, type JsonChunks } from '../http/group-json';
import { ReadRouter, type DirectoryReads } from '../replica/read-router';
import type { GroupAnswer } from './scim-groups.service';

/**
 * The server-root search: Users first, then Groups, paged as one list. A filter naming an
 * attribute only one type has simply matches nothing of the other; `sortBy` sorts within each
 * type that has the attribute.
 */
@Injectable()
export class ScimSearchService {
  private readonly baseUrl: string;

  constructor(
    private readonly router: ReadRouter,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.baseUrl = scimBaseUrl(config);
  }

  searchAll(tenantId: string, query: ListQuery): Promise<GroupAnswer> {
    return this.router.read(tenantId, (reads) => this.searchOn(reads, tenantId, query));
  }

  private async searchOn(reads: DirectoryReads, tenantId: string, query: ListQuery): Promise<GroupAnswer> {
    const forType = (type: ResourceTypeDefinition): ListQuery => {
      const { sortBy, ...rest } = query;
      return sortBy && resolveAttribute(type, sortBy) ? query : rest;
    };
    const userQuery = forType(USER_RESOURCE_TYPE);
    const groupQuery = forType(GROUP_RESOURCE_TYPE);
    const userTotal = (await reads.users.list(tenantId, { ...userQuery, count: 0 })).totalResults;
    const groupTotal = (await reads.groups.list(tenantId, { ...groupQuery, count: 0 })).totalResults;
    const first = query.startIndex;
    const userCount = Math.max(0, Math.min(query.count, userTotal - first + 1));
    const users: StoredUser[] =
      userCount > 0
        ? (
            await reads.users.list(
              tenantId,
              { ...userQuery, startIndex: first, count: userCount },
              { withGroups: !projectionExcludes(query, 'groups') },
            )
          ).resources
        : [];
    const groupCount = query.count - users.length;
    const groupStart = Math.max(1, first - userTotal);
    const groups: StoredResource[] =
      groupCount > 0 && groupStart <= groupTotal
        ? (await reads.groups.list(tenantId, { ...groupQuery, startIndex: groupStart, count: groupCount })).resources
        : [];
    const baseUrl = this.baseUrl;
    const context = {
      baseUrl,
      projection: query,
      members: (groupId: string) => reads.groups.members(tenantId, groupId),
    };
    async function* body(): JsonChunks {
      yield `{"schemas":${JSON.stringify([LIST_RESPONSE_SCHEMA])},"totalResults":${userTotal + groupTotal},"startIndex":${first},"itemsPerPage":${users.length + groups.length},"Resources":[`;
      let index = 0;
      for (const user of users) {
        yield (
          (index++ > 0 ? ',' : '') +
          JSON.stringify(projectResource(renderUser(user, baseUrl), query, USER_RESOURCE_TYPE))
        );
      }
      for (const group of groups) {
        if (index++ > 0) yield ',';
        yield* groupJson(group, context);
      }
      yield ']}';
    }
    return { status: 200, body: toStream(body()) };
  }
}
