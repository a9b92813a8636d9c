import type { JsonObject } from '../json';
import { LIST_RESPONSE_SCHEMA } from '../schema/urns';

export interface ListResponse {
  schemas: [typeof LIST_RESPONSE_SCHEMA];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: JsonObject[];
}

export function listResponse(resources: JsonObject[], totalResults: number, startIndex: number): ListResponse {
  return {
    schemas: [LIST_RESPONSE_SCHEMA],
    totalResults,
    startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
