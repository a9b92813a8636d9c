import type { ScimClient, ScimResponse } from './stack';

type Json = Record<string, any>;

/** `count` spellings of `userName` that differ only in letter case: bit k of i upper-cases the k-th letter. */
export function caseVariants(userName: string, count = 20): string[] {
  const letters = [...userName].flatMap((c, index) => (/[a-z]/.test(c) ? [index] : []));
  return Array.from({ length: count }, (_, i) =>
    [...userName]
      .map((c, index) => ((i >> letters.indexOf(index)) & 1 && letters.indexOf(index) >= 0 ? c.toUpperCase() : c))
      .join(''),
  );
}

/**
 * 20 concurrent creates of one userName in different letter cases: the platform rule (unique
 * case-insensitively) must give one 201 and nineteen 409s. Returns the answers for further checks.
 */
export async function raceCreates(scim: ScimClient, userName: string): Promise<ScimResponse<Json>[]> {
  const responses = await Promise.all(
    caseVariants(userName).map((name) => scim.post<Json>('/Users', { userName: name })),
  );
  const statuses = responses.map((r) => r.status);
  expect(statuses.filter((s) => s === 201)).toHaveLength(1);
  expect(statuses.filter((s) => s === 409)).toHaveLength(19);
  return responses;
}
