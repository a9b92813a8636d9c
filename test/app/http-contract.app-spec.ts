import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { AppStack } from './support/gateway.app';
import type { InjectClient } from './support/inject-client';

type Json = Record<string, any>;
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** The HTTP contract of DESIGN.md §3: auth, body parsing, errors as SCIM bodies, discovery, health. */
describe('HTTP contract of the gateway (in-process)', () => {
  const stack = new AppStack({ label: 'app-http', worker: true });
  let scim: InjectClient;
  let tenantId = '';
  let token = '';

  before(async () => {
    await stack.start();
    ({ tenantId, token } = await stack.createTenant());
    scim = stack.client(token);
  });

  after(async () => {
    await stack.stop();
  });

  const raw = (method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) =>
    stack.client(token).raw(method, path, init);

  it('parses application/scim+json with and without charset, and application/json', async () => {
    for (const [i, type] of [
      'application/scim+json',
      'application/scim+json; charset=utf-8',
      'application/json',
      'application/json; charset=UTF-8',
    ].entries()) {
      const response = await raw('POST', '/api/scim/Users', {
        body: JSON.stringify({ userName: `content-type-${i}` }),
        headers: { 'Content-Type': type },
      });
      expect(response.status).toBe(201);
      expect(response.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    }
  });

  it('answers malformed JSON with 400 invalidSyntax', async () => {
    const response = await raw('POST', '/api/scim/Users', {
      body: '{"userName": "x",',
      headers: { 'Content-Type': 'application/scim+json' },
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      schemas: [ERROR_SCHEMA],
      status: '400',
      scimType: 'invalidSyntax',
      detail: expect.stringMatching(/not valid JSON/),
    });
  });

  it('answers a body that is not an object, or lacks userName, with 400 and a clear detail', async () => {
    const array = await scim.post('/Users', [1, 2]);
    expect(array.status).toBe(400);
    expect(array.body).toMatchObject({ scimType: 'invalidSyntax', detail: expect.stringMatching(/JSON object/) });
    const missing = await scim.post('/Users', { displayName: 'no userName' });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({
      scimType: 'invalidValue',
      detail: expect.stringMatching(/userName is required/),
    });
    const badBoolean = await scim.post('/Users', { userName: 'bad-bool', active: 'maybe' });
    expect(badBoolean.status).toBe(400);
    expect(badBoolean.body).toMatchObject({
      scimType: 'invalidValue',
      detail: expect.stringMatching(/active.*boolean/),
    });
  });

  it('answers a body over 1 MiB with 413', async () => {
    const response = await raw('POST', '/api/scim/Users', {
      body: JSON.stringify({ userName: 'big', title: 'x'.repeat(1024 * 1024 + 10) }),
      headers: { 'Content-Type': 'application/scim+json' },
    });
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({
      schemas: [ERROR_SCHEMA],
      status: '413',
      detail: expect.stringMatching(/1 MiB/),
    });
  });

  it('answers an unsupported content type with 415', async () => {
    const response = await raw('POST', '/api/scim/Users', {
      body: 'userName=x',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(415);
    expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '415' });
  });

  it('answers unknown routes with 404 and wrong methods with 405 and Allow, as SCIM errors', async () => {
    const unknown = await raw('GET', '/api/scim/Printers');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '404' });
    const wrongMethod = await raw('DELETE', '/api/scim/Users');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
    expect(wrongMethod.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '405' });
    const postOnItem = await raw('POST', '/api/scim/Users/123', {
      body: '{}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(postOnItem.status).toBe(405);
  });

  it('answers malformed filters and PATCH bodies with 400 and the right scimType', async () => {
    const filter = await scim.get(`/Users?filter=${encodeURIComponent('userName eq "x" and')}`);
    expect(filter.status).toBe(400);
    expect(filter.body).toMatchObject({ scimType: 'invalidFilter', detail: expect.stringMatching(/position/) });
    const user = await scim.post<Json>('/Users', { userName: 'patch-target' });
    const noOps = await scim.patch(`/Users/${user.body['id']}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [],
    });
    expect(noOps.status).toBe(400);
    const badPath = await scim.patch(`/Users/${user.body['id']}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'emails[type eq', value: 'x' }],
    });
    expect(badPath.status).toBe(400);
    expect(badPath.body).toMatchObject({ scimType: expect.stringMatching(/invalidPath|invalidFilter/) });
    const badOp = await scim.patch(`/Users/${user.body['id']}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'merge', path: 'title', value: 'x' }],
    });
    expect(badOp.status).toBe(400);
    const unknownUser = await scim.patch('/Users/00000000-0000-4000-8000-000000000000', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'title', value: 'x' }],
    });
    expect(unknownUser.status).toBe(404);
  });

  it('pages with startIndex and count', async () => {
    for (let i = 0; i < 5; i++) await scim.post('/Users', { userName: `page-${i}`, title: 'paged' });
    const page = await scim.get<Json>(`/Users?filter=${encodeURIComponent('title eq "paged"')}&startIndex=2&count=2`);
    expect(page.body).toMatchObject({ totalResults: 5, startIndex: 2, itemsPerPage: 2 });
    expect(page.body['Resources'].map((u: Json) => u['userName'])).toEqual(['page-1', 'page-2']);
    const countOnly = await scim.get<Json>(`/Users?filter=${encodeURIComponent('title eq "paged"')}&count=0`);
    expect(countOnly.body).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
  });

  it('rejects missing, malformed and unknown tokens with 401 SCIM errors', async () => {
    const none = await stack.client(undefined).get('/Users');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(none.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
    const basic = await stack.client(undefined).get('/Users', { authorization: 'Basic dXNlcjpwYXNz' });
    expect(basic.status).toBe(401);
    const unknown = await stack.client('scim_unknown').get('/Users');
    expect(unknown.status).toBe(401);
  });

  it('stops accepting a revoked token within 5 seconds, and keeps a rotated-out token for its grace period', async () => {
    const { tenantId: otherTenant, token: doomed } = await stack.createTenant();
    const client = stack.client(doomed);
    expect((await client.get('/Users')).status).toBe(200);
    const rotated = await stack.tenants.rotateToken(otherTenant, 3600);
    expect((await client.get('/Users')).status).toBe(200);
    expect((await stack.client(rotated.token).get('/Users')).status).toBe(200);
    await stack.tenants.revokeTokens(otherTenant, doomed);
    const revokedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 6000) {
      status = (await client.get('/Users')).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(5000);
    expect((await stack.client(rotated.token).get('/Users')).status).toBe(200);
  });

  it('serves discovery that tells the truth about the rules', async () => {
    const config = await scim.get<Json>('/ServiceProviderConfig');
    expect(config.status).toBe(200);
    expect(config.body).toMatchObject({
      patch: { supported: true },
      filter: { supported: true, maxResults: 1000 },
      bulk: { supported: true, maxOperations: 1000, maxPayloadSize: 1048576 },
      sort: { supported: true },
      etag: { supported: true },
      changePassword: { supported: false },
    });
    const userSchema = await scim.get<Json>('/Schemas/urn:ietf:params:scim:schemas:core:2.0:User');
    const userName = userSchema.body['attributes'].find((a: Json) => a['name'] === 'userName');
    expect(userName).toMatchObject({ uniqueness: 'server', caseExact: false, required: true });
    const emails = userSchema.body['attributes'].find((a: Json) => a['name'] === 'emails');
    expect(emails.subAttributes.find((a: Json) => a['name'] === 'type').canonicalValues).toEqual(['work']);
    const types = await scim.get<Json>('/ResourceTypes');
    expect(types.body['Resources'].map((t: Json) => t['id'])).toContain('User');
    expect((await scim.get('/Schemas/urn:nope')).status).toBe(404);
  });

  it('reports health without authentication', async () => {
    const response = await stack.client(undefined).raw('GET', '/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok', postgres: 'up', redis: 'up', workers: 'up' });
  });

  it('records when a token was last used (written in batches, flushed when the gateway stops)', async () => {
    await stack.closeGateway();
    const rows: { last_used_at: Date | null }[] = await stack.dataSource.query(
      `SELECT last_used_at FROM api_tokens WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.last_used_at).toBeInstanceOf(Date);
  });
});
