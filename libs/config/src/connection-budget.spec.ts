import { connectionBudget, describeBudget, workerPoolSize } from './connection-budget';

describe('connectionBudget', () => {
  it('sums processes × pool against max_connections less the 3 superuser slots', () => {
    const budget = connectionBudget(
      [
        { name: 'gateway', processes: 1, connectionsEach: 20 },
        { name: 'worker', processes: 3, connectionsEach: workerPoolSize(16) },
        { name: 'notifier', processes: 1, connectionsEach: 6 },
        { name: 'migrate and CLI', processes: 2, connectionsEach: 1 },
      ],
      100,
    );
    expect(budget).toMatchObject({ total: 82, available: 97, fits: true });
    expect(describeBudget(budget)).toBe('gateway 1×20 + worker 3×18 + notifier 1×6 + migrate and CLI 2×1 = 82 of 97');
  });

  it('does not fit with four default workers on a stock Postgres (max_connections 100)', () => {
    const budget = connectionBudget(
      [
        { name: 'gateway', processes: 1, connectionsEach: 20 },
        { name: 'worker', processes: 4, connectionsEach: workerPoolSize(16) },
        { name: 'notifier', processes: 1, connectionsEach: 6 },
        { name: 'migrate and CLI', processes: 2, connectionsEach: 1 },
      ],
      100,
    );
    expect(budget).toMatchObject({ total: 100, fits: false });
  });

  it('takes an explicit worker pool over the concurrency-derived one', () => {
    expect(workerPoolSize(8)).toBe(10);
    expect(workerPoolSize(8, 12)).toBe(12);
  });
});
