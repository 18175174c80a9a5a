# Centralita portal and media agent. Build: docker compose build (see docker-compose.yml).
ARG SWIFT_IMAGE=swift:6.3-bookworm
FROM ${SWIFT_IMAGE} AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev libssl-dev zlib1g-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources Sources
COPY Benchmarks/DialplanBenchmark Benchmarks/DialplanBenchmark
COPY Tests Tests
RUN swift build -c release --static-swift-stdlib --product centralita \
 && swift build -c release --static-swift-stdlib --product centralita-media-agent

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 libssl3 zlib1g ca-certificates && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /app centralita
WORKDIR /app
COPY --from=build /src/.build/release/centralita /src/.build/release/centralita-media-agent /usr/local/bin/
COPY Migrations Migrations
COPY Public Public
COPY Resources Resources
ENV CENTRALITA_HOME=/app CENTRALITA_HOST=0.0.0.0 CENTRALITA_DATA_DIR=/var/lib/centralita
USER centralita
EXPOSE 8080 8090
CMD ["centralita", "serve"]
