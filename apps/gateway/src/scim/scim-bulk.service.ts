import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  CURRENT_FEATURES,
  ScimError,
  parseBulkRequest,
  runBulk,
  type BulkOperation,
  type BulkOutcome,
  type BulkResponse,
} from '@scim/scim';
import type { Caller } from '../auth/tenant.decorator';
import { GATEWAY_CONFIG, scimBaseUrl, type GatewayConfig } from '../config/gateway.config';
import { DependencyProbe } from '../health/dependency-probe.service';
import { knownScimError } from '../scim-errors';
import { ScimGroupsService, type GroupAnswer } from './scim-groups.service';
import { ScimUsersService } from './scim-users.service';

/**
 * RFC 7644 §3.7 Bulk: each operation is an ordinary write through the Users or Groups service
 * (same validation, queue, rules and operations log as a single request), run one after the
 * other by libs/scim's `runBulk`, which resolves bulkId references and honours `failOnErrors`.
 */
@Injectable()
export class ScimBulkService {
  private readonly logger = new Logger(ScimBulkService.name);
  private readonly baseUrl: string;

  constructor(
    private readonly users: ScimUsersService,
    private readonly groups: ScimGroupsService,
    private readonly probe: DependencyProbe,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.baseUrl = scimBaseUrl(config);
  }

  async run(caller: Caller, body: unknown, contentLength?: string): Promise<BulkResponse> {
    const bytes = contentLength !== undefined && /^\d+$/.test(contentLength) ? Number(contentLength) : undefined;
    const request = parseBulkRequest(body, CURRENT_FEATURES.bulk, bytes);
    // Once Postgres or Redis is found down, the remaining operations are answered 503 without being tried.
    let outage: ScimError | undefined;
    return runBulk(
      request,
      async (operation) => {
        if (outage) throw outage;
        try {
          return await this.apply(caller, operation);
        } catch (error) {
          const scimError = await this.asScimError(error, operation);
          if (scimError.status === 503 && !(error instanceof ScimError)) outage = scimError;
          throw scimError;
        }
      },
      { baseUrl: this.baseUrl },
    );
  }

  private async apply(caller: Caller, operation: BulkOperation): Promise<BulkOutcome> {
    const { version: ifMatch } = operation;
    if (operation.resource === 'Users') {
      switch (operation.method) {
        case 'POST': {
          const answer = await this.users.create(caller, operation.data);
          const id = answer.body?.['id'];
          return {
            ...outcomeOf(answer),
            ...(typeof id === 'string' ? { id } : { id: idFromLocation(answer.location) }),
          };
        }
        case 'PUT':
          return outcomeOf(await this.users.replace(caller, operation.id, operation.data, ifMatch));
        case 'PATCH':
          return outcomeOf(await this.users.patch(caller, operation.id, operation.data, ifMatch));
        case 'DELETE':
          return outcomeOf(await this.users.delete(caller, operation.id, ifMatch));
      }
    }
    switch (operation.method) {
      case 'POST': {
        const answer = groupOutcome(await this.groups.create(caller, operation.data));
        return { ...answer, id: idFromLocation(answer.location) };
      }
      case 'PUT':
        return groupOutcome(await this.groups.replace(caller, operation.id, operation.data, ifMatch));
      case 'PATCH':
        return groupOutcome(await this.groups.patch(caller, operation.id, operation.data, ifMatch));
      case 'DELETE':
        return groupOutcome(await this.groups.delete(caller, operation.id, ifMatch));
    }
  }

  /** Typed errors are mapped as the exception filter maps them (knownScimError); then outages and the unexpected. */
  private async asScimError(error: unknown, operation: BulkOperation): Promise<ScimError> {
    const known = knownScimError(error);
    if (known) return known;
    const down = await this.probe.outage();
    if (down) {
      return new ScimError(
        503,
        `The service is temporarily unavailable (${down} cannot be reached); this operation and the ones after it were not applied. Retry them later.`,
      );
    }
    this.logger.error(
      `Unexpected error in bulk operation ${operation.index} (${operation.method} /${operation.resource})`,
      error instanceof Error ? error.stack : String(error),
    );
    return new ScimError(
      500,
      'An unexpected error occurred while applying this operation. It has been logged; read the resource to see whether it was applied, then retry.',
    );
  }
}

function outcomeOf(answer: { status: number; version?: number; location?: string }): BulkOutcome {
  return {
    status: answer.status,
    ...(answer.version !== undefined ? { version: answer.version } : {}),
    ...(answer.location !== undefined ? { location: answer.location } : {}),
  };
}

/** A bulk response carries no resource bodies: the group's streamed body is discarded unread. */
function groupOutcome(answer: GroupAnswer): BulkOutcome {
  answer.body?.destroy();
  return outcomeOf(answer);
}

/** The id at the end of a resource's Location URL. */
function idFromLocation(location: string | undefined): string | undefined {
  const last = location?.split('/').pop();
  return last ? decodeURIComponent(last) : undefined;
}
