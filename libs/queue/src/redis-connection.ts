import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/** A connection to one Redis server or to a Redis Cluster; BullMQ and our own scripts take either. */
export type RedisConnection = Redis | Cluster;

/**
 * Where Redis is: one server by URL, or the seed nodes of a Redis Cluster. The shape
 * `loadRedisSettings()` of libs/config returns (libs/queue depends on nothing of ours).
 */
export type RedisConnectionTarget =
  { mode: 'single'; url: string } | { mode: 'cluster'; nodes: { host: string; port: number }[] };

/**
 * What a connection is for, which decides how it behaves while Redis is away:
 * - `commands`: requests and probes that must fail at once (no offline queue, one retry), so the
 *   caller answers 503 or reports "down" instead of hanging;
 * - `consumer`: a BullMQ Worker's connection, which BullMQ requires to retry forever;
 * - `publisher`: the worker's reply publisher, a few retries across a reconnection;
 * - `subscriber`: the gateway's reply channel, subscribed explicitly on each `ready` by its owner.
 */
export type RedisPurpose = 'commands' | 'consumer' | 'publisher' | 'subscriber';

interface PurposeOptions {
  maxRetriesPerRequest: number | null;
  enableOfflineQueue: boolean;
  autoResubscribe: boolean;
}

const PURPOSES: Record<RedisPurpose, PurposeOptions> = {
  commands: { maxRetriesPerRequest: 1, enableOfflineQueue: false, autoResubscribe: true },
  consumer: { maxRetriesPerRequest: null, enableOfflineQueue: true, autoResubscribe: true },
  publisher: { maxRetriesPerRequest: 3, enableOfflineQueue: true, autoResubscribe: true },
  subscriber: { maxRetriesPerRequest: null, enableOfflineQueue: true, autoResubscribe: false },
};

export interface RedisConnectionOptions {
  /** Shown by CLIENT LIST on every node, e.g. `scim-gateway-replies`. */
  name: string;
  /** Connect only when `connect()` is called. */
  lazyConnect?: boolean;
}

/**
 * The one place the apps open Redis connections: a plain ioredis client for REDIS_URL, or
 * ioredis' Cluster client for REDIS_CLUSTER_NODES, with the same behaviour for the same purpose.
 * Errors are reported as events by ioredis; callers see them as rejected commands, so the
 * connection's own `error` event is silenced here.
 */
export function createRedisConnection(
  target: RedisConnectionTarget,
  purpose: RedisPurpose,
  { name, lazyConnect = false }: RedisConnectionOptions,
): RedisConnection {
  const behaviour = PURPOSES[purpose];
  const nodeOptions: RedisOptions = {
    maxRetriesPerRequest: behaviour.maxRetriesPerRequest,
    enableOfflineQueue: behaviour.enableOfflineQueue,
    autoResubscribe: behaviour.autoResubscribe,
    connectionName: name,
  };
  const connection =
    target.mode === 'single'
      ? new Redis(target.url, { ...nodeOptions, lazyConnect })
      : new Cluster(target.nodes, clusterOptions(nodeOptions, behaviour, lazyConnect));
  connection.on('error', () => undefined);
  return connection;
}

function clusterOptions(nodeOptions: RedisOptions, behaviour: PurposeOptions, lazyConnect: boolean): ClusterOptions {
  return {
    // The cluster client keeps the offline queue itself (its node connections always queue).
    enableOfflineQueue: behaviour.enableOfflineQueue,
    lazyConnect,
    redisOptions: withoutOfflineQueue(nodeOptions),
    // Every command goes to its slot's master: replicas may lag behind BullMQ's scripts.
    scaleReads: 'master',
  };
}

function withoutOfflineQueue({ enableOfflineQueue: _ignored, ...rest }: RedisOptions): ClusterOptions['redisOptions'] {
  return rest;
}
