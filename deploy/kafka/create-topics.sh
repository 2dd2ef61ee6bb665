#!/usr/bin/env bash
# Creates Palisade's Kafka topics, idempotently (existing topics are left as they are).
# The topics and their cleanup policies are PalisadeTopic's (Sources/PalisadeTransport, docs/KAFKA.md):
#   palisade.requests, .verdicts, .observations, .deadletter   cleanup.policy=delete, retention.ms
#   palisade.baselines, .decisions, .aggregator-state          cleanup.policy=compact
# Palisade's roles do not create Kafka topics: this script (compose's kafka-init service, or the
# Terraform topic-init task) does, before the roles start.
#
# Environment: KAFKA_BOOTSTRAP_SERVERS (required), KAFKA_TOPIC_PREFIX (default none),
# KAFKA_PARTITIONS (12; the ceiling of worker parallelism), KAFKA_REPLICATION_FACTOR (3),
# KAFKA_RETENTION_HOURS (24), KAFKA_CLIENT_PROPERTIES (Java client properties file for
# SSL/SASL, optional), KAFKA_TOPICS_BIN (/opt/kafka/bin/kafka-topics.sh), KAFKA_INIT_ATTEMPTS (10),
# KAFKA_INIT_RETRY_SECS (3).
set -euo pipefail

bootstrap=${KAFKA_BOOTSTRAP_SERVERS:?KAFKA_BOOTSTRAP_SERVERS is required}
prefix=${KAFKA_TOPIC_PREFIX:-}
partitions=${KAFKA_PARTITIONS:-12}
replication=${KAFKA_REPLICATION_FACTOR:-3}
retention_hours=${KAFKA_RETENTION_HOURS:-24}
topics_bin=${KAFKA_TOPICS_BIN:-/opt/kafka/bin/kafka-topics.sh}
attempts=${KAFKA_INIT_ATTEMPTS:-10}
retry_secs=${KAFKA_INIT_RETRY_SECS:-3}

fail() { echo "create-topics: $*" >&2; exit 2; }
is_int() { [[ $1 =~ ^[0-9]+$ ]]; }
is_int "$partitions" && ((partitions >= 1 && partitions <= 1024)) || fail "KAFKA_PARTITIONS must be 1..1024, got '$partitions'"
is_int "$replication" && ((replication >= 1 && replication <= 32)) || fail "KAFKA_REPLICATION_FACTOR must be 1..32, got '$replication'"
is_int "$retention_hours" && ((retention_hours >= 1)) || fail "KAFKA_RETENTION_HOURS must be a positive integer, got '$retention_hours'"
is_int "$attempts" && ((attempts >= 1)) || fail "KAFKA_INIT_ATTEMPTS must be a positive integer, got '$attempts'"
is_int "$retry_secs" || fail "KAFKA_INIT_RETRY_SECS must be a non-negative integer, got '$retry_secs'"
[[ $prefix =~ ^[A-Za-z0-9._-]*$ ]] || fail "KAFKA_TOPIC_PREFIX may contain only letters, digits, '.', '_', '-'"
[ -x "$topics_bin" ] || fail "$topics_bin not found (set KAFKA_TOPICS_BIN)"
retention_ms=$((retention_hours * 3600000))

client=()
if [ -n "${KAFKA_CLIENT_PROPERTIES:-}" ]; then
  [ -f "$KAFKA_CLIENT_PROPERTIES" ] || fail "KAFKA_CLIENT_PROPERTIES: no file $KAFKA_CLIENT_PROPERTIES"
  client=(--command-config "$KAFKA_CLIENT_PROPERTIES")
fi

# create NAME CLEANUP_POLICY: retried (the broker may still be electing its controller).
create() {
  local topic="$prefix$1" policy=$2 config=(--config "cleanup.policy=$2")
  [ "$policy" = delete ] && config+=(--config "retention.ms=$retention_ms")
  local attempt
  for ((attempt = 1; attempt <= attempts; attempt++)); do
    if "$topics_bin" --bootstrap-server "$bootstrap" "${client[@]}" --create --if-not-exists \
      --topic "$topic" --partitions "$partitions" --replication-factor "$replication" "${config[@]}"; then
      echo "create-topics: $topic ready (cleanup.policy=$policy)"
      return 0
    fi
    echo "create-topics: $topic: attempt $attempt of $attempts failed" >&2
    ((attempt < attempts)) && sleep "$retry_secs"
  done
  fail "could not create $topic on $bootstrap"
}

create palisade.requests delete
create palisade.verdicts delete
create palisade.observations delete
create palisade.deadletter delete
create palisade.baselines compact
create palisade.decisions compact
create palisade.aggregator-state compact

# Show what exists (a topic created earlier keeps its own partitions and configuration).
for name in requests verdicts observations deadletter baselines decisions aggregator-state; do
  "$topics_bin" --bootstrap-server "$bootstrap" "${client[@]}" --describe --topic "${prefix}palisade.$name" |
    head -1 || true
done
