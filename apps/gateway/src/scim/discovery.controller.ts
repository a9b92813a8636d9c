import { Controller, Get, Inject, Param } from '@nestjs/common';
import {
  ScimError,
  GROUP_RESOURCE_TYPE,
  USER_RESOURCE_TYPE,
  listResponse,
  resourceTypeDocument,
  schemaDocument,
  schemasOf,
  serviceProviderConfig,
  type ResourceTypeDefinition,
} from '@scim/scim';
import { GATEWAY_CONFIG, scimBaseUrl, type GatewayConfig } from '../config/gateway.config';

/** The resource types this gateway serves; discovery lists exactly these. */
export const SERVED_RESOURCE_TYPES: readonly ResourceTypeDefinition[] = [USER_RESOURCE_TYPE, GROUP_RESOURCE_TYPE];

/** RFC 7644 §4 discovery endpoints. They describe the service, not a tenant, so need no token. */
@Controller('api/scim')
export class DiscoveryController {
  private readonly baseUrl: string;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.baseUrl = scimBaseUrl(config);
  }

  @Get('ServiceProviderConfig')
  serviceProviderConfig() {
    return serviceProviderConfig(this.baseUrl);
  }

  @Get('Schemas')
  schemas() {
    const schemas = schemasOf(SERVED_RESOURCE_TYPES).map((s) => schemaDocument(s, this.baseUrl));
    return listResponse(schemas, schemas.length, 1);
  }

  @Get('Schemas/:id')
  schema(@Param('id') id: string) {
    const schema = schemasOf(SERVED_RESOURCE_TYPES).find((s) => s.id.toLowerCase() === id.toLowerCase());
    if (!schema) throw ScimError.notFound(`No schema "${id}". See ${this.baseUrl}/Schemas for the list.`);
    return schemaDocument(schema, this.baseUrl);
  }

  @Get('ResourceTypes')
  resourceTypes() {
    const types = SERVED_RESOURCE_TYPES.map((rt) => resourceTypeDocument(rt, this.baseUrl));
    return listResponse(types, types.length, 1);
  }

  @Get('ResourceTypes/:id')
  resourceType(@Param('id') id: string) {
    const type = SERVED_RESOURCE_TYPES.find((rt) => rt.name.toLowerCase() === id.toLowerCase());
    if (!type) throw ScimError.notFound(`No resource type "${id}". See ${this.baseUrl}/ResourceTypes for the list.`);
    return resourceTypeDocument(type, this.baseUrl);
  }
}
