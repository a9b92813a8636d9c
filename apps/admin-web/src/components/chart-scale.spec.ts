import { dayStarts, niceCeiling } from './chart-scale';

describe('niceCeiling', () => {
  it.each([
    [0, 1],
    [1, 1],
    [3, 5],
    [7, 10],
    [10, 10],
    [11, 20],
    [180, 200],
    [4200, 5000],
  ])('%d → %d', (max, top) => {
    expect(niceCeiling(max)).toBe(top);
  });
});

describe('dayStarts', () => {
  it('finds the hours at local midnight', () => {
    const start = new Date(2026, 10, 30, 22, 0, 0);
    const hours = Array.from({ length: 30 }, (_, i) => new Date(start.getTime() + i * 3600_000).toISOString());
    expect(dayStarts(hours)).toEqual([2, 26]);
  });
});
