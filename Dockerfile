# One image for every Vigil service: `vigil start <service>` picks what a container runs.
# Targets: the default (last) stage runs on CPU (WASM backend); `gpu` adds @tensorflow/tfjs-node-gpu
# on NVIDIA's CUDA 11.8 / cuDNN 8 runtime (docker-compose's gpu profile builds it).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev --ignore-scripts

# tfjs-node-gpu's install script fetches libtensorflow with GPU support: a network at build time.
FROM build AS build-gpu
RUN npm install --no-save --omit=dev --no-audit --no-fund @tensorflow/tfjs-node-gpu@4.22.0

FROM nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04 AS gpu
COPY --from=build /usr/local/bin/node /usr/local/bin/node
# The same unprivileged user (uid 1000) as the CPU image, so both can write the shared volumes.
RUN useradd --uid 1000 --user-group --create-home node
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build-gpu /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY streams ./streams
COPY rules ./rules
# Model stores: /models (PREDICTOR_MODEL_DIR in docker-compose) and .vigil
# (the risk model's default directory, retraining's staging next to it). Created here and owned
# by the service's user, so that a volume mounted on them starts writable.
RUN mkdir -p /models /app/.vigil && chown node:node /models /app/.vigil
USER node
EXPOSE 8080
ENTRYPOINT ["node", "bin/vigil.js"]
CMD ["start"]

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY streams ./streams
COPY rules ./rules
# Model stores, owned by the service's user (see the gpu stage): a volume mounted here starts writable.
RUN mkdir -p /models /app/.vigil && chown node:node /models /app/.vigil
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:8080/health/live').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
ENTRYPOINT ["node", "bin/vigil.js"]
CMD ["start"]
