import { describe, it } from 'node:test';
import { expect } from 'expect';
import { useAppStack } from './support/gateway.app';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe('the gateway in-process: the SCIM auth guard', () => {
  const { stack, tenant } = useAppStack({ label: 'app-auth' });

  it('answers a request without Authorization with 401, a SCIM body and WWW-Authenticate', async () => {
    const response = await stack.client(undefined).get('/Users');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="SCIM"');
    expect(response.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
    expect(response.body['detail']).toMatch(/Authorization: Bearer <token>/);
  });

  it('answers a scheme other than Bearer, and an unknown token, with 401 and what to do', async () => {
    const basic = await stack.client(undefined).get('/Users', { authorization: `Basic ${tenant.token}` });
    expect(basic.status).toBe(401);
    const unknown = await stack.client('scim_not-a-token').get('/Users');
    expect(unknown.status).toBe(401);
    expect(unknown.body['detail']).toMatch(/unknown, expired or revoked/);
  });

  it("admits a live token to its tenant's data (Entra's Test Connection)", async () => {
    const response = await stack
      .client(tenant.token)
      .get(`/Users?filter=${encodeURIComponent('userName eq "8f0d3b9e-0000-4000-8000-000000000000"')}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('stops admitting a revoked token', async () => {
    const { tenantId, token: revoked } = await stack.createTenant();
    await stack.tenants.revokeTokens(tenantId);
    // The gateway caches token lookups for 3 s; a token it never saw is looked up now.
    const response = await stack.client(revoked).get('/Groups');
    expect(response.status).toBe(401);
  });

  it('needs no token for the health probe', async () => {
    const health = await stack.gateway.inject({ method: 'GET', url: '/health/live' });
    expect(health.statusCode).toBe(200);
  });
});
