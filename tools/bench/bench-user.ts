import { randomUUID } from 'node:crypto';

/** The user body bench:users and bench:scale POST: a work email on the userName, a fresh externalId. */
export function benchUserBody(userName: string, sequence: number): string {
  return JSON.stringify({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    externalId: randomUUID(),
    active: true,
    name: { givenName: 'Bench', familyName: `User ${sequence}` },
    emails: [{ primary: true, type: 'work', value: userName }],
  });
}
