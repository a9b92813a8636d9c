import { connect } from 'node:net';
import IORedis from 'ioredis';
import { DIRECTORY_QUEUE } from '@scim/queue';
import { rawRequest } from './support/raw-http';
import { REDIS_URL, TestStack, filterQuery, type ScimClient } from './support/stack';

type Json = Record<string, any>;
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/**
 * Issue 8, input and errors: bad bytes are refused at the door (400, nothing queued), reads never
 * answer 500 for any query string, every error body from any layer is a SCIM error, and a client
 * that hangs up is not an error of ours.
 */
describe('bad input and errors from every layer (end to end)', () => {
  const stack = new TestStack({ label: 'badinput' });
  let scim: ScimClient;
  let tenantId = '';
  let token = '';
  let userId = '';
  let redis: IORedis;

  beforeAll(async () => {
    await stack.start();
    ({ tenantId, token } = await stack.createTenant());
    scim = stack.client(token);
    userId = (await scim.post<Json>('/Users', { userName: 'target@example.com' })).body['id'];
    redis = new IORedis(REDIS_URL);
  }, 60000);

  afterAll(async () => {
    redis?.disconnect();
    await stack.stop();
  }, 60000);

  const request = (method: string, target: string, body?: string | Buffer, headers: Record<string, string> = {}) => {
    const head = [
      `${method} ${target} HTTP/1.1`,
      'Host: localhost',
      `Authorization: Bearer ${token}`,
      'Connection: close',
    ];
    if (body !== undefined)
      head.push('Content-Type: application/scim+json', `Content-Length: ${Buffer.byteLength(body)}`);
    for (const [name, value] of Object.entries(headers)) head.push(`${name}: ${value}`);
    return rawRequest(
      stack.port,
      Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), Buffer.from(body ?? '')]),
    );
  };
  const scimError = (text: string) => {
    const body = JSON.parse(text) as Json;
    expect(body['schemas']).toEqual([ERROR_SCHEMA]);
    expect(typeof body['detail']).toBe('string');
    return body;
  };
  /** Entries of the directory queue's event stream: every job added writes some. */
  const queueEvents = () => redis.xlen(`${stack.queuePrefix}:${DIRECTORY_QUEUE}:events`);
  const operationsLogged = async () =>
    Number(
      (await stack.dataSource.query(`SELECT count(*) AS n FROM operations WHERE tenant_id = $1`, [tenantId]))[0].n,
    );

  describe('#3 bad bytes get 400 at the gateway and never reach the queue', () => {
    it('refuses NUL, unpaired surrogates and invalid UTF-8 in bodies, ids and query strings on every method', async () => {
      const eventsBefore = await queueEvents();
      const logged = await operationsLogged();
      const user = (extra: string) => `{"userName":"bytes@example.com"${extra}}`;
      const cases: [string, string, string | Buffer | undefined, 'invalidValue' | 'invalidSyntax', RegExp][] = [
        [
          'POST',
          '/api/scim/Users',
          user(',"title":"a\\u0000b"'),
          'invalidValue',
          /NUL character \(U\+0000\) in the value of "title"/,
        ],
        ['POST', '/api/scim/Users', '{"userName":"nul\\u0000@example.com"}', 'invalidValue', /NUL character/],
        [
          'POST',
          '/api/scim/Users',
          user(',"name":{"givenName":"\\ud800"}'),
          'invalidValue',
          /unpaired surrogate \(U\+D800\) in the value of "name.givenName"/,
        ],
        ['POST', '/api/scim/Users', user(',"ti\\u0000tle":"x"'), 'invalidValue', /attribute name/],
        [
          'POST',
          '/api/scim/Users',
          Buffer.from('{"userName":"\xff@example.com"}', 'latin1'),
          'invalidSyntax',
          /not valid UTF-8/,
        ],
        ['PUT', `/api/scim/Users/${userId}`, user(',"title":"\\udc00"'), 'invalidValue', /unpaired surrogate/],
        [
          'PATCH',
          `/api/scim/Users/${userId}`,
          '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"a\\u0000"}]}',
          'invalidValue',
          /"Operations\[0\]\.value"/,
        ],
        ['POST', '/api/scim/Groups', '{"displayName":"g\\u0000"}', 'invalidValue', /NUL character/],
        [
          'POST',
          '/api/scim/Bulk',
          '{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"/Users","bulkId":"a","data":{"userName":"\\u0000"}}]}',
          'invalidValue',
          /Operations\[0\]\.data\.userName/,
        ],
        ['POST', '/api/scim/Users/.search', '{"filter":"userName eq \\"\\u0000\\""}', 'invalidValue', /NUL character/],
        ['PUT', '/api/scim/Users/a%00b', user(''), 'invalidValue', /%00/],
        ['DELETE', '/api/scim/Users/a%00b', undefined, 'invalidValue', /%00/],
        [
          'PATCH',
          '/api/scim/Groups/%00',
          '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}',
          'invalidValue',
          /%00/,
        ],
        ['GET', '/api/scim/Users/%00', undefined, 'invalidValue', /%00/],
        ['GET', '/api/scim/Users?aadOptscim062020&x=%00', undefined, 'invalidValue', /%00/],
        ['GET', '/api/scim/Users/%FF', undefined, 'invalidSyntax', /not valid UTF-8/],
        ['GET', '/api/scim/Users?filter=userName%20eq%20%22%C3%22', undefined, 'invalidSyntax', /not valid UTF-8/],
        ['DELETE', '/api/scim/Users/%ED%A0%80', undefined, 'invalidSyntax', /not valid UTF-8/],
      ];
      for (const [method, target, body, scimType, detail] of cases) {
        const response = await request(method, target, body);
        expect({ method, target, status: response.status }).toEqual({ method, target, status: 400 });
        expect(scimError(response.body)).toMatchObject({
          status: '400',
          scimType,
          detail: expect.stringMatching(detail),
        });
      }
      // Nothing was queued, applied or recorded: no retries, no failure email.
      expect(await queueEvents()).toBe(eventsBefore);
      expect(await operationsLogged()).toBe(logged);
      expect((await scim.get<Json>(`/Users/${userId}`)).body).not.toHaveProperty('title');
    });

    it('refuses JSON nested deeper than any SCIM body with 400 invalidSyntax', async () => {
      const deep = `{"userName":"deep@example.com","x":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
      const response = await request('POST', '/api/scim/Users', deep);
      expect(response.status).toBe(400);
      expect(scimError(response.body)).toMatchObject({
        scimType: 'invalidSyntax',
        detail: expect.stringMatching(/nested more than 32 levels/),
      });
    });

    it('still accepts non-ASCII text: accents, emoji, and percent-encoded UTF-8 in ids and filters', async () => {
      const created = await scim.post<Json>('/Users', { userName: 'zoë😀@example.com', displayName: 'Zoë 😀' });
      expect(created.status).toBe(201);
      const found = await scim.get<Json>(`/Users${filterQuery('userName eq "ZOË😀@example.com"')}`);
      expect(found.body['totalResults']).toBe(1);
      expect((await scim.get(`/Users/${encodeURIComponent('é😀')}`)).status).toBe(404);
    });
  });

  describe('#4 reads answer 400 or 200, never 500', () => {
    it.each([
      ['/Users?sortBy=meta.version', 200],
      ['/Groups?sortBy=meta.version&sortOrder=descending', 200],
      ['/Users?sortBy=meta.location', 200],
      [`/Users${filterQuery('userName[x eq "a"]')}`, 200],
      [`/Groups${filterQuery('displayName[x eq "a"]')}`, 200],
      [`/Users${filterQuery('name[not (x eq "a")]')}`, 200],
      [`/Users${filterQuery('userName eq "a\u0000"')}`, 400],
      [`/Users${filterQuery('userName eq "a\\u0000"')}`, 400],
      [`/Users${filterQuery('userName eq "\\ud800"')}`, 400],
    ])('GET %s answers %i', async (path, status) => {
      const response = await scim.get<Json>(path);
      expect(response.status).toBe(status);
      if (status === 400)
        expect(response.body).toMatchObject({
          schemas: [ERROR_SCHEMA],
          scimType: expect.stringMatching(/invalidFilter|invalidValue/),
        });
    });

    it('answers the same in POST .search', async () => {
      const schemas = ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'];
      for (const body of [
        { schemas, sortBy: 'meta.version' },
        { schemas, filter: 'userName[x eq "a"]' },
      ]) {
        for (const path of ['/Users/.search', '/Groups/.search', '/.search']) {
          expect({ path, body, status: (await scim.post(path, body)).status }).toEqual({ path, body, status: 200 });
        }
      }
    });
  });

  describe('#8 every error body is a SCIM error, from any layer', () => {
    it('answers a malformed percent-encoding in the path with a SCIM 400', async () => {
      for (const target of ['/api/scim/Users/%ZZ', '/api/scim/Users/%', '/api/scim/Groups/a%G1']) {
        const response = await request('GET', target);
        expect(response.status).toBe(400);
        expect(response.headers['content-type']).toBe('application/scim+json; charset=utf-8');
        expect(scimError(response.body)).toMatchObject({
          status: '400',
          scimType: 'invalidSyntax',
          detail: expect.stringMatching(/malformed percent-encoding/),
        });
      }
    });

    it('answers headers too large with a SCIM 431', async () => {
      const response = await request('GET', '/api/scim/Users', undefined, { 'X-Padding': 'a'.repeat(20_000) });
      expect(response.status).toBe(431);
      expect(response.headers['content-type']).toBe('application/scim+json; charset=utf-8');
      expect(scimError(response.body)).toMatchObject({
        status: '431',
        detail: expect.stringMatching(/headers are larger/),
      });
    });

    it('answers a path segment over 500 characters with a SCIM 414', async () => {
      const response = await request('GET', `/api/scim/Users/${'a'.repeat(600)}`);
      expect(response.status).toBe(414);
      expect(scimError(response.body)).toMatchObject({ status: '414' });
    });

    it('answers an Expect other than 100-continue, and CONNECT, with SCIM errors (found by the HTTP fuzz)', async () => {
      const expectation = await request('GET', '/api/scim/Users', undefined, { Expect: 'teapot' });
      expect(expectation.status).toBe(417);
      expect(scimError(expectation.body)).toMatchObject({
        status: '417',
        detail: expect.stringMatching(/100-continue/),
      });
      const tunnel = await rawRequest(stack.port, 'CONNECT /api/scim/Users HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(tunnel.status).toBe(405);
      expect(scimError(tunnel.body)).toMatchObject({
        status: '405',
        detail: expect.stringMatching(/CONNECT is not supported/),
      });
    });

    it('answers bytes that are not HTTP with a SCIM 400', async () => {
      for (const raw of [
        'FOO BAR\r\n\r\n',
        'GET /api/scim/Users HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n',
        'GET /api/scim/Users/\xff HTTP/1.1\r\nHost: x\r\n\r\n',
      ]) {
        const response = await rawRequest(stack.port, Buffer.from(raw, 'latin1'));
        expect(response.status).toBe(400);
        expect(scimError(response.body)).toMatchObject({
          status: '400',
          scimType: 'invalidSyntax',
          detail: expect.stringMatching(/not valid HTTP/),
        });
      }
    });
  });

  describe('#9 smaller defects', () => {
    it('answers a Bulk body over 1 MiB with 413 naming both limits', async () => {
      const body = JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: [
          {
            method: 'POST',
            path: '/Users',
            bulkId: 'big',
            data: { userName: 'big@example.com', title: 'x'.repeat(1024 * 1024) },
          },
        ],
      });
      const response = await scim.post<Json>('/Bulk', body);
      expect(response.status).toBe(413);
      expect(response.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '413' });
      expect(response.body['detail']).toContain('1000 operations (maxOperations)');
      expect(response.body['detail']).toContain('1048576 bytes (maxPayloadSize)');
    });

    it('does not log a client that hangs up mid-request as an error (or a 500)', async () => {
      const gateway = stack.apps.find((app) => app.name === 'gateway')!;
      const before = gateway.logs.length;
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((resolve) => {
          const socket = connect(stack.port, '127.0.0.1', () => {
            socket.write(
              `POST /api/scim/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/scim+json\r\nContent-Length: 1000\r\n\r\n{"userName":`,
            );
            setTimeout(() => socket.destroy(), 200);
          });
          socket.on('close', () => resolve());
          socket.on('error', () => undefined);
        });
      }
      // The gateway noticed (it answers the next request normally) and logged nothing at error level.
      expect((await scim.get('/Users?count=0')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 300));
      const logged = gateway.logs.slice(before);
      expect(logged).not.toMatch(/ERROR|"level":"(error|fatal)"|Unexpected error|aborted/);
    });
  });
});
