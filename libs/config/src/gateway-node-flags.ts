/**
 * The Node flags the gateway runs with, wherever it is started: package.json's start:gateway,
 * start-all, the benches, the end-to-end tests, the Dockerfile, docker-compose.yml and the
 * Kubernetes Deployment (tools/deploy/deploy-manifests.spec.ts checks that they agree).
 *
 * `--max-old-space-size=384`: under a large heap limit (V8's default on this 24 GB machine is
 * about 4 GB) V8 lets the old generation grow to about four times what is live before a full
 * collection; under a limit below 2 GB it scales that factor down (to about 1.35 at 384 MB). With
 * 8 concurrent reads of a 100,000-member group the gateway's peak RSS was 249–272 MiB without the
 * flag and 160–165 MiB with it (README, Performance). 384 MB is about seven times its live heap
 * (~55 MB) and fits the Kubernetes memory limit (512 Mi) with room for buffers.
 * `--max-semi-space-size=8` instead made it worse (233–260 MiB): more scavenges promote more.
 */
export const GATEWAY_NODE_FLAGS = ['--max-old-space-size=384'] as const;

/** The arguments of `node` for an app: the gateway's flags first, then its entry point. */
export function nodeArgs(app: 'gateway' | 'worker' | 'notifier', main: string): string[] {
  return app === 'gateway' ? [...GATEWAY_NODE_FLAGS, main] : [main];
}
