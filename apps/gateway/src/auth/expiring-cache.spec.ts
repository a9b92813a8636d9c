import { ExpiringCache } from './expiring-cache';

/** Lookups that the test answers one by one. */
function lookups() {
  const pending: { resolve(value: string): void; reject(error: Error): void }[] = [];
  const lookUp = jest.fn(() => new Promise<string>((resolve, reject) => pending.push({ resolve, reject })));
  return { pending, lookUp };
}

describe('ExpiringCache', () => {
  it('runs one lookup for the requests that arrive while it is in flight, then answers from the cache', async () => {
    const cache = new ExpiringCache<string>(3000, 10);
    const { pending, lookUp } = lookups();
    const answers = Promise.all([cache.get('k', lookUp), cache.get('k', lookUp)]);
    expect(lookUp).toHaveBeenCalledTimes(1);
    pending[0]!.resolve('acme');
    expect(await answers).toEqual(['acme', 'acme']);
    expect(cache.get('k', lookUp)).toBe('acme');
    expect(lookUp).toHaveBeenCalledTimes(1);
  });

  it('passes a failed lookup to every waiting request and keeps nothing: the next request looks up again', async () => {
    const cache = new ExpiringCache<string>(3000, 10);
    const { pending, lookUp } = lookups();
    const answers = Promise.allSettled([cache.get('k', lookUp), cache.get('k', lookUp)]);
    pending[0]!.reject(new Error('database down'));
    expect((await answers).map((a) => a.status)).toEqual(['rejected', 'rejected']);
    const again = cache.get('k', lookUp);
    expect(lookUp).toHaveBeenCalledTimes(2);
    pending[1]!.resolve('acme');
    expect(await again).toBe('acme');
  });

  it('looks up again once the answer is older than its time to live, counted from before the lookup', async () => {
    let now = 1000;
    const cache = new ExpiringCache<string>(3000, 10, () => now);
    const { pending, lookUp } = lookups();
    const first = cache.get('k', lookUp);
    now = 2000;
    pending[0]!.resolve('v1');
    await first;
    now = 3999;
    expect(cache.get('k', lookUp)).toBe('v1');
    now = 4000;
    const second = cache.get('k', lookUp);
    expect(lookUp).toHaveBeenCalledTimes(2);
    pending[1]!.resolve('v2');
    expect(await second).toBe('v2');
  });
});
