import { TenantWriteGate } from './tenant-write-gate';

const tick = () => new Promise((r) => setImmediate(r));

describe("TenantWriteGate: a cap on one tenant's writes in flight", () => {
  it('lets writes up to the cap through at once and queues the rest in arrival order', async () => {
    const gate = new TenantWriteGate();
    const releases = await Promise.all([gate.enter('a', 2, 1000), gate.enter('a', 2, 1000)]);
    const order: number[] = [];
    const third = gate.enter('a', 2, 1000).then((release) => (order.push(3), release));
    const fourth = gate.enter('a', 2, 1000).then((release) => (order.push(4), release));
    await tick();
    expect(order).toEqual([]);
    expect(gate.load('a')).toEqual({ active: 2, waiting: 2 });
    releases[0]!();
    await tick();
    expect(order).toEqual([3]);
    releases[1]!();
    await tick();
    expect(order).toEqual([3, 4]);
    (await third)!();
    (await fourth)!();
    expect(gate.load('a')).toEqual({ active: 0, waiting: 0 });
  });

  it('keeps tenants apart: one tenant at its cap does not hold up another', async () => {
    const gate = new TenantWriteGate();
    await gate.enter('a', 1, 1000);
    const waiting = gate.enter('a', 1, 1000);
    expect(await gate.enter('b', 1, 1000)).toBeInstanceOf(Function);
    expect(gate.load('a')).toEqual({ active: 1, waiting: 1 });
    void waiting;
  });

  it('gives up on a write that waited longer than the timeout, and forgets it', async () => {
    const gate = new TenantWriteGate();
    const release = await gate.enter('a', 1, 1000);
    expect(await gate.enter('a', 1, 20)).toBeUndefined();
    expect(gate.load('a')).toEqual({ active: 1, waiting: 0 });
    release!();
    expect(gate.load('a')).toEqual({ active: 0, waiting: 0 });
  });

  it('counts a release once, however often it is called', async () => {
    const gate = new TenantWriteGate();
    const release = (await gate.enter('a', 2, 1000))!;
    await gate.enter('a', 2, 1000);
    release();
    release();
    expect(gate.load('a')).toEqual({ active: 1, waiting: 0 });
  });

  it('allows what a tenant may send in 200 ms, at least 8', () => {
    expect(TenantWriteGate.capFor(25)).toBe(8);
    expect(TenantWriteGate.capFor(50)).toBe(10);
    expect(TenantWriteGate.capFor(200)).toBe(40);
  });
});
