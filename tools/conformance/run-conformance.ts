import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { run as newmanRun, type NewmanExecution, type NewmanRunSummary } from 'newman';
import { loadEnv } from '@scim/config';
import { TenantRepository, createDirectoryDataSource, isValidDomain, normalizeDomain } from '@scim/directory';
import { DEVIATIONS, type Deviation } from './deviations';

/**
 * `npm run conformance`: runs Microsoft's SCIM reference Postman collection
 * (../shared/conformance/microsoft-scim-reference.postman_collection.json, see its README) with
 * newman against a gateway that is already running. It starts nothing itself:
 *   1. checks that the gateway answers GET /health,
 *   2. creates a fresh tenant directly in Postgres (DATABASE_URL) whose work domains cover every
 *      email domain found in the collection's request bodies (personal providers such as gmail.com
 *      included, so that they are allowed),
 *   3. runs every top-level folder and request except the `/Token` one (the reference server's
 *      token endpoint, which would overwrite our token), with Protocol/Server/Port/Api/token
 *      taken from the base URL,
 *   4. prints one line per failed assertion, sorted into deliberate deviations (deviations.ts)
 *      and unexpected failures, then
 *      `conformance: N passed, M failed of T assertions`, and revokes the tenant's token.
 * Exit code 0 when every failure is a deliberate deviation, 1 otherwise; 0 with a note when the
 * collection file is missing (nothing to run).
 * Env: CONFORMANCE_URL (gateway base, default PUBLIC_URL, default http://localhost:8080),
 * CONFORMANCE_COLLECTION (path of the collection), DATABASE_URL.
 */

export const COLLECTION_FILE = 'microsoft-scim-reference.postman_collection.json';

export interface ConformanceOptions {
  /** Gateway base URL, e.g. http://127.0.0.1:8080 (a URL that already ends in /api/scim is accepted too). */
  baseUrl: string;
  /** The gateway's Postgres, where the tenant is created. */
  databaseUrl: string;
  collectionPath: string;
  /** Per-request timeout given to newman (ms). */
  timeoutRequestMs?: number;
}

export interface AssertionFailure {
  /** Top-level folder of the request, null for a request at the top level. */
  folder: string | null;
  request: string;
  /** 1 for the first request of this name (within its folder), 2 for the second, … */
  occurrence: number;
  /** The same, counted over the whole collection. */
  occurrenceAnywhere: number;
  assertion: string;
  message: string;
  method: string;
  url: string;
  /** What the server answered: status and the start of the body. */
  status: number | null;
  body: string;
  deviation?: Deviation;
}

export interface RunProblem {
  folder: string | null;
  request: string;
  kind: string;
  message: string;
}

export interface ConformanceResult {
  passed: number;
  failed: number;
  total: number;
  /** Assertions written in the scripts of the requests that were run (`pm.test(` calls). */
  declaredAssertions: number;
  requests: number;
  tenantId: string;
  workDomains: string[];
  failures: AssertionFailure[];
  /** Failures listed as deliberate deviations. */
  expected: AssertionFailure[];
  /** Every other failure: a bug or a regression. */
  unexpected: AssertionFailure[];
  /** Script errors outside assertions and requests that got no response (they hide assertions). */
  problems: RunProblem[];
  /** Listed deviations that did not fail this time (remove them from the list). */
  staleDeviations: Deviation[];
}

/** The repository root: the nearest directory above this file with a package.json (works from dist/ too). */
export function repositoryRoot(from: string = __dirname): string {
  let dir = resolve(from);
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return resolve(from);
    dir = parent;
  }
  return dir;
}

export function defaultCollectionPath(env: NodeJS.ProcessEnv = process.env): string {
  const override = env['CONFORMANCE_COLLECTION']?.trim();
  if (override) return resolve(override);
  return resolve(repositoryRoot(), '..', 'shared', 'conformance', COLLECTION_FILE);
}

// ---------------------------------------------------------------------------------------------
// The collection
// ---------------------------------------------------------------------------------------------

interface PostmanItem {
  id?: string;
  name: string;
  item?: PostmanItem[];
  request?: { method?: string; url?: string | { raw?: string }; body?: { raw?: string } };
  event?: { listen: string; script?: { exec?: string[] | string } }[];
}

interface PostmanCollection {
  info: { name: string };
  item: PostmanItem[];
  [key: string]: unknown;
}

function rawUrl(item: PostmanItem): string {
  const url = item.request?.url;
  return typeof url === 'string' ? url : (url?.raw ?? '');
}

/** The reference server's token endpoint: `GET {{…}}/{{Api}}/Token`. */
function isTokenRequest(item: PostmanItem): boolean {
  return item.request !== undefined && /\/token\/?(\?.*)?$/i.test(rawUrl(item));
}

/** Drops the Token request (and a folder left empty by that); gives every item a stable id. */
export function withoutTokenRequest(collection: PostmanCollection): PostmanCollection {
  let sequence = 0;
  const filter = (items: PostmanItem[]): PostmanItem[] =>
    items.flatMap((item) => {
      if (item.item) {
        const children = filter(item.item);
        return children.length > 0 ? [{ ...item, id: item.id ?? `conformance-${sequence++}`, item: children }] : [];
      }
      return isTokenRequest(item) ? [] : [{ ...item, id: item.id ?? `conformance-${sequence++}` }];
    });
  return { ...collection, item: filter(collection.item) };
}

function requests(items: PostmanItem[], folder: string | null = null): { item: PostmanItem; folder: string | null }[] {
  return items.flatMap((item) => (item.item ? requests(item.item, folder ?? item.name) : [{ item, folder }]));
}

function scriptText(item: PostmanItem, listen: string): string {
  return (item.event ?? [])
    .filter((e) => e.listen === listen)
    .map((e) => (Array.isArray(e.script?.exec) ? e.script.exec.join('\n') : (e.script?.exec ?? '')))
    .join('\n');
}

const ADDRESS = /[A-Za-z0-9._%+'-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)/g;

/**
 * Every email domain used in the request bodies, lower-cased and sorted. These become the
 * tenant's work domains, personal providers included: with a work-domain list, only the list
 * counts, so gmail.com must be on it to be accepted.
 */
export function emailDomains(collection: PostmanCollection): string[] {
  const domains = new Set<string>();
  for (const { item } of requests(collection.item)) {
    const body = item.request?.body?.raw ?? '';
    for (const match of body.matchAll(ADDRESS)) {
      const domain = normalizeDomain(match[1]!);
      if (isValidDomain(domain)) domains.add(domain);
    }
  }
  return [...domains].sort();
}

/** The collection's variables for a gateway base URL: {{Protocol}}://{{Server}}{{Port}}/{{Api}}/Users. */
export function collectionVariables(baseUrl: string, token: string): { key: string; value: string }[] {
  const url = new URL(baseUrl);
  let api = url.pathname.replace(/^\/+|\/+$/g, '');
  if (!/(^|\/)api\/scim$/i.test(api)) api = api ? `${api}/api/scim` : 'api/scim';
  return [
    { key: 'Protocol', value: url.protocol.replace(/:$/, '') },
    { key: 'Server', value: url.hostname },
    { key: 'Port', value: url.port ? `:${url.port}` : '' },
    { key: 'Api', value: api },
    { key: 'token', value: token },
  ];
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

function newman(
  collection: PostmanCollection,
  envVar: { key: string; value: string }[],
  timeoutRequest: number,
): Promise<NewmanRunSummary> {
  return new Promise((resolvePromise, reject) => {
    newmanRun({ collection, envVar, reporters: [], timeoutRequest }, (error, summary) =>
      error ? reject(error) : resolvePromise(summary),
    );
  });
}

function responseText(execution: NewmanExecution): string {
  const response = execution.response;
  if (!response) return '';
  try {
    if (typeof response.text === 'function') return response.text();
    const stream = response.stream;
    if (!stream) return '';
    return Buffer.isBuffer(stream) ? stream.toString('utf8') : Buffer.from(stream.data).toString('utf8');
  } catch {
    return '';
  }
}

type ListedFailure = { folder?: string; occurrence?: number; request: string; assertion: string };

/** Same request and assertion names; same folder and occurrence when the entry gives them. */
function matches(entry: ListedFailure, failure: AssertionFailure): boolean {
  if (entry.request !== failure.request || entry.assertion !== failure.assertion) return false;
  if (entry.folder !== undefined && entry.folder !== failure.folder) return false;
  if (entry.occurrence === undefined) return true;
  return entry.occurrence === (entry.folder !== undefined ? failure.occurrence : failure.occurrenceAnywhere);
}

async function assertGatewayAnswers(baseUrl: string): Promise<void> {
  const health = new URL('/health', baseUrl).toString();
  try {
    await fetch(health, { signal: AbortSignal.timeout(5000) });
  } catch (error) {
    throw new Error(`no gateway answers at ${health} (${(error as Error).message}); start the stack first`);
  }
}

/** Creates the tenant, runs the collection and classifies every failed assertion. */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceResult> {
  const collection = withoutTokenRequest(JSON.parse(readFileSync(options.collectionPath, 'utf8')) as PostmanCollection);
  const workDomains = emailDomains(collection);
  await assertGatewayAnswers(options.baseUrl);

  const dataSource = createDirectoryDataSource({
    url: options.databaseUrl,
    poolSize: 1,
    applicationName: 'scim-conformance',
  });
  await dataSource.initialize();
  try {
    const tenants = new TenantRepository(dataSource);
    const { tenant, token } = await tenants.create({ name: `conformance ${new Date().toISOString()}`, workDomains });
    try {
      const summary = await newman(
        collection,
        collectionVariables(options.baseUrl, token),
        options.timeoutRequestMs ?? 60000,
      );
      return classify(collection, summary, tenant.id, tenant.workDomains);
    } finally {
      // The tenant stays for inspection (npm run tenant -- log --tenant ID); its token is of no further use.
      await tenants.revokeTokens(tenant.id);
    }
  } finally {
    await dataSource.destroy();
  }
}

function classify(
  collection: PostmanCollection,
  summary: NewmanRunSummary,
  tenantId: string,
  workDomains: string[],
): ConformanceResult {
  const all = requests(collection.item);
  const folderOf = new Map(all.map(({ item, folder }) => [item.id!, folder]));
  // Request names repeat ("Get group by id" twice in one folder): number them in collection order.
  const seen = new Map<string, number>();
  const occurrence = new Map<string, { inFolder: number; anywhere: number }>();
  for (const { item, folder } of all) {
    const inFolder = (seen.get(`${folder}\u0000${item.name}`) ?? 0) + 1;
    const anywhere = (seen.get(item.name) ?? 0) + 1;
    seen.set(`${folder}\u0000${item.name}`, inFolder);
    seen.set(item.name, anywhere);
    occurrence.set(item.id!, { inFolder, anywhere });
  }
  const declaredAssertions = all.reduce(
    (n, { item }) => n + (scriptText(item, 'test').match(/pm\.test\s*\(/g)?.length ?? 0),
    0,
  );

  const failures: AssertionFailure[] = [];
  for (const execution of summary.run.executions) {
    for (const assertion of execution.assertions ?? []) {
      if (!assertion.error) continue;
      failures.push({
        folder: folderOf.get(execution.item.id) ?? null,
        request: execution.item.name,
        occurrence: occurrence.get(execution.item.id)?.inFolder ?? 1,
        occurrenceAnywhere: occurrence.get(execution.item.id)?.anywhere ?? 1,
        assertion: assertion.assertion,
        message: assertion.error.message,
        method: execution.request?.method ?? '',
        url: execution.request?.url.toString() ?? '',
        status: execution.response?.code ?? null,
        body: responseText(execution).slice(0, 600),
      });
    }
  }
  const problems: RunProblem[] = summary.run.failures
    .filter((f) => f.error.name !== 'AssertionError' && f.error.test === undefined)
    .map((f) => ({
      folder: (f.source?.id && folderOf.get(f.source.id)) || null,
      request: f.source?.name ?? '?',
      kind: f.at,
      message: `${f.error.name}: ${f.error.message}`,
    }));

  for (const failure of failures) failure.deviation = DEVIATIONS.find((d) => matches(d, failure));
  const expected = failures.filter((f) => f.deviation);
  const unexpected = failures.filter((f) => !f.deviation);
  const stats = summary.run.stats.assertions;
  return {
    passed: stats.total - stats.failed,
    failed: stats.failed,
    total: stats.total,
    declaredAssertions,
    requests: summary.run.stats.requests.total,
    tenantId,
    workDomains,
    failures,
    expected,
    unexpected,
    problems,
    staleDeviations: DEVIATIONS.filter((d) => !failures.some((f) => matches(d, f))),
  };
}

// ---------------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------------

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

export function describeFailure(f: AssertionFailure): string {
  const name = f.occurrence > 1 ? `${f.request} (#${f.occurrence})` : f.request;
  const where = f.folder ? `${f.folder} / ${name}` : name;
  const answered = f.status === null ? 'no response' : `${f.status}${f.body ? ` ${oneLine(f.body, 200)}` : ''}`;
  return `${where} › ${f.assertion}: ${f.message}  [${f.method} ${f.url} → ${answered}]`;
}

/** The report `npm run conformance` prints, ending with the `conformance: N passed, …` line. */
export function formatReport(result: ConformanceResult): string[] {
  const lines: string[] = [];
  lines.push(`tenant ${result.tenantId}, work domains: ${result.workDomains.join(', ')}`);
  for (const f of result.failures) {
    const tag = f.deviation ? 'deviation' : 'UNEXPECTED';
    lines.push(`FAIL [${tag}] ${describeFailure(f)}`);
  }
  for (const p of result.problems) {
    lines.push(`ERROR ${p.folder ? `${p.folder} / ` : ''}${p.request} (${p.kind}): ${oneLine(p.message, 300)}`);
  }
  if (result.expected.length > 0) {
    lines.push(`expected deviations (${result.expected.length}, deliberate, see tools/conformance/deviations.ts):`);
    for (const f of result.expected) lines.push(`  - ${f.request} › ${f.assertion}: ${f.deviation!.reason}`);
  }
  if (result.unexpected.length > 0) {
    lines.push(`unexpected (${result.unexpected.length}):`);
    for (const f of result.unexpected) lines.push(`  - ${f.request} › ${f.assertion}`);
  }
  if (result.unexpected.length === 0) lines.push('unexpected failures: none');
  for (const d of result.staleDeviations)
    lines.push(`note: listed deviation did not fail: ${d.request} › ${d.assertion}`);
  if (result.total !== result.declaredAssertions) {
    lines.push(
      `note: ${result.total} assertions ran of ${result.declaredAssertions} written in the collection (a script stopped early)`,
    );
  }
  lines.push(`conformance: ${result.passed} passed, ${result.failed} failed of ${result.total} assertions`);
  return lines;
}

async function main(): Promise<number> {
  const collectionPath = defaultCollectionPath();
  if (!existsSync(collectionPath)) {
    console.log(`conformance: collection not found at ${collectionPath}; nothing to run`);
    return 0;
  }
  const env = loadEnv(['DATABASE_URL', 'PUBLIC_URL']);
  const baseUrl = (process.env['CONFORMANCE_URL']?.trim() || env.PUBLIC_URL).replace(/\/+$/, '');
  console.log(`conformance: running ${collectionPath} against ${baseUrl}`);
  const result = await runConformance({ baseUrl, databaseUrl: env.DATABASE_URL, collectionPath });
  for (const line of formatReport(result)) console.log(line);
  return result.unexpected.length === 0 && result.problems.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`conformance: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
