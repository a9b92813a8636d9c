import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { AppStack } from './support/gateway.app';
import type { InjectClient } from './support/inject-client';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/**
 * The worker's refusals travel as reasons (FailureReason), never as HTTP statuses; the gateway's
 * scimErrorFor turns each into the SCIM error Entra acts on. Each reason the worker can give is
 * driven here through the real gateway and worker, and its answer checked.
 */
describe('refusals become SCIM errors at the gateway (in-process gateway and worker)', () => {
  const stack = new AppStack({ label: 'app-errors', worker: true });
  let scim: InjectClient;

  before(async () => {
    await stack.start();
    scim = stack.client((await stack.createTenant({ workDomains: ['acme.test'] })).token);
  });

  after(async () => {
    await stack.stop();
  });

  const expectScimError = (
    response: { status: number; headers: Headers; body: Record<string, any> },
    status: number,
    scimType: string | undefined,
    detail: RegExp,
  ) => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(response.body).toEqual({
      schemas: [ERROR_SCHEMA],
      status: String(status),
      ...(scimType ? { scimType } : {}),
      detail: expect.stringMatching(detail),
    });
  };

  it('USER_NAME_TAKEN: 409 uniqueness naming the userName', async () => {
    expect((await scim.post('/Users', { userName: 'taken@acme.test' })).status).toBe(201);
    expectScimError(await scim.post('/Users', { userName: 'TAKEN@acme.test' }), 409, 'uniqueness', /TAKEN@acme\.test/);
  });

  it('DISPLAY_NAME_TAKEN: 409 uniqueness naming the group', async () => {
    expect((await scim.post('/Groups', { displayName: 'Sales' })).status).toBe(201);
    expectScimError(await scim.post('/Groups', { displayName: 'sales' }), 409, 'uniqueness', /sales/);
  });

  it('WORK_EMAIL_REJECTED: 400 invalidValue naming the address and the rule', async () => {
    const response = await scim.post('/Users', {
      userName: 'outsider@acme.test',
      emails: [{ type: 'work', primary: true, value: 'outsider@globex.test' }],
    });
    expectScimError(response, 400, 'invalidValue', /outsider@globex\.test/);
  });

  it('INVALID_MEMBERS: 400 invalidValue naming the member', async () => {
    const missing = randomUUID();
    const response = await scim.post('/Groups', { displayName: 'Ghosts', members: [{ value: missing }] });
    expectScimError(response, 400, 'invalidValue', new RegExp(missing));
  });

  it('NOT_FOUND: 404 without a scimType', async () => {
    const response = await scim.patch(`/Users/${randomUUID()}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'title', value: 'x' }],
    });
    expectScimError(response, 404, undefined, /not found|does not exist|no User/i);
  });

  it('VERSION_MISMATCH: 412 for a stale If-Match', async () => {
    const created = await scim.post('/Users', { userName: 'versioned@acme.test' });
    const id = created.body['id'] as string;
    expect(
      (
        await scim.patch(`/Users/${id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'replace', path: 'title', value: 'a' }],
        })
      ).status,
    ).toBe(200);
    const stale = await scim.patch(
      `/Users/${id}`,
      { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'b' }] },
      { 'if-match': 'W/"1"' },
    );
    expectScimError(stale, 412, undefined, /W\/"2"/);
  });

  it('MUTABILITY: 400 mutability for a PATCH of a read-only member sub-attribute', async () => {
    const group = await scim.post('/Groups', { displayName: 'Readonly members' });
    const response = await scim.patch(`/Groups/${group.body['id']}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'remove', path: 'members.value' }],
    });
    expectScimError(response, 400, 'mutability', /.+/);
  });

  it('INVALID_VALUE: 400 invalidValue for a value the database cannot index, not a retry or a 500', async () => {
    const response = await scim.post('/Users', {
      userName: 'huge@acme.test',
      externalId: randomBytes(50_000).toString('base64url'),
    });
    expectScimError(response, 400, 'invalidValue', /index row/);
  });
});
