import fc from 'fast-check';
import { rawRequest, type RawResponse } from './support/raw-http';
import { TestStack } from './support/stack';

/**
 * Fuzzing the HTTP layer (issue 8): generated methods, paths, ids, query strings, headers and
 * bodies against the running gateway and worker. While Postgres and Redis are up, no answer is a
 * 5xx, every error is a SCIM error body, no write exhausts its retries (a permanent fault
 * classified as transient) and nothing is logged as unexpected. Short budget in `npm test`;
 * `npm run fuzz` sets FUZZ_RUNS for a long one.
 */
const RUNS = Number(process.env['FUZZ_RUNS'] || 150);
jest.setTimeout(120_000 + RUNS * 300);

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/** Like encodeURIComponent, but a lone surrogate becomes its (invalid) three UTF-8-style bytes instead of a throw. */
function percentEncode(text: string): string {
  let out = '';
  for (const char of text) {
    if (/^[A-Za-z0-9_.!~*'()-]$/.test(char)) {
      out += char;
      continue;
    }
    const code = char.charCodeAt(0);
    const bytes =
      char.length === 1 && code >= 0xd800 && code <= 0xdfff
        ? [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        : [...Buffer.from(char, 'utf8')];
    out += bytes.map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

describe('fuzz: the HTTP layer (end to end)', () => {
  const stack = new TestStack({ label: 'httpfuzz' });
  const known = { token: '', otherToken: '', userIds: [] as string[], groupIds: [] as string[] };
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    await stack.start();
    known.token = (await stack.createTenant({ workDomains: ['example.com'] })).token;
    known.otherToken = (await stack.createTenant()).token;
    const scim = stack.client(known.token);
    for (const userName of ['ann@example.com', 'bob@example.com']) {
      known.userIds.push(
        (await scim.post<Record<string, string>>('/Users', { userName, emails: [{ type: 'work', value: userName }] }))
          .body['id']!,
      );
    }
    known.groupIds.push(
      (
        await scim.post<Record<string, string>>('/Groups', {
          displayName: 'Crew',
          members: [{ value: known.userIds[0] }],
        })
      ).body['id']!,
    );
  }, 60000);

  afterAll(async () => {
    console.log(
      `HTTP fuzz: ${RUNS} requests; statuses ${[...statuses.entries()]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}×${n}`)
        .join(' ')}`,
    );
    await stack.stop();
  }, 60000);

  // ------------------------------------------------------------------------------------------
  // Arbitraries

  const text = fc.oneof(
    fc.string({ maxLength: 10 }),
    fc.string({ unit: 'binary', maxLength: 10 }),
    fc.constantFrom(
      '\u0000',
      '\uD800',
      '😀',
      'é',
      '"',
      '\\',
      '%',
      "'",
      '',
      ' ',
      'work',
      'ann@example.com',
      'x@gmail.com',
    ),
  );
  const id = fc.oneof(
    fc
      .constantFrom(...['u', 'g'].map((k) => () => (k === 'u' ? known.userIds[0]! : known.groupIds[0]!)))
      .map((f) => f()),
    fc.uuid(),
    text.map((t) => percentEncode(t)),
    fc.constantFrom('%00', '%ZZ', '%FF', '%C3', '%ED%A0%80', '..', '.search', '%2F', 'a'.repeat(600), '%25', '+', '*'),
  );
  const resource = fc.constantFrom('Users', 'Groups', 'users', 'GROUPS');
  const path = fc.oneof(
    { weight: 6, arbitrary: resource.map((r) => `/api/scim/${r}`) },
    { weight: 6, arbitrary: fc.tuple(resource, id).map(([r, i]) => `/api/scim/${r}/${i}`) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '/api/scim/Users/.search',
        '/api/scim/Groups/.search',
        '/api/scim/.search',
        '/api/scim/Bulk',
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '/api/scim/ServiceProviderConfig',
        '/api/scim/Schemas',
        '/api/scim/ResourceTypes',
        '/health',
        '/health/live',
        '/',
        '/admin',
        '/admin/api/me',
      ),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom('Schemas', 'ResourceTypes'), id).map(([r, i]) => `/api/scim/${r}/${i}`),
    },
    { weight: 1, arbitrary: fc.array(id, { minLength: 1, maxLength: 4 }).map((segments) => `/${segments.join('/')}`) },
  );

  const attribute = fc.constantFrom(
    'userName',
    'displayName',
    'emails',
    'emails.value',
    'emails.type',
    'name.givenName',
    'title',
    'active',
    'externalId',
    'id',
    'meta.created',
    'meta.lastModified',
    'meta.version',
    'members',
    'members.value',
    'groups',
    'manager',
    `${ENTERPRISE}:department`,
    `${ENTERPRISE}:manager.value`,
    'schemas',
    'x',
    'name[x',
  );
  const filterValue = fc.oneof(
    text.map((t) => JSON.stringify(t)),
    fc.constantFrom('true', 'null', '1', '1e999', '"2026-01-01T00:00:00Z"', '"1"', 'bare'),
    fc.uuid().map((u) => `"${u}"`),
  );
  const comparison = fc.oneof(
    fc
      .tuple(attribute, fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'EQ'), filterValue)
      .map(([a, op, v]) => `${a} ${op} ${v}`),
    attribute.map((a) => `${a} pr`),
    fc
      .tuple(fc.constantFrom('emails', 'members', 'name', 'userName', 'manager'), attribute, filterValue)
      .map(([a, sub, v]) => `${a}[${sub} eq ${v}]`),
  );
  const filter = fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .array(comparison, { minLength: 1, maxLength: 3 })
        .chain((parts) => fc.constantFrom(' and ', ' or ').map((join) => parts.join(join)))
        .map((f) => (f.length % 3 === 0 ? `not (${f})` : f)),
    },
    { weight: 1, arbitrary: text },
  );
  const queryValue = fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .oneof(
          filter,
          attribute,
          fc.integer({ min: -3, max: 2000 }).map(String),
          fc.constantFrom('ascending', 'descending', '', 'emails,name.givenName,members'),
        )
        .map(percentEncode),
    },
    { weight: 1, arbitrary: text.map((t) => percentEncode(t)) },
    { weight: 1, arbitrary: fc.constantFrom('%00', '%ZZ', '%FF', '%', '%C3%28', '+', '%2B', '&&', '=') },
  );
  const queryParam = fc.tuple(
    fc.oneof(
      {
        weight: 12,
        arbitrary: fc.constantFrom(
          'filter',
          'sortBy',
          'sortOrder',
          'startIndex',
          'count',
          'attributes',
          'excludedAttributes',
          'aadOptscim062020',
          'FILTER',
        ),
      },
      { weight: 1, arbitrary: fc.constantFrom('x', '%00', '') },
    ),
    queryValue,
  );
  const query = fc.oneof(
    { weight: 1, arbitrary: fc.constant('') },
    {
      weight: 3,
      arbitrary: fc
        .array(queryParam, { maxLength: 4 })
        .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
    },
  );

  /** Mostly text a client would send (any Unicode), sometimes anything. */
  const plain = fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }) },
    { weight: 1, arbitrary: text },
  );
  const local = fc.stringMatching(/^[a-z][a-z0-9.]{0,10}$/);
  const userName = fc.oneof(
    { weight: 4, arbitrary: local.map((l) => `${l}@example.com`) },
    { weight: 1, arbitrary: fc.constantFrom('ann@example.com', 'ANN@example.com', '', 'x'.repeat(300)) },
    { weight: 1, arbitrary: text },
  );
  const user = fc.record(
    {
      schemas: fc.constantFrom([USER_SCHEMA], [USER_SCHEMA, ENTERPRISE], 'x', []),
      userName,
      externalId: plain,
      active: fc.constantFrom(true, false, 'False', 'maybe', null),
      displayName: plain,
      name: fc.record({ givenName: plain, familyName: plain }, { requiredKeys: [] }),
      emails: fc.array(
        fc.record(
          {
            type: fc.constantFrom('work', 'home', 'Work'),
            value: fc.oneof(
              local.map((l) => `${l}@example.com`),
              fc.constantFrom('c@gmail.com', 'bad', ''),
            ),
            primary: fc.boolean(),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 2 },
      ),
      [ENTERPRISE]: fc.record(
        {
          department: plain,
          manager: fc.oneof(fc.constant(known.userIds[0] ?? ''), fc.uuid(), fc.constant({ value: 'x' })),
        },
        { requiredKeys: [] },
      ),
      password: plain,
      meta: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: ['userName'] },
  );
  const group = fc.record(
    {
      displayName: fc.oneof(fc.constantFrom('Crew', 'Team', ''), plain),
      members: fc.array(
        fc.record({
          value: fc.oneof(
            fc.constant('u').map(() => known.userIds[1]!),
            fc.uuid(),
            text,
          ),
        }),
        { maxLength: 3 },
      ),
      externalId: plain,
    },
    { requiredKeys: ['displayName'] },
  );
  const patchOperation = fc.record(
    {
      op: fc.constantFrom('add', 'replace', 'remove', 'Replace', 'bogus'),
      path: fc.oneof(
        attribute,
        fc.constantFrom('members', 'emails[type eq "work"].value', ENTERPRISE, `${ENTERPRISE}:manager`, 'active'),
      ),
      value: fc.oneof(text, fc.jsonValue({ maxDepth: 2 }), fc.constant([{ value: 'u' }])),
    },
    { requiredKeys: ['op'] },
  );
  const bulkBody = fc
    .array(
      fc.record(
        {
          method: fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE', 'GET'),
          path: fc.constantFrom('/Users', '/Groups', '/Users/x', '/Users/bulkId:a'),
          bulkId: fc.constantFrom('a', 'b', 'c'),
          data: fc.oneof(user, group),
        },
        { requiredKeys: ['method'] },
      ),
      { minLength: 1, maxLength: 3 },
    )
    .map((ops) => ({ schemas: [BULK_REQUEST], Operations: ops, failOnErrors: 1 }));
  const searchBody = fc.record(
    {
      schemas: fc.constant([SEARCH_REQUEST]),
      filter,
      sortBy: attribute,
      count: fc.integer({ min: -1, max: 10 }),
      attributes: fc.array(attribute, { maxLength: 2 }),
    },
    { requiredKeys: ['schemas'] },
  );
  const jsonBody = fc.oneof(
    user,
    group,
    fc.array(patchOperation, { minLength: 1, maxLength: 3 }).map((ops) => ({ schemas: [PATCH_OP], Operations: ops })),
    bulkBody,
    searchBody,
    fc.jsonValue({ maxDepth: 3 }),
  );
  const rawBody = fc.oneof(
    { weight: 4, arbitrary: jsonBody.map((b) => Buffer.from(JSON.stringify(b) ?? 'null')) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          '{"userName":"a\\u0000"}',
          '{"userName":"\\ud800"}',
          '{',
          '',
          '[]',
          'null',
          `{"a":${'['.repeat(40)}${']'.repeat(40)}}`,
          '{"__proto__":{"x":1}}',
        )
        .map((s) => Buffer.from(s)),
    },
  );
  const json = (arbitrary: fc.Arbitrary<unknown>) => arbitrary.map((b) => Buffer.from(JSON.stringify(b)));
  const patchBody = json(
    fc.array(patchOperation, { minLength: 1, maxLength: 3 }).map((ops) => ({ schemas: [PATCH_OP], Operations: ops })),
  );
  const usually = (body: fc.Arbitrary<Buffer | undefined>) =>
    fc.oneof(
      { weight: 5, arbitrary: body },
      { weight: 1, arbitrary: rawBody },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
  const anyMethod = fc.constantFrom(
    'GET',
    'POST',
    'PUT',
    'PATCH',
    'DELETE',
    'HEAD',
    'OPTIONS',
    'TRACE',
    'get',
    'BREW',
    'CONNECT',
  );
  const mostly = (methods: string[]) =>
    fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...methods) }, { weight: 1, arbitrary: anyMethod });

  /** A route, a method that mostly fits it, and a body that mostly fits the method. */
  const target = fc.oneof(
    fc.tuple(fc.constantFrom('Users', 'users'), mostly(['GET', 'POST'])).chain(([r, m]) =>
      fc.record({
        method: fc.constant(m),
        path: fc.constant(`/api/scim/${r}`),
        body: m === 'POST' ? usually(json(user)) : fc.constant(undefined),
      }),
    ),
    fc.tuple(fc.constantFrom('Groups', 'GROUPS'), mostly(['GET', 'POST'])).chain(([r, m]) =>
      fc.record({
        method: fc.constant(m),
        path: fc.constant(`/api/scim/${r}`),
        body: m === 'POST' ? usually(json(group)) : fc.constant(undefined),
      }),
    ),
    fc.tuple(resource, id, mostly(['GET', 'PUT', 'PATCH', 'DELETE'])).chain(([r, i, m]) =>
      fc.record({
        method: fc.constant(m),
        path: fc.constant(`/api/scim/${r}/${i}`),
        body:
          m === 'PUT'
            ? usually(json(r.toLowerCase() === 'users' ? user : group))
            : m === 'PATCH'
              ? usually(patchBody)
              : fc.constant(undefined),
      }),
    ),
    fc.record({
      method: mostly(['POST']),
      path: fc.constantFrom('/api/scim/Users/.search', '/api/scim/Groups/.search', '/api/scim/.search'),
      body: usually(json(searchBody)),
    }),
    fc.record({ method: mostly(['POST']), path: fc.constant('/api/scim/Bulk'), body: usually(json(bulkBody)) }),
    fc.record({ method: mostly(['GET']), path: path, body: fc.option(rawBody, { nil: undefined }) }),
  );
  const tokenHeader = fc.oneof(
    { weight: 8, arbitrary: fc.constant(() => `Bearer ${known.token}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        () => `Bearer ${known.otherToken}`,
        () => 'Bearer nope',
        () => 'Basic YTpi',
        () => 'Bearer',
        () => '',
      ),
    },
  );
  const headerValue = fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, ' '));
  const extraHeaders = fc.oneof(
    { weight: 3, arbitrary: fc.constant([] as [string, string][]) },
    {
      weight: 1,
      arbitrary: fc.array(
        fc.tuple(
          fc.constantFrom(
            'If-Match',
            'If-None-Match',
            'Accept',
            'Accept-Encoding',
            'X-Request-Id',
            'Content-Encoding',
            'Expect',
            'Transfer-Encoding',
            'Range',
            'Origin',
          ),
          fc.oneof(headerValue, fc.constantFrom('*', 'W/"1"', '"1"', 'gzip', 'chunked', '100-continue')),
        ),
        { maxLength: 2 },
      ),
    },
  );
  const contentType = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom('application/scim+json', 'application/json', 'application/scim+json; charset=utf-8'),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'application/json; charset=latin1',
        'text/plain',
        'application/x-www-form-urlencoded',
        '',
        'garbage',
      ),
    },
  );

  const request = fc
    .record({ target, query, token: tokenHeader, contentType, headers: extraHeaders })
    .map(({ target: t, ...rest }) => ({ ...t, ...rest }));

  // ------------------------------------------------------------------------------------------

  function build(r: {
    method: string;
    path: string;
    query: string;
    body: Buffer | undefined;
    token: () => string;
    contentType: string;
    headers: [string, string][];
  }): Buffer {
    const lines = [`${r.method} ${r.path}${r.query} HTTP/1.1`, 'Host: localhost', 'Connection: close'];
    const auth = r.token();
    if (auth) lines.push(`Authorization: ${auth}`);
    for (const [name, value] of r.headers)
      if (name.toLowerCase() !== 'transfer-encoding' || r.body === undefined) lines.push(`${name}: ${value}`);
    if (r.body !== undefined) {
      if (r.contentType) lines.push(`Content-Type: ${r.contentType}`);
      lines.push(`Content-Length: ${r.body.length}`);
    }
    return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), r.body ?? Buffer.alloc(0)]);
  }

  function check(sent: Buffer, method: string, path: string, response: RawResponse): void {
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    if (process.env['FUZZ_DEBUG'] && response.status === 400) console.log(response.body.slice(70, 150));
    const shown = sent.toString('latin1').slice(0, 600);
    if (response.status >= 500) throw new Error(`${response.status} for\n${shown}\n→ ${response.body.slice(0, 400)}`);
    if (response.status < 400 || method === 'HEAD') return;
    let parsed: { schemas?: unknown; status?: unknown; detail?: unknown };
    try {
      parsed = JSON.parse(response.body);
    } catch {
      throw new Error(`${response.status} without a JSON body for\n${shown}\n→ ${response.body.slice(0, 400)}`);
    }
    // The console's API is not SCIM: its own errors are `{"status": 401, "error": "…"}` (README, admin console);
    // errors raised before routing (417, 431, …) are SCIM errors there too.
    const adminError = parsed as { status?: unknown; error?: unknown };
    if (
      path.startsWith('/admin/api/') &&
      adminError.status === response.status &&
      typeof adminError.error === 'string'
    ) {
      return;
    }
    if (
      !Array.isArray(parsed.schemas) ||
      parsed.schemas[0] !== ERROR_SCHEMA ||
      parsed.status !== String(response.status) ||
      typeof parsed.detail !== 'string'
    ) {
      throw new Error(`${response.status} is not a SCIM error for\n${shown}\n→ ${response.body.slice(0, 400)}`);
    }
  }

  it('never answers 5xx, and answers every error with a SCIM error body', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const sent = build(r);
        check(sent, r.method, r.path, await rawRequest(stack.port, sent));
      }),
      { numRuns: RUNS },
    );
  });

  it('leaves both apps running, with no write retried to exhaustion and nothing unexpected logged', async () => {
    // Writes answered 4xx were refusals, not retries: the worker never gave up on one.
    await new Promise((r) => setTimeout(r, 500));
    for (const app of stack.apps)
      expect({ app: app.name, running: app.running }).toEqual({ app: app.name, running: true });
    const logs = stack.dumpLogs();
    expect(logs).not.toMatch(/Unexpected error|failed after \d+ attempts|refused by the database|Database refused/);
  });
});
