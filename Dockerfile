# syntax=docker/dockerfile:1
# deploybot: the Slack bot and its operation worker (default target), and the database migration
# image (target "migrate") that runs as a Kubernetes Job with its own credentials.
#   docker build -t ghcr.io/deploybot/deploybot:0.1.0 .
#   docker build --target migrate -t ghcr.io/deploybot/deploybot-migrate:0.1.0 .
#
# Node 26 is the Active LTS line since October 2026 (supported until April 2029). The code also
# runs on Node 20, which development machines still use (package.json engines: >=20.19): it
# relies on nothing newer, and its dependencies are held at versions that work on both (undici ^7,
# @kubernetes/client-node 1.x, vitest 4). Node 20 itself is past its end of life (April 2026),
# which is why the image does not use it. The major is pinned, not "lts": a new major is a
# deliberate upgrade, tested like one. If a dependency misbehaves on 26, build with
# --build-arg NODE_IMAGE=node:24-trixie-slim (Maintenance LTS until April 2028).
# In CI, pin the base by digest too (node:26-trixie-slim@sha256:...) for reproducible builds.
ARG NODE_IMAGE=node:26-trixie-slim

# Production dependencies only. --ignore-scripts: none is needed, and Prisma's would download
# native engines this project does not use (the JS engine with the pg driver adapter).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# Compiles TypeScript and generates the Prisma client (into src/generated, compiled with the rest).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY prisma ./prisma
COPY prisma.config.ts tsconfig.json tsconfig.build.json ./
COPY src ./src
# Generation reads the schema, whose datasource names DATABASE_URL; it never connects.
RUN DATABASE_URL=postgresql://build@localhost/unused npx prisma generate \
 && npx tsc -p tsconfig.build.json

# What both images share: Node, the production node_modules, and an unprivileged numeric user.
# Files stay owned by root, so the process cannot modify its own code; it writes nothing but
# /tmp (an emptyDir in Kubernetes), which lets the root filesystem be read-only.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOME=/tmp \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
# A number, not a name: Kubernetes' runAsNonRoot can only verify a numeric user.
USER 10001:10001

# `prisma migrate deploy` with the schema and migrations of this release. The prisma CLI is a
# production dependency (it is also a peer of @prisma/client), so it is already in node_modules.
FROM runtime AS migrate
COPY prisma ./prisma
COPY prisma.config.ts ./
# No update check or telemetry call from inside the cluster.
ENV CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1
USER 10001:10001
CMD ["node", "node_modules/prisma/build/index.js", "migrate", "deploy"]

# The bot (last stage, so it is what a plain `docker build` produces). Migrations are not run
# here: they need schema-changing credentials the bot must not hold (see the migrate target).
FROM runtime AS bot
# The Node runtime settings of scripts/node-runtime.env (start.sh sources that file; a test checks
# that both say the same): a young generation capped at 2 MiB semi-spaces and an old generation
# bounded well inside the pod's memory limit, and two malloc arenas instead of one per thread.
ENV PORT=3000 \
    NODE_OPTIONS="--max-semi-space-size=2 --max-old-space-size=320" \
    MALLOC_ARENA_MAX=2
COPY --from=build /app/dist ./dist
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
