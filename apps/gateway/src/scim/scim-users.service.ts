import { Inject, Injectable } from '@nestjs/common';
import {
  ScimError,
  USER_RESOURCE_TYPE,
  listResponse,
  parseListQuery,
  parsePatchRequest,
  parseUser,
  projectResource,
  projectionExcludes,
  renderUser,
  type JsonObject,
  type ListQuery,
  type ListResponse,
  type PatchOperation,
  type Projection,
  type StoredUser,
  etagMatches,
} from '@scim/scim';
import type { WriteResult } from '@scim/queue';
import type { Caller } from '../auth/tenant.decorator';
import { GATEWAY_CONFIG, scimBaseUrl, type GatewayConfig } from '../config/gateway.config';
import { answerFromWrite, type ScimAnswer } from '../http/scim-answer';
import { DirectoryClient } from '../queue/directory.client';
import { ReadRouter } from '../replica/read-router';

type QueryParams = Record<string, string | undefined>;

/**
 * The Users resource: reads straight from Postgres, writes validated here and applied by the
 * worker through the `directory` queue.
 */
@Injectable()
export class ScimUsersService {
  private readonly baseUrl: string;

  constructor(
    private readonly directory: DirectoryClient,
    private readonly router: ReadRouter,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.baseUrl = scimBaseUrl(config);
  }

  /** A PUT or PATCH answer shows the user as a GET would, with its groups (a new user has none). */
  private async answerWithGroups(result: WriteResult, projection: Projection): Promise<ScimAnswer> {
    const groups =
      result.ok && result.resource && !projectionExcludes(projection, 'groups')
        ? await this.router.primary.users.groupsOf(result.resource.id)
        : undefined;
    return answerFromWrite(result, (resource) => this.render(groups ? { ...resource, groups } : resource, projection));
  }

  private render(resource: StoredUser, projection: Projection = {}): JsonObject {
    return projectResource(renderUser(resource, this.baseUrl), projection, USER_RESOURCE_TYPE);
  }

  /** With `If-None-Match` naming the current version, 304 without a body (RFC 7644 §3.14). */
  async get(tenantId: string, id: string, params: QueryParams, ifNoneMatch?: string): Promise<ScimAnswer> {
    const projection = parseListQuery(params);
    const user = await this.router.read(tenantId, (reads) =>
      reads.users.findById(tenantId, id, { withGroups: !projectionExcludes(projection, 'groups') }),
    );
    if (!user) throw ScimError.notFound(`No user with id "${id}" in this tenant.`);
    if (etagMatches(ifNoneMatch, user.version)) return { status: 304, version: user.version };
    return { status: 200, body: this.render(user, projection), version: user.version };
  }

  list(tenantId: string, params: QueryParams): Promise<ListResponse> {
    return this.search(tenantId, parseListQuery(params));
  }

  /** GET /Users and POST /Users/.search. */
  async search(tenantId: string, query: ListQuery): Promise<ListResponse> {
    const page = await this.router.read(tenantId, (reads) =>
      reads.users.list(tenantId, query, { withGroups: !projectionExcludes(query, 'groups') }),
    );
    return listResponse(
      page.resources.map((user) => this.render(user, query)),
      page.totalResults,
      query.startIndex,
    );
  }

  // Write answers honour `attributes` / `excludedAttributes` too (RFC 7644 §3.9).
  async create(caller: Caller, body: unknown, params: QueryParams = {}): Promise<ScimAnswer> {
    const user = parseUser(body);
    const result = await this.directory.write('create-user', { ...caller, user });
    return answerFromWrite(result, (resource) => this.render(resource, parseListQuery(params)));
  }

  async replace(
    caller: Caller,
    userId: string,
    body: unknown,
    ifMatch?: string,
    params: QueryParams = {},
  ): Promise<ScimAnswer> {
    return this.update(caller, userId, { user: parseUser(body) }, ifMatch, params);
  }

  async patch(
    caller: Caller,
    userId: string,
    body: unknown,
    ifMatch?: string,
    params: QueryParams = {},
  ): Promise<ScimAnswer> {
    // Checked here so that a malformed PATCH (or a password) never reaches the queue; only the operations travel.
    return this.update(caller, userId, { operations: parsePatchRequest(body) }, ifMatch, params);
  }

  /** PUT (a whole user) or PATCH (operations): the write, conditional on If-Match when given, answered with the groups. */
  private async update(
    caller: Caller,
    userId: string,
    change: { user: JsonObject } | { operations: PatchOperation[] },
    ifMatch: string | undefined,
    params: QueryParams,
  ): Promise<ScimAnswer> {
    const target = { ...caller, userId, ...(ifMatch ? { ifMatch } : {}) };
    const result =
      'user' in change
        ? await this.directory.write('replace-user', { ...target, ...change })
        : await this.directory.write('patch-user', { ...target, ...change });
    return this.answerWithGroups(result, parseListQuery(params));
  }

  async delete(caller: Caller, userId: string, ifMatch?: string): Promise<ScimAnswer> {
    const result = await this.directory.write('delete-user', { ...caller, userId, ...(ifMatch ? { ifMatch } : {}) });
    return answerFromWrite(result, (resource) => this.render(resource));
  }
}
