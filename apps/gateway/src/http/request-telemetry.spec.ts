import { RefusalSampler } from './request-telemetry';

describe('RefusalSampler: at most one 429 line a second per tenant', () => {
  it('lets the first through, leaves out the rest of the second, then reports how many it left out', () => {
    const sampler = new RefusalSampler();
    expect(sampler.admit('a', 0)).toBe(0);
    expect(sampler.admit('a', 10)).toBeUndefined();
    expect(sampler.admit('a', 999)).toBeUndefined();
    expect(sampler.admit('a', 1000)).toBe(2);
    expect(sampler.admit('a', 1001)).toBeUndefined();
    expect(sampler.admit('a', 5000)).toBe(1);
  });

  it('samples each tenant on its own', () => {
    const sampler = new RefusalSampler();
    expect(sampler.admit('a', 0)).toBe(0);
    expect(sampler.admit('b', 1)).toBe(0);
    expect(sampler.admit('a', 2)).toBeUndefined();
  });
});
