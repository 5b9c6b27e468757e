# Provided for users with Docker (no Docker engine runs where this project is built and tested).
# Build stage: install everything, compile TypeScript.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: the compiled server and its production dependencies only, as an unprivileged user.
# It listens on 0.0.0.0, so it refuses to start without API_KEYS: make one with `npm run api-key -- <nama>` and
# pass the entry, e.g. `docker run -e API_KEYS='kasir:<sha256hex>' ...`. The token itself never goes in here.
FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_FILE=/data/nasabah.json
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# node directly, not npm start: SIGTERM must reach the server so it can finish its writes and exit cleanly.
CMD ["node", "dist/server.js"]
