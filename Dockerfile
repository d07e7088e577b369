# Latchkey: build with dev dependencies, run with production ones only, as an unprivileged user.
# Node 24 LTS: Node 20 reached its end of life on 2026-04-30 and gets no security releases (the
# tests on the development machine run on Node 20.20; engines in package.json says >= 20.19).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
# --omit=optional too: @nestjs/platform-express (a dev dependency, for the adapter bench) is also an
# optional peer of @nestjs/core, which npm marks devOptional and keeps on --omit=dev alone.
RUN npm run build && npm prune --omit=dev --omit=optional

FROM node:24-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 LATCHKEY_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
COPY package.json ./
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--no-memory-reducer", "dist/main.js"]
