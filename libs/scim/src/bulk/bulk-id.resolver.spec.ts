import { BulkScheduler, bulkIdReference, bulkIdReferences, resolveBulkIds, type BulkStep } from './bulk-id.resolver';
import { BULK_REQUEST_SCHEMA, parseBulkRequest, type BulkOperation } from './bulk.request';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

function parse(...operations: unknown[]) {
  return parseBulkRequest({ schemas: [BULK_REQUEST_SCHEMA], Operations: operations });
}

function operation(raw: unknown): BulkOperation {
  const [parsed] = parse(raw).operations;
  if (parsed?.kind !== 'operation') throw new Error('expected a valid operation');
  return parsed;
}

/** Drives a scheduler as the runner does: POSTs succeed with id `id-<bulkId>` unless listed in `failing`. */
function drive(scheduler: BulkScheduler, failing: string[] = []): BulkStep[] {
  const steps: BulkStep[] = [];
  for (let step = scheduler.next(); step; step = scheduler.next()) {
    steps.push(step);
    if (step.kind === 'run') {
      const op = step.operation;
      scheduler.completed(op, op.method === 'POST' && !failing.includes(op.bulkId) ? `id-${op.bulkId}` : undefined);
    }
  }
  return steps;
}

const summary = (steps: BulkStep[]) => steps.map((s) => `${s.kind}:${s.operation.index}`);
const errorOf = (steps: BulkStep[], index: number) => {
  const step = steps.find((s) => s.operation.index === index);
  if (step?.kind !== 'fail') throw new Error(`Operations[${index}] did not fail`);
  return step.error;
};

describe('bulkIdReference', () => {
  it('recognises "bulkId:<id>" and nothing else', () => {
    expect(bulkIdReference('bulkId:qwerty')).toBe('qwerty');
    expect(bulkIdReference('bulkId:a:b')).toBe('a:b');
    expect(bulkIdReference('bulkId:')).toBeUndefined();
    expect(bulkIdReference('qwerty')).toBeUndefined();
    expect(bulkIdReference('x bulkId:qwerty')).toBeUndefined();
  });
});

describe('bulkIdReferences', () => {
  it('finds references in the path and anywhere in the data, once each', () => {
    const op = operation({
      method: 'PATCH',
      path: '/Groups/bulkId:group',
      data: {
        schemas: [PATCH_OP],
        Operations: [
          {
            op: 'add',
            path: 'members',
            value: [{ value: 'bulkId:u1' }, { value: 'bulkId:u2' }, { value: 'bulkId:u1' }],
          },
        ],
      },
    });
    expect(bulkIdReferences(op)).toEqual(['group', 'u1', 'u2']);
  });

  it('looks into nested objects (a manager) and ignores keys', () => {
    const op = operation({
      method: 'POST',
      path: '/Users',
      bulkId: 'me',
      data: {
        userName: 'x',
        'bulkId:key': 'plain',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { manager: { value: 'bulkId:boss' } },
      },
    });
    expect(bulkIdReferences(op)).toEqual(['boss']);
  });
});

describe('resolveBulkIds', () => {
  it('replaces resolved references in path and data and leaves the others, without mutating', () => {
    const op = operation({
      method: 'PUT',
      path: '/Groups/bulkId:g',
      data: {
        displayName: 'bulkId:g',
        members: [{ value: 'bulkId:u' }, { value: 'bulkId:unknown' }, { value: 'plain' }],
      },
    });
    const before = JSON.parse(JSON.stringify(op));
    const resolved = resolveBulkIds(
      op,
      new Map([
        ['g', 'G-1'],
        ['u', 'U-1'],
      ]),
    );
    expect(resolved).toEqual({
      ...op,
      id: 'G-1',
      data: { displayName: 'G-1', members: [{ value: 'U-1' }, { value: 'bulkId:unknown' }, { value: 'plain' }] },
    });
    expect(op).toEqual(before);
  });
});

describe('BulkScheduler', () => {
  it('runs operations in request order when nothing waits', () => {
    const steps = drive(
      new BulkScheduler(
        parse(
          { method: 'POST', path: '/Users', bulkId: 'a', data: { userName: 'a' } },
          { method: 'DELETE', path: '/Users/x' },
          { method: 'POST', path: '/Users', bulkId: 'b', data: { userName: 'b' } },
        ),
      ),
    );
    expect(summary(steps)).toEqual(['run:0', 'run:1', 'run:2']);
  });

  it('defers an operation until the POSTs it refers to have run, then resolves the ids', () => {
    const steps = drive(
      new BulkScheduler(
        parse(
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'g',
            data: {
              schemas: [GROUP],
              displayName: 'Tour Guides',
              members: [
                { type: 'User', value: 'bulkId:alice' },
                { type: 'User', value: 'bulkId:bob' },
              ],
            },
          },
          { method: 'POST', path: '/Users', bulkId: 'alice', data: { userName: 'Alice' } },
          { method: 'DELETE', path: '/Users/old' },
          { method: 'POST', path: '/Users', bulkId: 'bob', data: { userName: 'Bob' } },
          {
            method: 'PATCH',
            path: '/Groups/bulkId:g',
            data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Guides' }] },
          },
        ),
      ),
    );
    expect(summary(steps)).toEqual(['run:1', 'run:2', 'run:3', 'run:0', 'run:4']);
    const group = steps[3]!;
    expect(group.kind === 'run' && group.operation.method === 'POST' && group.operation.data['members']).toEqual([
      { type: 'User', value: 'id-alice' },
      { type: 'User', value: 'id-bob' },
    ]);
    expect(steps[4]).toMatchObject({ kind: 'run', operation: { method: 'PATCH', id: 'id-g' } });
  });

  it('fails an operation that refers to a bulkId no POST defines, naming it, and goes on', () => {
    const scheduler = new BulkScheduler(
      parse(
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g',
          data: { displayName: 'x', members: [{ value: 'bulkId:nobody' }] },
        },
        { method: 'DELETE', path: '/Users/1', bulkId: 'notAPost' },
        { method: 'PATCH', path: '/Users/bulkId:notAPost', data: { schemas: [PATCH_OP], Operations: [] } },
        { method: 'POST', path: '/Users', bulkId: 'u', data: { userName: 'u' } },
      ),
    );
    const steps = drive(scheduler);
    expect(summary(steps)).toEqual(['fail:0', 'run:1', 'fail:2', 'run:3']);
    expect(errorOf(steps, 0)).toMatchObject({
      status: 400,
      scimType: 'invalidValue',
      detail: expect.stringContaining('bulkId "nobody"'),
    });
    expect(errorOf(steps, 2).detail).toContain('bulkId "notAPost", which no POST operation in this request defines');
    expect(scheduler.resolved).toEqual(new Map([['u', 'id-u']]));
  });

  it('fails the operations that refer to a POST that failed, and those that refer to them', () => {
    const steps = drive(
      new BulkScheduler(
        parse(
          { method: 'POST', path: '/Users', bulkId: 'taken', data: { userName: 'dup' } },
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'g',
            data: { displayName: 'g', members: [{ value: 'bulkId:taken' }] },
          },
          { method: 'PATCH', path: '/Groups/bulkId:g', data: { schemas: [PATCH_OP], Operations: [] } },
        ),
      ),
      ['taken'],
    );
    expect(summary(steps)).toEqual(['run:0', 'fail:1', 'fail:2']);
    expect(errorOf(steps, 1)).toMatchObject({
      scimType: 'invalidValue',
      detail: expect.stringMatching(/bulkId "taken".*Operations\[0\].*failed/),
    });
    expect(errorOf(steps, 2).detail).toMatch(/bulkId "g".*Operations\[1\].*failed/);
  });

  it('treats a rejected operation as failed: its bulkId cannot be resolved', () => {
    const steps = drive(
      new BulkScheduler(
        parse(
          { method: 'PATCH', path: '/Users/bulkId:bad', data: { schemas: [PATCH_OP], Operations: [] } },
          { method: 'POST', path: '/Things', bulkId: 'bad', data: {} },
        ),
      ),
    );
    expect(summary(steps)).toEqual(['fail:1', 'fail:0']);
    expect(errorOf(steps, 1).scimType).toBe('invalidPath');
    expect(errorOf(steps, 0).detail).toMatch(/bulkId "bad".*Operations\[1\].*failed/);
  });

  it("fails every member of a cycle with invalidValue naming the bulkIds (the RFC's circular groups)", () => {
    const steps = drive(
      new BulkScheduler(
        parse(
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'qwerty',
            data: { schemas: [GROUP], displayName: 'Group A', members: [{ type: 'Group', value: 'bulkId:ytrewq' }] },
          },
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'ytrewq',
            data: { schemas: [GROUP], displayName: 'Group B', members: [{ type: 'Group', value: 'bulkId:qwerty' }] },
          },
          { method: 'POST', path: '/Users', bulkId: 'free', data: { userName: 'free' } },
        ),
      ),
    );
    expect(summary(steps)).toEqual(['run:2', 'fail:0', 'fail:1']);
    for (const index of [0, 1]) {
      expect(errorOf(steps, index)).toMatchObject({ status: 400, scimType: 'invalidValue' });
      expect(errorOf(steps, index).detail).toContain('"qwerty"');
      expect(errorOf(steps, index).detail).toContain('"ytrewq"');
      expect(errorOf(steps, index).detail).toContain('circle');
    }
  });

  it('fails a self-reference, and an operation waiting on a cycle as a dependent of a failed POST', () => {
    const steps = drive(
      new BulkScheduler(
        parse(
          { method: 'PATCH', path: '/Groups/bulkId:a', data: { schemas: [PATCH_OP], Operations: [] } },
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'a',
            data: { displayName: 'a', members: [{ value: 'bulkId:b' }] },
          },
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'b',
            data: { displayName: 'b', members: [{ value: 'bulkId:c' }] },
          },
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'c',
            data: { displayName: 'c', members: [{ value: 'bulkId:a' }] },
          },
          {
            method: 'POST',
            path: '/Users',
            bulkId: 'self',
            data: {
              userName: 'self',
              'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { manager: { value: 'bulkId:self' } },
            },
          },
        ),
      ),
    );
    expect(summary(steps).sort()).toEqual(['fail:0', 'fail:1', 'fail:2', 'fail:3', 'fail:4']);
    expect(errorOf(steps, 1).detail).toContain('bulkIds "a" → "b" → "c" → "a" refer to each other in a circle');
    expect(errorOf(steps, 3).detail).toContain('circle');
    expect(errorOf(steps, 4).detail).toContain('bulkId "self" refers to itself');
    expect(errorOf(steps, 0).detail).toMatch(/bulkId "a".*Operations\[1\].*failed/);
  });
});
