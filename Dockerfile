# syntax=docker/dockerfile:1
#
# assistants-mock as a container:
#   docker build -t assistants-mock .
#   docker run --rm -p 4141:4141 -v assistants-mock-data:/data assistants-mock
#
# No Docker engine runs where this project is developed, so test/packaging.test.ts runs this file's
# own RUN, COPY, ENV, HEALTHCHECK and CMD lines outside Docker. Keep every build-stage command
# runnable from the work directory with relative paths, and system set-up (apt-get, /data) in RUNs
# of its own: the test skips those and refuses anything it does not understand.
# docs/operations.md reviews this file against hadolint's rules.

ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: compile TypeScript and better-sqlite3, then keep production dependencies only ---------
FROM ${NODE_IMAGE} AS build
# A toolchain for node-gyp, used only when better-sqlite3 has no prebuilt binary for this platform.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
# The lockfile alone first, so the dependency layer is reused until it changes.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# release/ = what `npm pack` publishes plus the production node_modules (docker/assemble-release.sh).
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && sh docker/assemble-release.sh release

# --- runtime: Node, tini, the release, an unprivileged user and a volume for the database ----------
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="assistants-mock" \
      org.opencontainers.image.description="A local, stateful stand-in for the OpenAI Assistants API" \
      org.opencontainers.image.licenses="MIT"
# tini is PID 1: it forwards SIGTERM/SIGINT to node and reaps orphaned processes, whether or not the
# container was started with --init. /data is made before VOLUME so that a new named volume starts
# out owned by the node user.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data \
 && chown node:node /data
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4141 \
    DB_PATH=/data/assistants-mock.db
WORKDIR /app
# Owned by root and read-only for the server: it writes only to /data.
COPY --from=build /build/release ./
USER node
VOLUME ["/data"]
EXPOSE 4141
# node itself is the probe (the slim image has neither curl nor wget); PORT follows a -e PORT=... override.
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4141)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/cli.cjs"]
