import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { JsonDocument, MemberRefJson } from '@scim/queue';
import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  parseFilter,
  parseUser,
  type MemberRow,
  type StoredResource,
} from '@scim/scim';
import { createDirectoryDataSource, createGuardedPool } from '../database/data-source';
import { DirectoryWriter } from '../directory-writer';
import { TenantSettingsCache } from '../tenants/tenant-settings.cache';
import { GroupRepository } from './group.repository';
import { TenantRepository } from '../tenants/tenant.repository';
import { UserRepository } from '../users/user.repository';
import { createTestDatabase } from '../testing/test-database';

let db: { url: string; drop(): Promise<void> };
let ds: DataSource;
let writer: DirectoryWriter;
let groups: GroupRepository;
let users: UserRepository;
let tenantA: string;
let tenantB: string;

// ---------------------------------------------------------------------------------------------
// The data set (tenant A unless noted)
//   people[0..6]  seven users; 0, 2, 4, 6 have a displayName, 1, 3, 5 only a userName
//   loner         a user in no group
//   engineering   members people[0..6]                   (7 users)
//   sales         members people[0], people[1]            (2 users)
//   leads         members engineering, sales              (groups only)
//   mixed         members people[2], engineering          (a user and a group)
//   empty         no members
//   tenant B: "Engineering" (same name), with a tenant B user

const people: { id: string; userName: string; displayName?: string }[] = [];
let loner: string;
let engineering: StoredResource;
let sales: StoredResource;
let leads: StoredResource;
let mixed: StoredResource;
let empty: StoredResource;
let engineeringB: StoredResource;
let userB: string;

function envelope(tenantId: string) {
  return { operationId: randomUUID(), tenantId, replyTo: 'unused', deadline: Date.now() + 60_000 };
}

async function createUser(tenantId: string, userName: string, displayName?: string): Promise<string> {
  const user: JsonDocument = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE_USER_SCHEMA],
    userName,
    externalId: `ext-${userName}`,
    active: true,
    emails: [{ primary: true, type: 'work', value: userName }],
  };
  if (displayName) user['displayName'] = displayName;
  const result = await writer.apply({ name: 'create-user', data: { ...envelope(tenantId), user: parseUser(user) } });
  if (!result.ok || !result.resource) throw new Error(`could not create ${userName}: ${JSON.stringify(result)}`);
  return result.resource.id;
}

async function createGroup(
  tenantId: string,
  displayName: string,
  externalId: string | undefined,
  members: string[],
): Promise<StoredResource> {
  const group: JsonDocument = { schemas: [GROUP_SCHEMA], displayName };
  if (externalId !== undefined) group['externalId'] = externalId;
  const refs: MemberRefJson[] = members.map((value) => ({ value }));
  const result = await writer.apply({ name: 'create-group', data: { ...envelope(tenantId), group, members: refs } });
  if (!result.ok || !result.resource)
    throw new Error(`could not create group ${displayName}: ${JSON.stringify(result)}`);
  return result.resource as StoredResource;
}

/** Ids of tenant A's groups matching the filter, in list order. */
async function ids(filter: string, tenantId = tenantA): Promise<string[]> {
  const page = await groups.list(tenantId, { filter: parseFilter(filter), startIndex: 1, count: 100 });
  expect(page.totalResults).toBe(page.resources.length);
  return page.resources.map((g) => g.id);
}

async function collect(pages: AsyncIterable<MemberRow[]>): Promise<MemberRow[][]> {
  const result: MemberRow[][] = [];
  for await (const page of pages) result.push(page);
  return result;
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

beforeAll(async () => {
  db = await createTestDatabase('group_repository');
  ds = createDirectoryDataSource({ url: db.url, applicationName: 'group-repository-int-spec' });
  await ds.initialize();
  const tenants = new TenantRepository(ds);
  writer = new DirectoryWriter(ds, new TenantSettingsCache(tenants, 60_000));
  groups = new GroupRepository(ds);
  users = new UserRepository(ds);
  tenantA = (await tenants.create({ name: 'Tenant A', workDomains: ['acme.com'] })).tenant.id;
  tenantB = (await tenants.create({ name: 'Tenant B', workDomains: ['acme.com'] })).tenant.id;

  const names = ['ada', 'barbara', 'carlos', 'dana', 'elodie', 'farid', 'grace'];
  for (const [i, name] of names.entries()) {
    const userName = `${name}@acme.com`;
    const displayName = i % 2 === 0 ? `${name[0]!.toUpperCase()}${name.slice(1)} Person` : undefined;
    people.push({
      id: await createUser(tenantA, userName, displayName),
      userName,
      ...(displayName ? { displayName } : {}),
    });
  }
  loner = await createUser(tenantA, 'loner@acme.com', 'Lone Wolf');

  // Creation order is list order: engineering, sales, leads, mixed, empty.
  engineering = await createGroup(
    tenantA,
    'Engineering',
    'EXT-ENG',
    people.map((p) => p.id),
  );
  sales = await createGroup(tenantA, 'Sales', 'ext-sales', [people[0]!.id, people[1]!.id]);
  leads = await createGroup(tenantA, 'Leads', undefined, [engineering.id, sales.id]);
  mixed = await createGroup(tenantA, 'Mixed Bag', 'ext-mixed', [people[2]!.id, engineering.id]);
  empty = await createGroup(tenantA, 'Empty', 'ext-empty', []);

  userB = await createUser(tenantB, 'ada@acme.com', 'Ada in B');
  engineeringB = await createGroup(tenantB, 'Engineering', 'EXT-ENG', [userB]);
}, 60_000);

afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

// ---------------------------------------------------------------------------------------------

describe('GroupRepository', () => {
  describe('findById', () => {
    it('returns the stored group of the tenant', async () => {
      const found = await groups.findById(tenantA, engineering.id);
      expect(found).toEqual({ ...engineering, data: { displayName: 'Engineering', externalId: 'EXT-ENG' } });
    });

    it("does not return another tenant's group, an unknown id or a non-UUID", async () => {
      expect(await groups.findById(tenantB, engineering.id)).toBeUndefined();
      expect(await groups.findById(tenantA, engineeringB.id)).toBeUndefined();
      expect(await groups.findById(tenantA, randomUUID())).toBeUndefined();
      expect(await groups.findById(tenantA, 'not-a-uuid')).toBeUndefined();
    });
  });

  describe('list filters', () => {
    it("lists all of the tenant's groups in creation order without a filter", async () => {
      const page = await groups.list(tenantA, { startIndex: 1, count: 100 });
      expect(page.totalResults).toBe(5);
      expect(page.resources.map((g) => g.id)).toEqual([engineering.id, sales.id, leads.id, mixed.id, empty.id]);
    });

    it('displayName eq matches case-insensitively, within the tenant', async () => {
      expect(await ids('displayName eq "Engineering"')).toEqual([engineering.id]);
      expect(await ids('displayName eq "eNGINEERING"')).toEqual([engineering.id]);
      expect(await ids('displayName eq "Engineering"', tenantB)).toEqual([engineeringB.id]);
      expect(await ids('displayName eq "Nobody"')).toEqual([]);
    });

    it("Entra's match request returns the group with its document", async () => {
      const page = await groups.list(tenantA, {
        filter: parseFilter('displayName eq "Mixed Bag"'),
        startIndex: 1,
        count: 100,
      });
      expect(page.totalResults).toBe(1);
      expect(page.resources[0]).toEqual({ ...mixed, data: { displayName: 'Mixed Bag', externalId: 'ext-mixed' } });
    });

    it('externalId eq matches case-exactly', async () => {
      expect(await ids('externalId eq "EXT-ENG"')).toEqual([engineering.id]);
      expect(await ids('externalId eq "ext-eng"')).toEqual([]);
      expect(await ids('externalId eq "ext-sales"')).toEqual([sales.id]);
    });

    it("id eq matches the group (id in any case), and never another tenant's", async () => {
      expect(await ids(`id eq "${sales.id}"`)).toEqual([sales.id]);
      expect(await ids(`id eq "${sales.id.toUpperCase()}"`)).toEqual([sales.id]);
      expect(await ids(`id eq "${engineeringB.id}"`)).toEqual([]);
      expect(await ids('id eq "not-a-uuid"')).toEqual([]);
    });

    it('members eq "<userId>" finds the groups the user is directly in', async () => {
      expect(await ids(`members eq "${people[0]!.id}"`)).toEqual([engineering.id, sales.id]);
      expect(await ids(`members eq "${people[2]!.id}"`)).toEqual([engineering.id, mixed.id]);
      expect(await ids(`members eq "${people[6]!.id}"`)).toEqual([engineering.id]);
      expect(await ids(`members eq "${loner}"`)).toEqual([]);
      expect(await ids(`members eq "${engineering.id}"`)).toEqual([leads.id, mixed.id]);
      expect(await ids('members eq "not-a-uuid"')).toEqual([]);
      expect(await ids(`members eq "${userB}"`)).toEqual([]);
    });

    it('members.value eq works like members eq', async () => {
      expect(await ids(`members.value eq "${people[1]!.id}"`)).toEqual([engineering.id, sales.id]);
    });

    it('Entra\'s membership probe: id eq "<g>" and members eq "<u>"', async () => {
      expect(await ids(`id eq "${sales.id}" and members eq "${people[1]!.id}"`)).toEqual([sales.id]);
      expect(await ids(`id eq "${sales.id}" and members eq "${people[2]!.id}"`)).toEqual([]);
      expect(await ids(`id eq "${empty.id}" and members eq "${people[0]!.id}"`)).toEqual([]);
      expect(await ids(`id eq "${engineeringB.id}" and members eq "${userB}"`, tenantB)).toEqual([engineeringB.id]);
      expect(await ids(`id eq "${engineeringB.id}" and members eq "${userB}"`)).toEqual([]);
    });

    it('members[type eq "User"] finds groups with a user member; type compares case-insensitively', async () => {
      expect(await ids('members[type eq "User"]')).toEqual([engineering.id, sales.id, mixed.id]);
      expect(await ids('members[type eq "group"]')).toEqual([leads.id, mixed.id]);
    });

    it('members[value eq "<id>"] and a compound value filter', async () => {
      expect(await ids(`members[value eq "${people[1]!.id}"]`)).toEqual([engineering.id, sales.id]);
      expect(await ids(`members[type eq "Group" and value eq "${sales.id}"]`)).toEqual([leads.id]);
      expect(await ids(`members[type eq "User" and value eq "${sales.id}"]`)).toEqual([]);
    });

    it('members[display eq "…"] compares with the member\'s displayName, userName or group name', async () => {
      expect(await ids('members[display eq "ada person"]')).toEqual([engineering.id, sales.id]);
      expect(await ids(`members[display eq "${people[1]!.userName}"]`)).toEqual([engineering.id, sales.id]);
      expect(await ids('members[display eq "Sales"]')).toEqual([leads.id]);
    });

    it('not (members pr) finds the empty groups; members pr the others', async () => {
      expect(await ids('not (members pr)')).toEqual([empty.id]);
      expect(await ids('members pr')).toEqual([engineering.id, sales.id, leads.id, mixed.id]);
    });

    it('combines member filters with other attributes', async () => {
      expect(await ids(`displayName sw "e" and members eq "${people[3]!.id}"`)).toEqual([engineering.id]);
      expect(await ids(`displayName eq "Empty" or members eq "${people[1]!.id}"`)).toEqual([
        engineering.id,
        sales.id,
        empty.id,
      ]);
      expect(await ids('meta.resourceType eq "Group" and externalId pr')).toEqual([
        engineering.id,
        sales.id,
        mixed.id,
        empty.id,
      ]);
    });

    it('pages in creation order with the total', async () => {
      const first = await groups.list(tenantA, { startIndex: 1, count: 2 });
      expect(first.totalResults).toBe(5);
      expect(first.resources.map((g) => g.id)).toEqual([engineering.id, sales.id]);
      const second = await groups.list(tenantA, { startIndex: 3, count: 2 });
      expect(second.totalResults).toBe(5);
      expect(second.resources.map((g) => g.id)).toEqual([leads.id, mixed.id]);
      const last = await groups.list(tenantA, { startIndex: 5, count: 2 });
      expect(last.resources.map((g) => g.id)).toEqual([empty.id]);
      const past = await groups.list(tenantA, { startIndex: 9, count: 2 });
      expect(past).toEqual({ totalResults: 5, resources: [] });
      const countOnly = await groups.list(tenantA, { filter: parseFilter('members pr'), startIndex: 1, count: 0 });
      expect(countOnly).toEqual({ totalResults: 4, resources: [] });
    });

    it('pages a filtered list', async () => {
      const page = await groups.list(tenantA, {
        filter: parseFilter('members[type eq "User"]'),
        startIndex: 2,
        count: 1,
      });
      expect(page).toEqual({ totalResults: 3, resources: [expect.objectContaining({ id: sales.id })] });
    });
  });

  describe('members()', () => {
    it("yields pages of the requested size, in member_id order, with each member's display", async () => {
      const pages = await collect(groups.members(tenantA, engineering.id, 3));
      expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
      const all = pages.flat();
      const expected = [...people]
        .sort(byId)
        .map((p) => ({ id: p.id, type: 'User', display: p.displayName ?? p.userName }));
      expect(all).toEqual(expected);
      expect(all.map((m) => m.id)).toEqual([...all.map((m) => m.id)].sort());
    });

    it("uses displayName when the user has one, userName otherwise, and the group's displayName for a group", async () => {
      const members = (await collect(groups.members(tenantA, mixed.id))).flat();
      expect(members).toEqual(
        [
          { id: people[2]!.id, type: 'User', display: 'Carlos Person' },
          { id: engineering.id, type: 'Group', display: 'Engineering' },
        ].sort(byId),
      );
      const sale = (await collect(groups.members(tenantA, sales.id))).flat();
      expect(sale).toEqual(
        [
          { id: people[0]!.id, type: 'User', display: 'Ada Person' },
          { id: people[1]!.id, type: 'User', display: 'barbara@acme.com' },
        ].sort(byId),
      );
    });

    it('yields one page with the default page size', async () => {
      const pages = await collect(groups.members(tenantA, engineering.id));
      expect(pages).toHaveLength(1);
      expect(pages[0]).toHaveLength(7);
    });

    it('does not yield an empty last page when the size divides the count', async () => {
      const pages = await collect(groups.members(tenantA, engineering.id, 7));
      expect(pages.map((p) => p.length)).toEqual([7]);
      const ones = await collect(groups.members(tenantA, leads.id, 1));
      expect(ones.map((p) => p.map((m) => m.id))).toEqual([engineering.id, sales.id].sort().map((id) => [id]));
    });

    it('yields nothing for an empty group or an unknown group', async () => {
      expect(await collect(groups.members(tenantA, empty.id, 3))).toEqual([]);
      expect(await collect(groups.members(tenantA, randomUUID(), 3))).toEqual([]);
    });

    it("never yields another tenant's members", async () => {
      expect(await collect(groups.members(tenantB, engineering.id, 3))).toEqual([]);
    });

    it('holds no connection while the reader pauses between pages (a stalled client cannot starve the pool)', async () => {
      // One connection in all: a reader that kept it between pages would block every other query.
      const single = createDirectoryDataSource({
        url: db.url,
        poolSize: 1,
        applicationName: 'group-repository-one-connection',
      });
      await single.initialize();
      try {
        const reader = new GroupRepository(single).members(tenantA, engineering.id, 3);
        const first = await reader.next();
        expect(first.value).toHaveLength(3);
        expect(await single.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
        const rest = await collect({ [Symbol.asyncIterator]: () => reader });
        expect(rest.map((p) => p.length)).toEqual([3, 1]);
      } finally {
        await single.destroy();
      }
    });

    it('reads pages through a separate pool when given one', async () => {
      const pool = createGuardedPool({ url: db.url, poolSize: 1, statementTimeoutMs: 15000 });
      try {
        const paged = new GroupRepository(ds, (sql, params) => pool.rows(sql, params));
        expect((await collect(paged.members(tenantA, engineering.id, 3))).flat()).toEqual(
          (await collect(groups.members(tenantA, engineering.id))).flat(),
        );
      } finally {
        await pool.end();
      }
    });
  });

  describe('hasMoreMembersThan()', () => {
    it('counts the members of the named groups of the tenant, up to the limit', async () => {
      expect(await groups.hasMoreMembersThan(tenantA, [engineering.id], 6)).toBe(true);
      expect(await groups.hasMoreMembersThan(tenantA, [engineering.id], 7)).toBe(false);
      expect(await groups.hasMoreMembersThan(tenantA, [engineering.id, sales.id], 8)).toBe(true);
      expect(await groups.hasMoreMembersThan(tenantA, [empty.id, 'not-a-uuid'], 0)).toBe(false);
      expect(await groups.hasMoreMembersThan(tenantB, [engineering.id], 0)).toBe(false);
    });
  });
});

describe('UserRepository with groups', () => {
  it("findById with {withGroups: true} returns the user's direct groups, ordered by display", async () => {
    const user = await users.findById(tenantA, people[2]!.id, { withGroups: true });
    expect(user?.groups).toEqual([
      { value: engineering.id, display: 'Engineering' },
      { value: mixed.id, display: 'Mixed Bag' },
    ]);
    const ada = await users.findById(tenantA, people[0]!.id, { withGroups: true });
    expect(ada?.groups).toEqual([
      { value: engineering.id, display: 'Engineering' },
      { value: sales.id, display: 'Sales' },
    ]);
  });

  it('returns [] for a user in no group, and no groups without the option', async () => {
    expect((await users.findById(tenantA, loner, { withGroups: true }))?.groups).toEqual([]);
    const plain = await users.findById(tenantA, people[0]!.id);
    expect(plain).toBeDefined();
    expect(plain!.groups).toBeUndefined();
  });

  it('list with {withGroups: true} gives every user its groups', async () => {
    const page = await users.list(tenantA, { startIndex: 1, count: 100 }, { withGroups: true });
    expect(page.totalResults).toBe(8);
    const groupsOf = new Map(page.resources.map((u) => [u.id, u.groups]));
    expect(groupsOf.get(people[1]!.id)).toEqual([
      { value: engineering.id, display: 'Engineering' },
      { value: sales.id, display: 'Sales' },
    ]);
    expect(groupsOf.get(people[6]!.id)).toEqual([{ value: engineering.id, display: 'Engineering' }]);
    expect(groupsOf.get(loner)).toEqual([]);
    const filtered = await users.list(
      tenantA,
      { filter: parseFilter('userName eq "loner@acme.com"'), startIndex: 1, count: 10 },
      { withGroups: true },
    );
    expect(filtered.resources.map((u) => u.groups)).toEqual([[]]);
    const without = await users.list(tenantA, { startIndex: 1, count: 1 });
    expect(without.resources[0]!.groups).toBeUndefined();
  });

  it("shows only the tenant's own groups", async () => {
    const b = await users.findById(tenantB, userB, { withGroups: true });
    expect(b?.groups).toEqual([{ value: engineeringB.id, display: 'Engineering' }]);
  });
});
