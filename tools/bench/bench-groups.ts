import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadEnv } from '@scim/config';
import { TenantRepository, createDirectoryDataSource } from '@scim/directory';

/**
 * `npm run bench:groups`: membership cost against a running stack (start it first). Builds, through
 * the API, a group of BENCH_GROUP_SIZE (100,000) members and a group of 10, then prints the median
 * of BENCH_RUNS (5) runs of: adding 100 members, removing them again (Entra's remove-with-value),
 * a GET that excludes members, and for the large group a GET with all members, then
 * BENCH_CONCURRENT_GETS (2, the default MEMBER_STREAMS_PER_TENANT) of those at once. Prints the
 * gateway's peak RSS (VmHWM, reset before each) during the sequential and the concurrent GETs and
 * before them, and the peak RSS of the worker processes. The gateway is the process
 * listening on the URL's port (found with `ss`, or BENCH_GATEWAY_PID); resetting its peak needs
 * the same user or root. Its tenant gets its own rate limit of BENCH_RATE_LIMIT requests/s
 * (1,000,000). Figures, not a test.
 */
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

interface Env {
  baseUrl: string;
  token: string;
}

async function call(
  env: Env,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${env.baseUrl}/api/scim${path}`, {
    method,
    headers: {
      authorization: `Bearer ${env.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, ms: performance.now() - started };
}

async function expectStatus(
  promise: Promise<{ status: number; text: string; ms: number }>,
  status: number,
): Promise<{ text: string; ms: number }> {
  const result = await promise;
  if (result.status !== status)
    throw new Error(`expected ${status}, got ${result.status}: ${result.text.slice(0, 300)}`);
  return result;
}

/** Runs `task` over `items` with `concurrency` in flight, printing progress. */
async function pool<T>(
  items: T[],
  concurrency: number,
  label: string,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let done = 0;
  const started = Date.now();
  const progress = setInterval(
    () =>
      process.stdout.write(
        `\r  ${label}: ${done}/${items.length} (${Math.round(done / ((Date.now() - started) / 1000))}/s)   `,
      ),
    1000,
  );
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        await task(item);
        done++;
      }
    }),
  );
  clearInterval(progress);
  process.stdout.write(`\r  ${label}: ${done}/${items.length} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function peakRss(script: string): string {
  try {
    const pids = execFileSync('pgrep', ['-f', script], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    return pids.map((pid) => `${mebibytes(pid, 'VmHWM') ?? '?'} MiB (pid ${pid})`).join(', ');
  } catch {
    return 'not found on this machine';
  }
}

/** VmHWM (peak) or VmRSS (now) of a process, in MiB. */
function mebibytes(pid: string, field: 'VmHWM' | 'VmRSS'): number | undefined {
  const kib = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kib === undefined ? undefined : Math.round(Number(kib) / 1024);
}

/** The pid of the process listening on the gateway's port on this machine. */
function gatewayPid(baseUrl: string): string | undefined {
  if (process.env['BENCH_GATEWAY_PID']) return process.env['BENCH_GATEWAY_PID'];
  const url = new URL(baseUrl);
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  try {
    const listening = execFileSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
    return /pid=(\d+)/.exec(listening)?.[1];
  } catch {
    return undefined;
  }
}

/** Runs `phase` and gives the gateway's peak RSS during it (its VmHWM reset first), or why not. */
async function peakDuring(pid: string | undefined, phase: () => Promise<void>): Promise<string> {
  let reset = false;
  if (pid) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
      reset = true;
    } catch {
      // Another user's process: its peak since start is all there is.
    }
  }
  const before = pid ? mebibytes(pid, 'VmRSS') : undefined;
  await phase();
  if (!pid) return 'gateway process not found (set BENCH_GATEWAY_PID)';
  return reset
    ? `${mebibytes(pid, 'VmHWM')} MiB (RSS ${before} MiB before)`
    : `? (could not reset the peak of pid ${pid}; its peak since start: ${mebibytes(pid, 'VmHWM')} MiB)`;
}

async function main(): Promise<void> {
  const config = loadEnv(['DATABASE_URL', 'PUBLIC_URL']);
  const size = Number(process.env['BENCH_GROUP_SIZE'] ?? 100_000);
  const runs = Number(process.env['BENCH_RUNS'] ?? 5);
  const concurrentGets = Number(process.env['BENCH_CONCURRENT_GETS'] ?? 2);
  const rateLimit = Number(process.env['BENCH_RATE_LIMIT'] ?? 1_000_000);
  const dataSource = createDirectoryDataSource({ url: config.DATABASE_URL, poolSize: 1 });
  await dataSource.initialize();
  const { tenant, token } = await new TenantRepository(dataSource).create({
    name: `bench-groups-${Date.now()}`,
    rateLimit,
  });
  await dataSource.destroy();
  const env: Env = { baseUrl: (process.env['BENCH_URL'] ?? config.PUBLIC_URL).replace(/\/+$/, ''), token };
  console.log(
    `Benchmarking groups at ${env.baseUrl} as tenant ${tenant.id}: a group of ${size} and a group of 10, median of ${runs} runs`,
  );

  const userIds: string[] = [];
  const indexes = Array.from({ length: size + 110 }, (_, i) => i);
  await pool(indexes, 32, 'creating users', async (i) => {
    const { text } = await expectStatus(
      call(env, 'POST', '/Users', { userName: `member-${i}@bench.example`, displayName: `Member ${i}` }),
      201,
    );
    userIds[i] = (JSON.parse(text) as { id: string }).id;
  });
  const bigMembers = userIds.slice(0, size);
  const smallMembers = userIds.slice(size, size + 10);
  const churn = userIds.slice(size + 10, size + 110);

  const big = JSON.parse(
    (await expectStatus(call(env, 'POST', '/Groups', { displayName: `big-${Date.now()}` }), 201)).text,
  ) as { id: string };
  const small = JSON.parse(
    (
      await expectStatus(
        call(env, 'POST', '/Groups', {
          displayName: `small-${Date.now()}`,
          members: smallMembers.map((value) => ({ value })),
        }),
        201,
      )
    ).text,
  ) as { id: string };
  const batches: string[][] = [];
  for (let i = 0; i < bigMembers.length; i += 1000) batches.push(bigMembers.slice(i, i + 1000));
  await pool(batches, 4, 'adding members in PATCHes of 1,000', async (batch) => {
    await expectStatus(
      call(env, 'PATCH', `/Groups/${big.id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'Add', path: 'members', value: batch.map((value) => ({ $ref: null, value })) }],
      }),
      204,
    );
  });

  const add = {
    schemas: [PATCH_OP],
    Operations: [{ op: 'Add', path: 'members', value: churn.map((value) => ({ $ref: null, value })) }],
  };
  const remove = {
    schemas: [PATCH_OP],
    Operations: [{ op: 'Remove', path: 'members', value: churn.map((value) => ({ $ref: null, value })) }],
  };
  const rows: [string, number, number][] = [];
  for (const [label, group] of [
    ['10 members', small.id],
    [`${size} members`, big.id],
  ] as const) {
    const adds: number[] = [];
    const removes: number[] = [];
    const lean: number[] = [];
    for (let run = 0; run < runs; run++) {
      adds.push((await expectStatus(call(env, 'PATCH', `/Groups/${group}`, add), 204)).ms);
      removes.push((await expectStatus(call(env, 'PATCH', `/Groups/${group}`, remove), 204)).ms);
      lean.push((await expectStatus(call(env, 'GET', `/Groups/${group}?excludedAttributes=members`), 200)).ms);
    }
    rows.push([`add 100 members, group of ${label}`, median(adds), 0]);
    rows.push([`remove those 100, group of ${label}`, median(removes), 0]);
    rows.push([`GET excludedAttributes=members, group of ${label}`, median(lean), 0]);
  }
  const pid = gatewayPid(env.baseUrl);
  // Read before the GETs reset it: the peak while users and members were created through the API.
  const creationPeak = pid ? `${mebibytes(pid, 'VmHWM')} MiB (pid ${pid})` : peakRss('dist/apps/gateway/src/main.js');
  const full: number[] = [];
  let bytes = 0;
  const getAll = async (): Promise<number> => {
    const result = await expectStatus(call(env, 'GET', `/Groups/${big.id}`), 200);
    bytes = result.text.length;
    const count = (JSON.parse(result.text) as { members: unknown[] }).members.length;
    if (count !== size) throw new Error(`GET returned ${count} members, expected ${size}`);
    return result.ms;
  };
  const sequentialPeak = await peakDuring(pid, async () => {
    for (let run = 0; run < runs; run++) full.push(await getAll());
  });
  const concurrent: number[] = [];
  const concurrentPeak = await peakDuring(pid, async () => {
    for (let run = 0; run < runs; run++)
      concurrent.push(Math.max(...(await Promise.all(Array.from({ length: concurrentGets }, getAll)))));
  });
  const mib = (bytes / 1024 / 1024).toFixed(1);
  rows.push([`GET with all ${size} members (${mib} MiB)`, median(full), 0]);
  rows.push([`${concurrentGets} such GETs at once (the slowest)`, median(concurrent), 0]);

  console.log('');
  for (const [label, ms] of rows) console.log(`${label.padEnd(58)} ${ms.toFixed(1).padStart(8)} ms`);
  console.log(`peak RSS gateway during the ${runs} GETs of ${size} members:        ${sequentialPeak}`);
  console.log(`peak RSS gateway during ${runs}× ${concurrentGets} concurrent GETs of ${size}: ${concurrentPeak}`);
  console.log(`peak RSS gateway before the GETs (creating users and members, PATCHes): ${creationPeak}`);
  console.log(`peak RSS worker(s) over the whole run: ${peakRss('dist/apps/worker/src/main.js')}`);
}

main().catch((error: unknown) => {
  console.error(`\nbench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
