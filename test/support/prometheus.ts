/** One sample of a Prometheus text exposition: `name{labels} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** Family name → TYPE. */
  types: Map<string, string>;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (\\S+)(?: (-?\\d+))?$`);
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * Parses the Prometheus text format (version 0.0.4) strictly: every line must be a HELP or TYPE
 * comment or a sample, values must be numbers (or NaN/±Inf, in any case), and each family's TYPE comes before
 * its samples. Throws naming the first bad line.
 */
export function parsePrometheusText(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const at = `line ${index + 1}: ${JSON.stringify(line)}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!comment) {
        if (/^# (HELP|TYPE)/.test(line)) throw new Error(`malformed comment at ${at}`);
        return;
      }
      if (!new RegExp(`^${NAME}$`).test(comment[2]!)) throw new Error(`bad metric name at ${at}`);
      if (comment[1] === 'TYPE') {
        if (!TYPES.has(comment[3]!)) throw new Error(`unknown type at ${at}`);
        types.set(comment[2]!, comment[3]!);
      }
      return;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample at ${at}`);
    const [, name, labelText, , , , , valueText] = match;
    // Go's ParseFloat, as Prometheus reads values: NaN and Inf in any case (prom-client writes "Nan").
    const special = valueText!.toLowerCase();
    const value =
      special === '+inf' || special === 'inf'
        ? Infinity
        : special === '-inf'
          ? -Infinity
          : special === 'nan'
            ? NaN
            : Number(valueText);
    if (Number.isNaN(value) && special !== 'nan') throw new Error(`bad value at ${at}`);
    const family = [...types.keys()].find(
      (f) =>
        name === f ||
        (types.get(f) === 'histogram' && /^(_bucket|_sum|_count)$/.test(name!.slice(f.length)) && name!.startsWith(f)),
    );
    if (!family) throw new Error(`sample before its TYPE at ${at}`);
    const labels: Record<string, string> = {};
    for (const pair of (labelText ?? '').matchAll(new RegExp(LABEL, 'g'))) labels[pair[1]!] = pair[2]!;
    samples.push({ name: name!, labels, value });
  });
  return { types, samples };
}

/** The value of one sample, or undefined. */
export function sampleValue(
  exposition: Exposition,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return exposition.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    ?.value;
}

export async function scrape(url: string): Promise<Exposition> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status}`);
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('text/plain') || !type.includes('version=0.0.4'))
    throw new Error(`GET ${url}: Content-Type ${type}`);
  return parsePrometheusText(await response.text());
}
