import { ConfigError, loadEnv } from './env.config';

export interface RedisNode {
  host: string;
  port: number;
}

/** One Redis server (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES, which then replaces REDIS_URL). */
export type RedisTarget = { mode: 'single'; url: string } | { mode: 'cluster'; nodes: RedisNode[] };

export interface RedisSettings {
  target: RedisTarget;
  /** BullMQ key prefix; every other key of ours (rate limits, heartbeats, reply channels) starts with it too. */
  queuePrefix: string;
}

/** The prefix in cluster mode when QUEUE_PREFIX is unset: a hash tag, so each queue's keys share one slot. */
export const CLUSTER_QUEUE_PREFIX = '{scim}';

const HASH_TAG = /\{[^{}]+\}/;

function parseNodes(value: string): { nodes: RedisNode[]; problems: string[] } {
  const nodes: RedisNode[] = [];
  const problems: string[] = [];
  for (const entry of value.split(',').map((part) => part.trim())) {
    // host:port, the host a name, an IPv4 address or a bracketed IPv6 address.
    const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(entry);
    const port = match ? Number(match[2]) : NaN;
    if (!match || port < 1 || port > 65535) {
      problems.push(
        `REDIS_CLUSTER_NODES: each entry must be host:port with a port from 1 to 65535, e.g. 10.0.0.1:7000,10.0.0.2:7000 (got ${JSON.stringify(entry)})`,
      );
      continue;
    }
    nodes.push({ host: match[1]!.replace(/^\[|\]$/g, ''), port });
  }
  return { nodes, problems };
}

/**
 * Where Redis is, and the key prefix. With REDIS_CLUSTER_NODES set the apps use ioredis' Cluster
 * client, and QUEUE_PREFIX must carry a hash tag (`{scim}` by default): BullMQ's scripts touch
 * several keys of a queue at once, which a cluster only allows within one slot.
 */
export function loadRedisSettings(env: NodeJS.ProcessEnv = process.env): RedisSettings {
  const e = loadEnv(['REDIS_URL', 'QUEUE_PREFIX', 'REDIS_CLUSTER_NODES'], env);
  if (e.REDIS_CLUSTER_NODES === undefined) {
    return { target: { mode: 'single', url: e.REDIS_URL }, queuePrefix: e.QUEUE_PREFIX };
  }
  const { nodes, problems } = parseNodes(e.REDIS_CLUSTER_NODES);
  const prefixGiven = env['QUEUE_PREFIX'] !== undefined && env['QUEUE_PREFIX'].trim() !== '';
  const queuePrefix = prefixGiven ? e.QUEUE_PREFIX : CLUSTER_QUEUE_PREFIX;
  if (!HASH_TAG.test(queuePrefix)) {
    problems.push(
      `QUEUE_PREFIX: on a Redis Cluster (REDIS_CLUSTER_NODES set) it must contain a hash tag such as {scim}, so that each queue's keys share one slot; unset it for {scim} (got ${JSON.stringify(queuePrefix)})`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { target: { mode: 'cluster', nodes }, queuePrefix };
}
