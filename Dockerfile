# syntax=docker/dockerfile:1
#
# One image for every process of the SCIM provisioning service: the gateway (default CMD), the
# worker, the notifier and the tools (migrate, tenant-cli). docker-compose.yml and the
# Kubernetes manifests (deploy/kubernetes) pick one with `command:`, e.g.
# ["node", "dist/apps/worker/src/main.js"].
#
# Node version: Node 22 LTS, as the dependencies declare (package.json `engines`: typeorm wants
# ^22.13, Nest's cookie and file-type want >= 22). NestJS 12 ships as ES modules that this
# CommonJS build loads with require(esm), on by default from 22.12. Another base can be chosen
# with --build-arg NODE_IMAGE=…; the check below refuses one that is too old.
ARG NODE_IMAGE=node:22-bookworm-slim

# ---------------------------------------------------------------------------------------------
# build: install everything (dev dependencies included), compile to dist/, drop dev dependencies
# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# Fail early, with a readable message, on a base image older than `engines` (e.g. a stale tag).
RUN node -e "const [a,b]=process.versions.node.split('.').map(Number); if (!((a===22&&b>=13)||(a===24&&b>=11)||a>=25)) { console.error('Node ^22.13 or >= 24.11 is required (package.json engines), got '+process.version); process.exit(1); }"

# Dependencies first, so that a source change does not reinstall node_modules.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund

COPY tsconfig*.json nx.json ./
COPY libs ./libs
COPY apps ./apps
COPY tools ./tools

RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---------------------------------------------------------------------------------------------
# runtime: production dependencies and compiled JavaScript only
# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app

# Owned by root and not writable by the app's user: the app never writes into its own tree (it
# logs to stdout/stderr), so the container runs with a read-only root filesystem
# (compose `read_only: true`, Kubernetes `readOnlyRootFilesystem: true`).
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

# The image's unprivileged `node` user, by number: Kubernetes' runAsNonRoot can only verify a
# numeric user.
USER 1000:1000

# The gateway's HTTP port (PORT, default 8080). The worker and notifier serve /health/* and
# /metrics on METRICS_PORT when it is set.
EXPOSE 8080

# No HEALTHCHECK here: the gateway and the worker/notifier answer on different ports, so
# docker-compose.yml and the Kubernetes manifests define one per service.

# Run node directly (not `npm start`), so SIGTERM reaches the app and NestJS shuts down cleanly.
# The gateway's Node flags are libs/config/src/gateway-node-flags.ts's (docker-compose.yml and Kubernetes repeat them).
CMD ["node", "--max-old-space-size=384", "dist/apps/gateway/src/main.js"]
