import { InvalidDirectoryJob, directoryWritesOf } from './directory-job.schema';
import { WRITE_BATCH_JOB } from './directory.jobs';

const envelope = { operationId: 'op-1', tenantId: 'tenant-1', replyTo: 'replies', deadline: 1 };
// What parsePatchRequest returns for `replace displayName`, after the queue's JSON round trip.
const parsedReplace = {
  op: 'replace',
  path: { type: 'attrPath', text: 'displayName', attrPath: { name: 'displayName' } },
  value: 'Ada',
};

describe('directoryWritesOf', () => {
  it('takes a user and parsed PATCH operations as the gateway enqueues them', () => {
    const user = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ada@acme.com' };
    expect(directoryWritesOf({ name: 'create-user', data: { ...envelope, user } })).toEqual([
      { name: 'create-user', data: { ...envelope, user } },
    ]);
    const patch = { name: 'patch-group', data: { ...envelope, groupId: 'g', operations: [parsedReplace] } };
    expect(directoryWritesOf({ name: WRITE_BATCH_JOB, data: { writes: [patch] } })).toEqual([patch]);
  });

  it('refuses a raw PATCH body: the worker does not parse one', () => {
    const raw = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace' }] };
    expect(() => directoryWritesOf({ name: 'patch-user', data: { ...envelope, userId: 'u', patch: raw } })).toThrow(
      InvalidDirectoryJob,
    );
    expect(() =>
      directoryWritesOf({ name: 'patch-user', data: { ...envelope, userId: 'u', operations: [{ op: 'Replace' }] } }),
    ).toThrow(/parsed PATCH operation/);
    expect(() => directoryWritesOf({ name: 'patch-user', data: { ...envelope, userId: 'u', operations: [] } })).toThrow(
      InvalidDirectoryJob,
    );
  });

  it('refuses a user without the userName the uniqueness rule needs', () => {
    expect(() =>
      directoryWritesOf({ name: 'create-user', data: { ...envelope, user: { displayName: 'Ada' } } }),
    ).toThrow(/a user document with a userName/);
  });

  it('refuses an unknown job name', () => {
    expect(() => directoryWritesOf({ name: 'drop-tenant', data: envelope })).toThrow(InvalidDirectoryJob);
  });
});
