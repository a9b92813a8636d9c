# syntax=docker/dockerfile:1
#
# One image for every process of the SCIM provisioning service: the gateway (default CMD), the
# worker, the notifier and the tools (migrate, tenant-cli). docker-compose.yml picks one with
# `command:`, e.g. ["node", "dist/apps/worker/src/main.js"].
#
# Node version: NestJS 12 ships as ES modules and this CommonJS build loads them with
# require(esm), which Node enables by default only from 20.19 (and 22.12). An older Node fails at
# start-up with ERR_REQUIRE_ESM. The tag is pinned to a 20.x minor >= 20.19 (the version the test
# suite runs on); to move to Node 22: docker build --build-arg NODE_IMAGE=node:22-bookworm-slim .
ARG NODE_IMAGE=node:20.20-bookworm-slim

# ---------------------------------------------------------------------------------------------
# build: install everything (dev dependencies included), compile to dist/, drop dev dependencies
# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# Fail the build early, with a readable message, if the base image is too old (e.g. a stale
# locally cached tag).
RUN node -e "const [a,b]=process.versions.node.split('.').map(Number); if (a<20||(a===20&&b<19)||(a===22&&b<12)) { console.error('Node >= 20.19 (or >= 22.12) is required for require(esm) of NestJS 12, got '+process.version); process.exit(1); }"

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
# runtime: production dependencies and compiled JavaScript only, run as the unprivileged `node`
# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app

# Owned by root and read-only for the `node` user: the app never writes into its own tree
# (it logs to stdout/stderr).
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

USER node

# The gateway's HTTP port (PORT, default 8080). The worker and notifier listen on nothing.
EXPOSE 8080

# No HEALTHCHECK here: only the gateway serves HTTP (GET /health), so an image-level check would
# mark every worker and notifier container unhealthy. docker-compose.yml defines per-service
# checks instead.

# Run node directly (not `npm start`), so SIGTERM reaches the app and NestJS shuts down cleanly.
CMD ["node", "dist/apps/gateway/src/main.js"]
