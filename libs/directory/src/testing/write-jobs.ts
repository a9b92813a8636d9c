import { randomUUID } from 'node:crypto';
import { PATCH_OP_SCHEMA, parsePatchRequest, parseUser, type JsonObject } from '@scim/scim';
import type { JsonDocument, MemberRefJson, WriteEnvelope } from '@scim/queue';

/**
 * Test support: directory jobs as the gateway enqueues them, for DirectoryWriter.apply in
 * integration tests: documents and PATCH operations parsed as the gateway parses them before it
 * enqueues them (the writer does not parse them again). `defaultTenant` is read when a job is built (tests create tenants in beforeAll).
 */
export function writeJobs(defaultTenant: () => string) {
  const envelope = (overrides: Partial<WriteEnvelope> = {}): WriteEnvelope => ({
    operationId: randomUUID(),
    tenantId: defaultTenant(),
    replyTo: 'unused',
    deadline: Date.now() + 60_000,
    ...overrides,
  });
  const parsedPatch = (operations: JsonDocument[]) =>
    parsePatchRequest({ schemas: [PATCH_OP_SCHEMA], Operations: operations as JsonObject[] });
  return {
    envelope,
    createUserJob: (user: JsonDocument, overrides: Partial<WriteEnvelope> = {}) => ({
      name: 'create-user' as const,
      data: { ...envelope(overrides), user: parseUser(user) },
    }),
    replaceUserJob: (userId: string, user: JsonDocument, overrides: Partial<WriteEnvelope> = {}) => ({
      name: 'replace-user' as const,
      data: { ...envelope(overrides), userId, user: parseUser(user) },
    }),
    patchUserJob: (userId: string, operations: JsonDocument[], overrides: Partial<WriteEnvelope> = {}) => ({
      name: 'patch-user' as const,
      data: { ...envelope(overrides), userId, operations: parsedPatch(operations) },
    }),
    deleteUserJob: (userId: string, overrides: Partial<WriteEnvelope> = {}) => ({
      name: 'delete-user' as const,
      data: { ...envelope(overrides), userId },
    }),
    createGroupJob: (group: JsonDocument, members: MemberRefJson[] = [], overrides: Partial<WriteEnvelope> = {}) => ({
      name: 'create-group' as const,
      data: { ...envelope(overrides), group, members },
    }),
    replaceGroupJob: (
      groupId: string,
      group: JsonDocument,
      members: MemberRefJson[] = [],
      overrides: Partial<WriteEnvelope> = {},
    ) => ({
      name: 'replace-group' as const,
      data: { ...envelope(overrides), groupId, group, members },
    }),
    patchGroupJob: (groupId: string, operations: JsonDocument[], overrides: Partial<WriteEnvelope> = {}) => ({
      name: 'patch-group' as const,
      data: { ...envelope(overrides), groupId, operations: parsedPatch(operations) },
    }),
    deleteGroupJob: (groupId: string, overrides: Partial<WriteEnvelope> = {}) => ({
      name: 'delete-group' as const,
      data: { ...envelope(overrides), groupId },
    }),
  };
}
