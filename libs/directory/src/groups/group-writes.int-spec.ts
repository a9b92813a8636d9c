import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { JsonDocument, WriteResult } from '@scim/queue';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA } from '@scim/scim';
import { createDirectoryDataSource } from '../database/data-source';
import { TenantRepository } from '../tenants/tenant.repository';
import { FailureReason } from '@scim/queue';
import { DirectoryWriter } from '../directory-writer';
import { OperationsLog } from '../operations/operations-log';
import { TenantSettingsCache } from '../tenants/tenant-settings.cache';

/** The reasons the gateway answers 400 invalidValue (scimErrorFor). */
const INVALID_VALUE = /^(INVALID_MEMBERS|INVALID_VALUE|WORK_EMAIL_REJECTED|INVALID_SETTING)$/;
/** The reasons the gateway answers with a 400 of any scimType. */
const FOUR_HUNDRED = /^(INVALID_[A-Z]+|WORK_EMAIL_REJECTED|NO_TARGET|MUTABILITY)$/;
import { createTestDatabase } from '../testing/test-database';
import { writeJobs } from '../testing/write-jobs';

interface OperationRow {
  id: string;
  tenant_id: string;
  kind: string;
  resource_type: string;
  resource_id: string | null;
  resource_name: string | null;
  external_id: string | null;
  outcome: 'succeeded' | 'failed';
  status: number | null;
  reason: string | null;
  error: string | null;
  notes: { members?: number } | null;
}

interface GroupRow {
  id: string;
  tenant_id: string;
  display_name: string;
  external_id: string | null;
  data: Record<string, unknown>;
  version: number;
}

const MS_GROUP_SCHEMA = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

let db: { url: string; drop(): Promise<void> };
let ds: DataSource;
let tenants: TenantRepository;
let writer: DirectoryWriter;
/** Most tests write here. */
let acme: string;
/** Another tenant, with the same work domain. */
let globex: string;

beforeAll(async () => {
  db = await createTestDatabase('group_writes');
  ds = createDirectoryDataSource({ url: db.url, poolSize: 25, applicationName: 'group-writes-int-spec' });
  await ds.initialize();
  tenants = new TenantRepository(ds);
  writer = new DirectoryWriter(ds, new TenantSettingsCache(tenants, 0));
  acme = (await tenants.create({ name: 'Acme', workDomains: ['acme.com'] })).tenant.id;
  globex = (await tenants.create({ name: 'Globex', workDomains: ['acme.com'] })).tenant.id;
}, 60_000);

afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

// ---------------------------------------------------------------------------------------------
// Jobs, as the gateway enqueues them

const { createUserJob, deleteUserJob, createGroupJob, replaceGroupJob, patchGroupJob, deleteGroupJob } = writeJobs(
  () => acme,
);

/** Entra's membership operations (entra-requests.md, "Groups"). */
const addMembers = (...ids: string[]) => ({
  op: 'Add',
  path: 'members',
  value: ids.map((value) => ({ $ref: null, value })),
});
const removeMembers = (...ids: string[]) => ({
  op: 'Remove',
  path: 'members',
  value: ids.map((value) => ({ $ref: null, value })),
});
const removeMemberByFilter = (id: string) => ({ op: 'remove', path: `members[value eq "${id}"]` });
const rename = (displayName: string) => ({ op: 'Replace', path: 'displayName', value: displayName });

let serial = 0;
function unique(prefix: string): string {
  serial += 1;
  return `${prefix} ${serial} ${randomUUID().slice(0, 8)}`;
}

function entraGroup(displayName: string, extra: JsonDocument = {}): JsonDocument {
  return {
    schemas: [GROUP_SCHEMA, MS_GROUP_SCHEMA],
    externalId: `ext-${displayName}`,
    displayName,
    meta: { resourceType: 'Group' },
    ...extra,
  };
}

function expectOk(result: WriteResult): Extract<WriteResult, { ok: true }> {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result)}`);
  return result;
}

function expectRefused(result: WriteResult): Extract<WriteResult, { ok: false }> {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
  return result;
}

/** Creates a user and returns its id. */
async function createUser(tenantId = acme, extra: JsonDocument = {}): Promise<string> {
  serial += 1;
  const userName = `member.${serial}.${randomUUID().slice(0, 8)}@acme.com`;
  const result = await writer.apply(
    createUserJob(
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE_USER_SCHEMA],
        externalId: `ext-${userName}`,
        userName,
        active: true,
        emails: [{ primary: true, type: 'work', value: userName }],
        name: { givenName: 'Test', familyName: 'Member' },
        ...extra,
      },
      { tenantId },
    ),
  );
  if (!result.ok || !result.resource) throw new Error(`create of ${userName} failed: ${JSON.stringify(result)}`);
  return result.resource.id;
}

/** Creates n users concurrently (a few at a time) and returns their ids. */
async function createUsers(n: number, tenantId = acme): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 20) {
    ids.push(...(await Promise.all(Array.from({ length: Math.min(20, n - i) }, () => createUser(tenantId)))));
  }
  return ids;
}

/** Creates a group and returns its id; fails the test if the create was refused. */
async function createGroup(members: string[] = [], tenantId = acme, displayName = unique('Team')): Promise<string> {
  const result = await writer.apply(
    createGroupJob(
      entraGroup(displayName),
      members.map((value) => ({ value })),
      { tenantId },
    ),
  );
  if (!result.ok || !result.resource)
    throw new Error(`create of group ${displayName} failed: ${JSON.stringify(result)}`);
  return result.resource.id;
}

async function patch(groupId: string, ...operations: JsonDocument[]): Promise<WriteResult> {
  return writer.apply(patchGroupJob(groupId, operations));
}

/** The group's member ids, sorted. */
async function memberIds(groupId: string): Promise<string[]> {
  const rows: { member_id: string }[] = await ds.query(
    'SELECT member_id FROM group_members WHERE group_id = $1 ORDER BY member_id',
    [groupId],
  );
  return rows.map((r) => r.member_id);
}

async function memberRows(groupId: string): Promise<
  {
    member_id: string;
    member_type: string;
    user_id: string | null;
    member_group_id: string | null;
    tenant_id: string;
  }[]
> {
  return ds.query(
    'SELECT member_id, member_type, user_id, member_group_id, tenant_id FROM group_members WHERE group_id = $1 ORDER BY member_id',
    [groupId],
  );
}

async function groupRow(id: string): Promise<GroupRow | undefined> {
  const rows: GroupRow[] = await ds.query(
    'SELECT id, tenant_id, display_name, external_id, data, version FROM groups WHERE id = $1',
    [id],
  );
  return rows[0];
}

async function userExists(id: string): Promise<boolean> {
  const rows: unknown[] = await ds.query('SELECT 1 FROM users WHERE id = $1', [id]);
  return rows.length === 1;
}

async function operation(operationId: string): Promise<OperationRow | undefined> {
  const rows: OperationRow[] = await ds.query('SELECT * FROM operations WHERE id = $1', [operationId]);
  return rows[0];
}

async function operationCount(operationId: string): Promise<number> {
  const rows: { n: string }[] = await ds.query('SELECT count(*) AS n FROM operations WHERE id = $1', [operationId]);
  return Number(rows[0]!.n);
}

const sorted = (ids: string[]) => [...ids].sort();

// ---------------------------------------------------------------------------------------------

describe('GroupWrites through DirectoryWriter', () => {
  describe('create-group', () => {
    it("creates Entra's empty group (201), returns the resource and records the operation", async () => {
      const displayName = unique('Empty');
      const job = createGroupJob(entraGroup(displayName));
      const result = expectOk(await writer.apply(job));

      expect(result.status).toBe(201);
      const resource = result.resource!;
      expect(resource.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(resource.version).toBe(1);
      expect(resource.data).toEqual({ externalId: `ext-${displayName}`, displayName });
      expect(resource.lastModified).toBe(resource.created);

      expect(await groupRow(resource.id)).toMatchObject({
        tenant_id: acme,
        display_name: displayName,
        external_id: `ext-${displayName}`,
        version: 1,
        data: resource.data,
      });
      expect(await memberIds(resource.id)).toEqual([]);
      expect(await operation(job.data.operationId)).toMatchObject({
        tenant_id: acme,
        kind: 'create-group',
        resource_type: 'Group',
        resource_id: resource.id,
        resource_name: displayName,
        external_id: `ext-${displayName}`,
        outcome: 'succeeded',
        status: 201,
        reason: null,
        error: null,
        notes: null,
      });
    });

    it('creates a group with members (users and a group), typed by what they are', async () => {
      const [u1, u2] = await createUsers(2);
      const nested = await createGroup();
      const job = createGroupJob(entraGroup(unique('WithMembers')), [
        { value: u1! },
        { value: u2!.toUpperCase(), type: 'User' },
        { value: nested },
      ]);
      const result = expectOk(await writer.apply(job));

      expect(result.status).toBe(201);
      const id = result.resource!.id;
      expect(result.resource!.data).not.toHaveProperty('members');
      const rows = await memberRows(id);
      expect(rows).toEqual(
        sorted([u1!, u2!, nested]).map((memberId) => ({
          member_id: memberId,
          member_type: memberId === nested ? 'Group' : 'User',
          user_id: memberId === nested ? null : memberId,
          member_group_id: memberId === nested ? memberId : null,
          tenant_id: acme,
        })),
      );
      expect((await operation(job.data.operationId))!.notes).toEqual({ members: 3 });
    });

    it('refuses a missing displayName with 400 invalidValue, recorded as failed', async () => {
      const job = createGroupJob({ schemas: [GROUP_SCHEMA], externalId: 'no-name' });
      const result = expectRefused(await writer.apply(job));
      expect(result).toMatchObject({ reason: expect.stringMatching(INVALID_VALUE) });
      expect(await operation(job.data.operationId)).toMatchObject({
        kind: 'create-group',
        resource_type: 'Group',
        outcome: 'failed',
        reason: expect.stringMatching(INVALID_VALUE),
        resource_id: null,
      });
    });

    it('refuses a create naming an unknown member: nothing is created', async () => {
      const displayName = unique('Unknown member');
      const missing = randomUUID();
      const job = createGroupJob(entraGroup(displayName), [{ value: missing }]);
      const result = expectRefused(await writer.apply(job));
      expect(result).toMatchObject({ reason: expect.stringMatching(INVALID_VALUE) });
      expect(result.detail).toContain(missing);
      const rows: unknown[] = await ds.query('SELECT 1 FROM groups WHERE display_name = $1', [displayName]);
      expect(rows).toHaveLength(0);
      expect(await operation(job.data.operationId)).toMatchObject({
        outcome: 'failed',
        reason: expect.stringMatching(INVALID_VALUE),
        resource_name: displayName,
      });
    });
  });

  describe('abandoned operations (the gateway lost its reply channel)', () => {
    it('a group create, member PATCH or delete abandoned before it runs never applies', async () => {
      const log = new OperationsLog(ds);
      const lost = {
        detail: 'The write was not applied: the queue went away.',
        reason: FailureReason.Unavailable,
      };
      const [user] = await createUsers(1);
      const groupId = await createGroup();
      const displayName = unique('Abandoned');
      const jobs = [
        createGroupJob(entraGroup(displayName), [{ value: user! }]),
        patchGroupJob(groupId, [addMembers(user!)]),
        deleteGroupJob(groupId),
      ];
      for (const job of jobs) expect(await log.abandon(job, lost)).toMatchObject({ reason: FailureReason.Unavailable });
      for (const job of jobs)
        expect(await writer.apply(job)).toEqual({ ok: false, reason: FailureReason.Unavailable, detail: lost.detail });
      expect(await groupRow(groupId)).toMatchObject({ version: 1 });
      expect(await memberIds(groupId)).toEqual([]);
      expect(await ds.query(`SELECT 1 FROM groups WHERE display_name = $1`, [displayName])).toEqual([]);
    });
  });

  describe('displayName uniqueness', () => {
    it('refuses the same displayName in another case with 409 uniqueness, recorded as failed', async () => {
      const displayName = unique('Sales Team');
      const first = await createGroup([], acme, displayName);
      const job = createGroupJob(entraGroup(displayName.toUpperCase()));
      const result = expectRefused(await writer.apply(job));

      expect(result).toMatchObject({ reason: FailureReason.DisplayNameTaken });
      expect(result.detail).toContain(displayName.toUpperCase());
      const rows: { id: string }[] = await ds.query(
        'SELECT id FROM groups WHERE tenant_id = $1 AND lower(display_name) = lower($2)',
        [acme, displayName],
      );
      expect(rows).toEqual([{ id: first }]);
      expect(await operation(job.data.operationId)).toMatchObject({
        kind: 'create-group',
        resource_type: 'Group',
        resource_name: displayName.toUpperCase(),
        outcome: 'failed',
        reason: FailureReason.DisplayNameTaken,
        error: result.detail,
      });
    });

    it('lets exactly one of 10 concurrent creates of one displayName (in different cases) win; the others get 409', async () => {
      const base = unique('race team');
      const variants = Array.from({ length: 10 }, (_, i) =>
        [...base].map((ch, j) => ((i >> (j % 4)) & 1 ? ch.toUpperCase() : ch)).join(''),
      );
      const results = await Promise.all(variants.map((name) => writer.apply(createGroupJob(entraGroup(name)))));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      for (const loser of results.filter((r) => !r.ok))
        expect(loser).toMatchObject({ reason: FailureReason.DisplayNameTaken });
      const rows: unknown[] = await ds.query(
        'SELECT 1 FROM groups WHERE tenant_id = $1 AND lower(display_name) = lower($2)',
        [acme, base],
      );
      expect(rows).toHaveLength(1);
    });

    it('allows the same displayName in another tenant', async () => {
      const displayName = unique('Shared Name');
      const a = await createGroup([], acme, displayName);
      const b = await createGroup([], globex, displayName);
      expect(a).not.toBe(b);
      expect((await groupRow(b))!.tenant_id).toBe(globex);
    });

    it('refuses renaming to a taken displayName (another case) with 409, leaving the group unchanged', async () => {
      const taken = unique('Taken');
      await createGroup([], acme, taken);
      const name = unique('Mine');
      const id = await createGroup([], acme, name);
      const result = expectRefused(await patch(id, rename(taken.toLowerCase())));
      expect(result).toMatchObject({ reason: FailureReason.DisplayNameTaken });
      expect(await groupRow(id)).toMatchObject({ display_name: name, version: 1 });
    });

    it("allows changing only the case of the group's own displayName", async () => {
      const name = unique('case change');
      const id = await createGroup([], acme, name);
      expectOk(await patch(id, rename(name.toUpperCase())));
      expect((await groupRow(id))!.display_name).toBe(name.toUpperCase());
    });
  });

  describe('patch-group: membership', () => {
    it('adds members (200) and treats adding a present member as a quiet no-op', async () => {
      const [u1, u2] = await createUsers(2);
      const id = await createGroup([u1!]);

      const first = expectOk(await patch(id, addMembers(u2!)));
      expect(first.status).toBe(200);
      expect(await memberIds(id)).toEqual(sorted([u1!, u2!]));

      const again = expectOk(await patch(id, addMembers(u1!, u2!)));
      expect(again.status).toBe(200);
      expect(await memberIds(id)).toEqual(sorted([u1!, u2!]));
    });

    it('adds the same member named twice in one request (in two cases) once', async () => {
      const u1 = await createUser();
      const id = await createGroup();
      expectOk(await patch(id, addMembers(u1, u1.toUpperCase())));
      expect(await memberIds(id)).toEqual([u1]);
    });

    it("Entra's Remove with a value array removes exactly those members and never wipes the group", async () => {
      const users = await createUsers(5);
      const id = await createGroup(users);
      expect(await memberIds(id)).toHaveLength(5);

      // The second id in upper case: ids compare case-insensitively.
      const result = expectOk(await patch(id, removeMembers(users[1]!, users[3]!.toUpperCase())));

      expect(result.status).toBe(200);
      expect(await memberIds(id)).toEqual(sorted([users[0]!, users[2]!, users[4]!]));
      for (const user of users) expect(await userExists(user)).toBe(true);
    });

    it('members[value eq "…"] removes that one member (the id in any case)', async () => {
      const users = await createUsers(3);
      const id = await createGroup(users);
      expectOk(await patch(id, removeMemberByFilter(users[0]!)));
      expect(await memberIds(id)).toEqual(sorted([users[1]!, users[2]!]));
      expectOk(await patch(id, removeMemberByFilter(users[1]!.toUpperCase())));
      expect(await memberIds(id)).toEqual([users[2]!]);
    });

    it('removing an absent member is not an error, in either form, and removes nothing else', async () => {
      const users = await createUsers(2);
      const outsider = await createUser();
      const id = await createGroup(users);
      expect(expectOk(await patch(id, removeMembers(outsider))).status).toBe(200);
      expect(expectOk(await patch(id, removeMemberByFilter(outsider))).status).toBe(200);
      expect(expectOk(await patch(id, removeMembers(randomUUID()))).status).toBe(200);
      expect(expectOk(await patch(id, removeMemberByFilter('not-a-uuid'))).status).toBe(200);
      expect(await memberIds(id)).toEqual(sorted(users));
    });

    it('remove "members" without a value removes every member and no user', async () => {
      const users = await createUsers(3);
      const id = await createGroup(users);
      expectOk(await patch(id, { op: 'remove', path: 'members' }));
      expect(await memberIds(id)).toEqual([]);
      expect(await groupRow(id)).toBeDefined();
      for (const user of users) expect(await userExists(user)).toBe(true);
    });

    it('replace members sets exactly the given members', async () => {
      const [u1, u2, u3] = await createUsers(3);
      const id = await createGroup([u1!, u2!]);
      expectOk(await patch(id, { op: 'replace', path: 'members', value: [{ value: u2! }, { value: u3! }] }));
      expect(await memberIds(id)).toEqual(sorted([u2!, u3!]));
      expectOk(await patch(id, { op: 'replace', path: 'members', value: [] }));
      expect(await memberIds(id)).toEqual([]);
    });

    it('replace members[value eq "x"] swaps that member for the given one', async () => {
      const [u1, u2, u3] = await createUsers(3);
      const id = await createGroup([u1!, u2!]);
      expectOk(await patch(id, { op: 'replace', path: `members[value eq "${u1}"]`, value: [{ value: u3! }] }));
      expect(await memberIds(id)).toEqual(sorted([u2!, u3!]));
    });

    it('a path-less replace sets displayName and members together', async () => {
      const [u1, u2] = await createUsers(2);
      const id = await createGroup([u1!]);
      const name = unique('Pathless');
      const result = expectOk(
        await patch(id, { op: 'replace', value: { displayName: name, members: [{ value: u2! }] } }),
      );
      expect(result.resource!.data['displayName']).toBe(name);
      expect(result.resource!.data).not.toHaveProperty('members');
      expect(await memberIds(id)).toEqual([u2!]);
    });

    it('removes members by type or display with a value filter', async () => {
      const [u1, u2] = await createUsers(2);
      const ada = await createUser(acme, { displayName: 'Ada Lovelace' });
      const nested = await createGroup();
      const id = await createGroup([u1!, u2!, ada, nested]);
      expectOk(await patch(id, { op: 'remove', path: 'members[type eq "Group"]' }));
      expect(await memberIds(id)).toEqual(sorted([u1!, u2!, ada]));
      expectOk(await patch(id, { op: 'remove', path: 'members[display eq "ada lovelace"]' }));
      expect(await memberIds(id)).toEqual(sorted([u1!, u2!]));
    });

    it('applies several operations of one PATCH in order', async () => {
      const [u1, u2, u3, u4] = await createUsers(4);
      const id = await createGroup([u4!]);
      const name = unique('Ordered');
      const result = expectOk(
        await patch(
          id,
          { op: 'remove', path: 'members' },
          addMembers(u1!, u2!),
          removeMembers(u1!),
          rename(name),
          addMembers(u3!),
        ),
      );
      expect(result.status).toBe(200);
      expect(result.resource!.data['displayName']).toBe(name);
      expect(result.resource!.version).toBe(2);
      expect(await memberIds(id)).toEqual(sorted([u2!, u3!]));

      // The same operations in another order give another result.
      expectOk(await patch(id, addMembers(u4!), { op: 'remove', path: 'members' }));
      expect(await memberIds(id)).toEqual([]);
    });

    it('applies NOTHING of a PATCH whose second operation names an unknown member, and answers 400 naming it', async () => {
      const [u1, u2] = await createUsers(2);
      const name = unique('Atomic');
      const id = await createGroup([u1!], acme, name);
      const missing = randomUUID();
      const job = patchGroupJob(id, [rename(unique('Never')), addMembers(u2!), addMembers(missing)]);
      const result = expectRefused(await writer.apply(job));

      expect(result).toMatchObject({ reason: expect.stringMatching(INVALID_VALUE) });
      expect(result.detail).toContain(missing);
      expect(result.detail).not.toContain(u2!);
      expect(await groupRow(id)).toMatchObject({ display_name: name, version: 1 });
      expect(await memberIds(id)).toEqual([u1!]);
      expect(await operation(job.data.operationId)).toMatchObject({
        kind: 'patch-group',
        resource_type: 'Group',
        resource_id: id,
        outcome: 'failed',
        reason: expect.stringMatching(INVALID_VALUE),
        error: result.detail,
      });
    });

    it('rolls back the add of the first operation when the second names an unknown member', async () => {
      const [u1, u2] = await createUsers(2);
      const id = await createGroup([u1!]);
      const missing = randomUUID();
      const result = expectRefused(await patch(id, addMembers(u2!), addMembers(missing)));
      expect(result).toMatchObject({ reason: expect.stringMatching(INVALID_VALUE) });
      expect(result.detail).toContain(missing);
      expect(await memberIds(id)).toEqual([u1!]);
      expect((await groupRow(id))!.version).toBe(1);
    });

    it('rolls back an earlier remove when a later operation fails', async () => {
      const users = await createUsers(3);
      const id = await createGroup(users);
      const result = expectRefused(await patch(id, { op: 'remove', path: 'members' }, addMembers('not-a-uuid')));
      expect(result).toMatchObject({ reason: expect.stringMatching(INVALID_VALUE) });
      expect(await memberIds(id)).toEqual(sorted(users));
    });

    it("refuses another tenant's user as a member (400), and a non-UUID value (400 naming it)", async () => {
      const foreign = await createUser(globex);
      const id = await createGroup();

      const cross = expectRefused(await patch(id, addMembers(foreign)));
      expect(cross).toMatchObject({ reason: expect.stringMatching(INVALID_VALUE) });
      expect(cross.detail).toContain(foreign);

      const bad = expectRefused(await patch(id, addMembers('f648f8d5ea4e4cd38e9c')));
      expect(bad).toMatchObject({ reason: expect.stringMatching(INVALID_VALUE) });
      expect(bad.detail).toContain('f648f8d5ea4e4cd38e9c');

      expect(await memberIds(id)).toEqual([]);
    });

    it("refuses another tenant's group as a member, and creating a group with another tenant's user", async () => {
      const foreignGroup = await createGroup([], globex);
      const id = await createGroup();
      expect(expectRefused(await patch(id, addMembers(foreignGroup)))).toMatchObject({
        reason: expect.stringMatching(INVALID_VALUE),
      });
      const foreignUser = await createUser(globex);
      expect(
        expectRefused(await writer.apply(createGroupJob(entraGroup(unique('Cross')), [{ value: foreignUser }]))),
      ).toMatchObject({ reason: expect.stringMatching(INVALID_VALUE) });
    });

    it("does not reach another tenant's group", async () => {
      const user = await createUser(globex);
      const foreignGroup = await createGroup([], globex);
      const result = expectRefused(await writer.apply(patchGroupJob(foreignGroup, [addMembers(user)])));
      expect(result).toMatchObject({ reason: FailureReason.NotFound });
      expect(await memberIds(foreignGroup)).toEqual([]);
    });

    it('answers 404 for an unknown group id and for "not-a-uuid"', async () => {
      expect(expectRefused(await patch(randomUUID(), rename('x')))).toMatchObject({ reason: FailureReason.NotFound });
      expect(expectRefused(await patch('not-a-uuid', rename('x')))).toMatchObject({ reason: FailureReason.NotFound });
      expect(expectRefused(await writer.apply(deleteGroupJob('not-a-uuid')))).toMatchObject({
        reason: FailureReason.NotFound,
      });
      expect(
        expectRefused(await writer.apply(replaceGroupJob(randomUUID(), entraGroup(unique('Nope'))))),
      ).toMatchObject({
        reason: FailureReason.NotFound,
      });
    });

    it('adds and removes 1,000 members in one PATCH', async () => {
      const users = await createUsers(1000);
      const id = await createGroup();

      expectOk(await patch(id, addMembers(...users)));
      expect(await memberIds(id)).toEqual(sorted(users));

      const removed = users.filter((_, i) => i % 2 === 0);
      expectOk(await patch(id, removeMembers(...removed)));
      expect(await memberIds(id)).toEqual(sorted(users.filter((_, i) => i % 2 === 1)));
    }, 120_000);

    it('keeps every member of 10 concurrent PATCHes that each add a different user', async () => {
      const users = await createUsers(10);
      const id = await createGroup();
      const results = await Promise.all(users.map((user) => patch(id, addMembers(user))));
      for (const result of results) expect(expectOk(result).status).toBe(200);
      expect(await memberIds(id)).toEqual(sorted(users));
      expect((await groupRow(id))!.version).toBe(11);
    });

    it('keeps a consistent set under concurrent adds and removes of distinct members', async () => {
      const users = await createUsers(10);
      const id = await createGroup(users.slice(0, 5));
      const results = await Promise.all([
        ...users.slice(0, 5).map((user) => patch(id, removeMembers(user))),
        ...users.slice(5).map((user) => patch(id, addMembers(user))),
      ]);
      for (const result of results) expectOk(result);
      expect(await memberIds(id)).toEqual(sorted(users.slice(5)));
    });
  });

  describe('patch-group: document', () => {
    it('refuses removing displayName (400 invalidValue) and keeps the group', async () => {
      const name = unique('Keep name');
      const id = await createGroup([], acme, name);
      expect(expectRefused(await patch(id, { op: 'remove', path: 'displayName' }))).toMatchObject({
        reason: expect.stringMatching(INVALID_VALUE),
      });
      expect(await groupRow(id)).toMatchObject({ display_name: name, version: 1 });
    });

    it('replaces and removes externalId, keeping display_name and external_id in step', async () => {
      const id = await createGroup();
      expectOk(await patch(id, { op: 'replace', path: 'externalId', value: 'new-ext' }));
      expect(await groupRow(id)).toMatchObject({
        external_id: 'new-ext',
        data: expect.objectContaining({ externalId: 'new-ext' }),
      });
      expectOk(await patch(id, { op: 'remove', path: 'externalId' }));
      const row = (await groupRow(id))!;
      expect(row.external_id).toBeNull();
      expect(row.data).not.toHaveProperty('externalId');
    });

    it('does not apply a PATCH past its deadline and answers 503', async () => {
      const user = await createUser();
      const id = await createGroup();
      const result = expectRefused(
        await writer.apply(patchGroupJob(id, [addMembers(user)], { deadline: Date.now() - 1 })),
      );
      expect(result).toMatchObject({ reason: FailureReason.TimedOut });
      expect(await memberIds(id)).toEqual([]);
    });
  });

  describe('groups as members', () => {
    it('lets a group be a member of another group (typed Group)', async () => {
      const inner = await createGroup();
      const outer = await createGroup();
      expectOk(await patch(outer, { op: 'add', path: 'members', value: [{ value: inner, type: 'Group' }] }));
      expect(await memberRows(outer)).toEqual([
        { member_id: inner, member_type: 'Group', user_id: null, member_group_id: inner, tenant_id: acme },
      ]);
    });

    it('refuses a group as a member of itself (400), also in a replace and in any case', async () => {
      const user = await createUser();
      const id = await createGroup([user]);
      const self = expectRefused(await patch(id, addMembers(id)));
      expect(self).toMatchObject({ reason: expect.stringMatching(INVALID_VALUE) });
      expect(self.detail).toContain(id);
      expect(expectRefused(await patch(id, addMembers(id.toUpperCase())))).toMatchObject({
        reason: expect.stringMatching(INVALID_VALUE),
      });
      expect(expectRefused(await patch(id, { op: 'replace', path: 'members', value: [{ value: id }] }))).toMatchObject({
        reason: expect.stringMatching(INVALID_VALUE),
      });
      expect(
        expectRefused(await writer.apply(replaceGroupJob(id, entraGroup(unique('Self')), [{ value: id }]))),
      ).toMatchObject({ reason: expect.stringMatching(INVALID_VALUE) });
      expect(await memberIds(id)).toEqual([user]);
    });
  });

  describe('deletes', () => {
    it('deleting a user removes its memberships and leaves the groups and other members', async () => {
      const [u1, u2] = await createUsers(2);
      const g1 = await createGroup([u1!, u2!]);
      const g2 = await createGroup([u1!]);
      expectOk(await writer.apply(deleteUserJob(u1!)));

      const rows: unknown[] = await ds.query('SELECT 1 FROM group_members WHERE member_id = $1', [u1]);
      expect(rows).toHaveLength(0);
      expect(await memberIds(g1)).toEqual([u2!]);
      expect(await memberIds(g2)).toEqual([]);
      expect(await groupRow(g1)).toBeDefined();
      expect(await groupRow(g2)).toBeDefined();
    });

    it('deleting a group (204) removes its memberships, its membership in other groups, and no user', async () => {
      const users = await createUsers(3);
      const id = await createGroup(users);
      const parent = await createGroup([id, users[0]!]);
      const job = deleteGroupJob(id);
      const result = expectOk(await writer.apply(job));

      expect(result.status).toBe(204);
      expect(await groupRow(id)).toBeUndefined();
      expect(await memberIds(id)).toEqual([]);
      expect(await memberIds(parent)).toEqual([users[0]!]);
      for (const user of users) expect(await userExists(user)).toBe(true);
      expect(await operation(job.data.operationId)).toMatchObject({
        kind: 'delete-group',
        resource_type: 'Group',
        resource_id: id,
        outcome: 'succeeded',
        status: 204,
      });
    });

    it('a delete of an unknown group is 404, recorded as failed', async () => {
      const job = deleteGroupJob(randomUUID());
      expect(expectRefused(await writer.apply(job))).toMatchObject({ reason: FailureReason.NotFound });
      expect(await operation(job.data.operationId)).toMatchObject({
        kind: 'delete-group',
        resource_type: 'Group',
        outcome: 'failed',
        reason: FailureReason.NotFound,
      });
    });
  });

  describe('replace-group', () => {
    it('replaces the document and the members, bumping the version', async () => {
      const [u1, u2] = await createUsers(2);
      const id = await createGroup([u1!]);
      const name = unique('Replaced');
      const result = expectOk(
        await writer.apply(replaceGroupJob(id, { schemas: [GROUP_SCHEMA], displayName: name }, [{ value: u2! }])),
      );
      expect(result.status).toBe(200);
      expect(result.resource!.data).toEqual({ displayName: name });
      expect(result.resource!.version).toBe(2);
      expect(await memberIds(id)).toEqual([u2!]);
    });
  });

  describe('idempotency: the same job applied twice has the effect of once', () => {
    it('patch-group: the replay answers what was recorded and leaves membership unchanged', async () => {
      const [u1, u2] = await createUsers(2);
      const id = await createGroup([u1!]);
      const job = patchGroupJob(id, [addMembers(u2!)]);
      const first = expectOk(await writer.apply(job));
      // Meanwhile Entra removes the member again; the redelivered add must not bring it back.
      expectOk(await patch(id, removeMembers(u2!)));
      const version = (await groupRow(id))!.version;

      const second = expectOk(await writer.apply(job));
      expect(second.status).toBe(first.status);
      expect(second.resource!.id).toBe(id);
      expect(await memberIds(id)).toEqual([u1!]);
      expect((await groupRow(id))!.version).toBe(version);
      expect(await operationCount(job.data.operationId)).toBe(1);
    });

    it('patch-group replay of a plain add: same answer, one version bump, same members', async () => {
      const u1 = await createUser();
      const id = await createGroup();
      const job = patchGroupJob(id, [addMembers(u1)]);
      const first = expectOk(await writer.apply(job));
      const second = expectOk(await writer.apply(job));
      expect(second).toEqual(first);
      expect((await groupRow(id))!.version).toBe(2);
      expect(await memberIds(id)).toEqual([u1]);
    });

    it('create-group: one group, one operations row, the same id', async () => {
      const job = createGroupJob(entraGroup(unique('Replayed')));
      const first = expectOk(await writer.apply(job));
      const second = expectOk(await writer.apply(job));
      expect(second.status).toBe(201);
      expect(second.resource!.id).toBe(first.resource!.id);
      const rows: unknown[] = await ds.query('SELECT 1 FROM groups WHERE display_name = $1', [
        job.data.group['displayName'],
      ]);
      expect(rows).toHaveLength(1);
      expect(await operationCount(job.data.operationId)).toBe(1);
    });

    it('delete-group: 204 both times', async () => {
      const id = await createGroup();
      const job = deleteGroupJob(id);
      expect(expectOk(await writer.apply(job)).status).toBe(204);
      expect(expectOk(await writer.apply(job)).status).toBe(204);
      expect(await operationCount(job.data.operationId)).toBe(1);
    });

    it('a refused patch replays its refusal', async () => {
      const id = await createGroup();
      const job = patchGroupJob(id, [addMembers(randomUUID())]);
      const first = expectRefused(await writer.apply(job));
      const second = expectRefused(await writer.apply(job));
      expect(second).toEqual(first);
    });
  });

  describe('If-Match', () => {
    it('refuses a PATCH whose If-Match does not match the current version with 412, changing nothing', async () => {
      const user = await createUser();
      const name = unique('Guarded');
      const id = await createGroup([], acme, name);
      const result = expectRefused(
        await writer.apply(patchGroupJob(id, [rename(unique('Nope')), addMembers(user)], { ifMatch: 'W/"7"' })),
      );
      expect(result).toMatchObject({ reason: FailureReason.VersionMismatch });
      expect(await groupRow(id)).toMatchObject({ display_name: name, version: 1 });
      expect(await memberIds(id)).toEqual([]);
    });

    it('applies a PATCH whose If-Match matches (or is *)', async () => {
      const user = await createUser();
      const id = await createGroup();
      expectOk(await writer.apply(patchGroupJob(id, [addMembers(user)], { ifMatch: 'W/"1"' })));
      expectOk(await writer.apply(patchGroupJob(id, [removeMembers(user)], { ifMatch: '*' })));
      expect((await groupRow(id))!.version).toBe(3);
    });

    it('refuses a PUT and a DELETE on a stale If-Match with 412', async () => {
      const id = await createGroup();
      expectOk(await patch(id, rename(unique('Bumped'))));
      expect(
        expectRefused(await writer.apply(replaceGroupJob(id, entraGroup(unique('Stale')), [], { ifMatch: 'W/"1"' }))),
      ).toMatchObject({ reason: FailureReason.VersionMismatch });
      expect(expectRefused(await writer.apply(deleteGroupJob(id, { ifMatch: 'W/"1"' })))).toMatchObject({
        reason: FailureReason.VersionMismatch,
      });
      expect(await groupRow(id)).toBeDefined();
      expect(expectOk(await writer.apply(deleteGroupJob(id, { ifMatch: 'W/"2"' }))).status).toBe(204);
    });
  });

  describe('operations log', () => {
    it('records a patch under resource_type Group with the new displayName', async () => {
      const id = await createGroup();
      const name = unique('Logged');
      const job = patchGroupJob(id, [rename(name)]);
      expectOk(await writer.apply(job));
      expect(await operation(job.data.operationId)).toMatchObject({
        tenant_id: acme,
        kind: 'patch-group',
        resource_type: 'Group',
        resource_id: id,
        resource_name: name,
        outcome: 'succeeded',
        status: 200,
      });
    });

    it('records a replace with its displayName', async () => {
      const id = await createGroup();
      const name = unique('Replace logged');
      const job = replaceGroupJob(id, entraGroup(name));
      expectOk(await writer.apply(job));
      expect(await operation(job.data.operationId)).toMatchObject({
        kind: 'replace-group',
        resource_type: 'Group',
        resource_id: id,
        resource_name: name,
        external_id: `ext-${name}`,
        outcome: 'succeeded',
        status: 200,
      });
    });

    it('records a PATCH the group refuses as failed (400)', async () => {
      const id = await createGroup();
      // Well-formed (the gateway parsed it), but a member's display is read-only.
      const job = patchGroupJob(id, [{ op: 'replace', path: 'members[value eq "x"].display', value: 'y' }]);
      const result = expectRefused(await writer.apply(job));
      expect(result).toMatchObject({ reason: expect.stringMatching(FOUR_HUNDRED) });
      expect(await operation(job.data.operationId)).toMatchObject({
        kind: 'patch-group',
        resource_type: 'Group',
        resource_id: id,
        outcome: 'failed',
        reason: result.reason,
      });
    });

    it('records a PATCH of a read-only member sub-attribute as failed (400 mutability)', async () => {
      const user = await createUser();
      const id = await createGroup([user]);
      const job = patchGroupJob(id, [{ op: 'replace', path: `members[value eq "${user}"].display`, value: 'x' }]);
      expect(expectRefused(await writer.apply(job))).toMatchObject({ reason: FailureReason.Mutability });
      expect(await operation(job.data.operationId)).toMatchObject({
        outcome: 'failed',
        reason: FailureReason.Mutability,
      });
      expect(await memberIds(id)).toEqual([user]);
    });
  });

  describe('reported bugs', () => {
    // BUG (reported): `remove` with path "members.value" is planned as remove-all-members, so it
    // wipes the group instead of being refused (400 mutability) like `members[...].value`.
    it('remove "members.value" does not wipe the group', async () => {
      const users = await createUsers(3);
      const id = await createGroup(users);
      const result = await patch(id, { op: 'remove', path: 'members.value' });
      expect(result).toMatchObject({ ok: false, reason: FailureReason.Mutability });
      expect(await memberIds(id)).toEqual(sorted(users));
    });

    // BUG (reported): members inside a path-less value under the core Group schema URN key are
    // not recognised as members by planGroupPatch: they go to the document step and are silently
    // dropped by validateGroupDocument, so the PATCH answers 200 and adds nobody.
    it('a path-less add with members under the core Group URN adds them (or is refused)', async () => {
      const user = await createUser();
      const id = await createGroup();
      const result = await patch(id, { op: 'add', value: { [GROUP_SCHEMA]: { members: [{ value: user }] } } });
      if (result.ok) expect(await memberIds(id)).toEqual([user]);
      else expect(result).toMatchObject({ reason: expect.stringMatching(FOUR_HUNDRED) });
    });
  });
});
