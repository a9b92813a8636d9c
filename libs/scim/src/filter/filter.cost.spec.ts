import { parseListQuery } from '../resources/list-query';
import { scimErrorOf } from '../testing/scim-error-of';
import { MAX_FILTER_COMPARISONS, MAX_SUBSTRING_COMPARISONS, assertFilterCost } from './filter.cost';
import { parseFilter } from './filter.parser';

const orChain = (n: number, clause: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => clause(i)).join(' or ');

describe('assertFilterCost', () => {
  it('lets through what clients send, up to the limits', () => {
    for (const text of [
      'userName eq "bjensen"',
      'emails[type eq "work" and value co "@example.com"] and not (title pr)',
      orChain(MAX_SUBSTRING_COMPARISONS, (i) => `displayName co "x${i}"`),
      orChain(MAX_FILTER_COMPARISONS, (i) => `userName eq "u${i}"`),
    ]) {
      const filter = parseFilter(text);
      expect(assertFilterCost(filter)).toBe(filter);
    }
  });

  it('refuses more substring comparisons than allowed with 400 invalidFilter and advice (200 co ran 18.6 s)', () => {
    const error = scimErrorOf(() => parseListQuery({ filter: orChain(200, (i) => `userName co "${i}"`) }));
    expect(error).toMatchObject({ status: 400, scimType: 'invalidFilter' });
    expect(error.detail).toBe(
      `The filter has 200 substring comparisons (co, sw, ew); at most ${MAX_SUBSTRING_COMPARISONS} are allowed in one request, because each one reads every resource. Use eq where you can, or split the query into several requests.`,
    );
  });

  it('counts sw and ew, inside value paths and under not', () => {
    const text = orChain(MAX_SUBSTRING_COMPARISONS + 1, (i) =>
      i % 3 === 0 ? `emails[value sw "a${i}"]` : i % 3 === 1 ? `not (name.familyName ew "b${i}")` : `title co "c${i}"`,
    );
    expect(scimErrorOf(() => assertFilterCost(parseFilter(text)))).toMatchObject({
      status: 400,
      scimType: 'invalidFilter',
    });
  });

  it('refuses more comparisons than allowed', () => {
    const error = scimErrorOf(() =>
      parseListQuery({ filter: orChain(MAX_FILTER_COMPARISONS + 1, (i) => `userName eq "u${i}"`) }),
    );
    expect(error).toMatchObject({ status: 400, scimType: 'invalidFilter' });
    expect(error.detail).toMatch(
      new RegExp(`^The filter has ${MAX_FILTER_COMPARISONS + 1} comparisons; at most ${MAX_FILTER_COMPARISONS}`),
    );
  });
});
