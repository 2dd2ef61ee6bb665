# Palisade on AWS: ECS Fargate services for the mirror, the workers and the aggregator, Kafka on
# Amazon MSK (or an existing cluster), tokens in Secrets Manager, an internal Application Load
# Balancer for the mirror and the decisions API, CloudWatch logs. README.md explains the whole.

data "aws_region" "current" {}
data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

locals {
  create_msk = var.existing_kafka_bootstrap == ""

  # MSK created here: its TLS (9094) or plaintext (9092) bootstrap string.
  kafka_bootstrap = local.create_msk ? (
    var.kafka_security_protocol == "plaintext" ? aws_msk_cluster.this[0].bootstrap_brokers : aws_msk_cluster.this[0].bootstrap_brokers_tls
  ) : var.existing_kafka_bootstrap
  kafka_port = local.create_msk ? (var.kafka_security_protocol == "plaintext" ? 9092 : 9094) : var.kafka_port

  msk_cluster_name = local.create_msk ? "${var.name}-kafka" : var.existing_msk_cluster_name
  lag_scaling      = var.worker_lag_scaling && local.msk_cluster_name != ""

  tags = merge({ "app" = "palisade", "palisade:deployment" = var.name }, var.tags)

  # The roles' --config file. `kafka.properties.*` (librdkafka: TLS, SASL) is read from a config
  # file or flags, not from the environment, so the containers write this YAML to /tmp first.
  config_yaml = yamlencode({
    kafka = { properties = merge({ "security.protocol" = var.kafka_security_protocol }, var.kafka_properties) }
  })

  # Settings every role reads (TransportSettings, PalisadeRuntime).
  transport_environment = {
    PALISADE_TRANSPORT_KIND          = "kafka"
    PALISADE_KAFKA_BOOTSTRAP_SERVERS = local.kafka_bootstrap
    PALISADE_KAFKA_TOPIC_PREFIX      = var.topic_prefix
  }

  ports = {
    mirror     = 8470
    aggregator = 8082
    worker     = 9102
  }
}

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }

  tags = local.tags
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

resource "aws_cloudwatch_log_group" "role" {
  for_each = toset(["mirror", "worker", "aggregator", "topic-init"])

  name              = "/ecs/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
  tags              = local.tags
}
