# syntax=docker/dockerfile:1
# One image for every Palisade role: `palisade mirror | worker | aggregator | up | …`.
#   docker build -t palisade:local .
#   docker run --rm palisade:local --help
# Build stage: the Swift toolchain (Debian bookworm) with the system libraries Palisade links
# (librdkafka, SQLite, zlib, curl for FoundationNetworking). Runtime stage: Debian slim with
# only their runtime packages, a non-root user, and the binary with the Swift runtime linked in
# statically (--static-swift-stdlib). Checked in CI by scripts/check-deploy.sh (structure only:
# no container engine runs there).
ARG SWIFT_IMAGE=swift:6.2-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        pkg-config librdkafka-dev libssl-dev libsqlite3-dev zlib1g-dev libcurl4-openssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Manifest first: the pinned dependencies (exact versions, from GitHub) are resolved in their
# own layer and stay cached while sources change.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product palisade \
    && install -m 0755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/palisade" /usr/local/bin/palisade \
    && /usr/local/bin/palisade --help >/dev/null

FROM ${RUNTIME_IMAGE} AS runtime
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        librdkafka1 libsqlite3-0 zlib1g libcurl4 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 palisade \
    && useradd --system --uid 10001 --gid palisade --home-dir /var/lib/palisade --shell /usr/sbin/nologin palisade \
    && mkdir -p /var/lib/palisade /etc/palisade \
    && chown palisade:palisade /var/lib/palisade
COPY --from=build /usr/local/bin/palisade /usr/local/bin/palisade
# Swift's crash backtracer (the static one needs no toolchain): readable stack traces in the logs.
COPY --from=build /usr/libexec/swift/linux/swift-backtrace-static /usr/local/libexec/swift-backtrace-static
ENV SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/usr/local/libexec/swift-backtrace-static
# The example policy, so `aggregator.policy_file=/etc/palisade/policy.yaml` works out of the box;
# mount or bake your own over it.
COPY examples/policy.yaml /etc/palisade/policy.yaml
USER 10001:10001
WORKDIR /var/lib/palisade
# mirror 8470 (raw listener 8471), aggregator 8082, worker operations 9102. Roles listen on
# 127.0.0.1 by default: set PALISADE_<ROLE>_LISTEN_HOST=0.0.0.0 in a container.
EXPOSE 8470 8082 9102
VOLUME ["/var/lib/palisade"]
ENTRYPOINT ["palisade"]
CMD ["--help"]
