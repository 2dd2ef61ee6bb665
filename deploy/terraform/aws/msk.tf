# Amazon MSK, created when existing_kafka_bootstrap is empty. Topics are not created by Palisade's
# roles: run the topic-init task once (README.md) after the cluster exists.

resource "aws_msk_configuration" "this" {
  count = local.create_msk ? 1 : 0

  name           = "${var.name}-kafka"
  kafka_versions = [var.msk_kafka_version]
  description    = "Palisade: topics are created explicitly (topic-init), never on first use"

  server_properties = <<-PROPERTIES
    auto.create.topics.enable=false
    default.replication.factor=${min(3, var.msk_broker_count)}
    min.insync.replicas=${min(2, var.msk_broker_count)}
    num.partitions=${var.topic_partitions}
  PROPERTIES
}

resource "aws_msk_cluster" "this" {
  count = local.create_msk ? 1 : 0

  cluster_name           = "${var.name}-kafka"
  kafka_version          = var.msk_kafka_version
  number_of_broker_nodes = var.msk_broker_count

  broker_node_group_info {
    instance_type   = var.msk_broker_instance_type
    client_subnets  = var.private_subnet_ids
    security_groups = [aws_security_group.kafka[0].id]

    storage_info {
      ebs_storage_info {
        volume_size = var.msk_volume_size_gb
      }
    }
  }

  configuration_info {
    arn      = aws_msk_configuration.this[0].arn
    revision = aws_msk_configuration.this[0].latest_revision
  }

  # Unauthenticated clients, restricted by the security group to the Palisade tasks. TLS between
  # clients and brokers unless kafka_security_protocol is plaintext.
  client_authentication {
    unauthenticated = true
  }

  encryption_info {
    encryption_in_transit {
      client_broker = var.kafka_security_protocol == "plaintext" ? "TLS_PLAINTEXT" : "TLS"
      in_cluster    = true
    }
  }

  # DEFAULT monitoring publishes the consumer-lag metrics (EstimatedMaxTimeLag, MaxOffsetLag,
  # SumOffsetLag per consumer group and topic) the worker scaling uses.
  enhanced_monitoring = "DEFAULT"

  logging_info {
    broker_logs {
      cloudwatch_logs {
        enabled   = true
        log_group = aws_cloudwatch_log_group.kafka[0].name
      }
    }
  }

  lifecycle {
    precondition {
      condition     = contains([2, 3], length(var.private_subnet_ids))
      error_message = "MSK spreads brokers over 2 or 3 availability zones: give 2 or 3 private_subnet_ids (or use existing_kafka_bootstrap)."
    }
    precondition {
      condition     = var.msk_broker_count % length(var.private_subnet_ids) == 0
      error_message = "msk_broker_count must be a multiple of the number of private subnets (MSK spreads brokers evenly over the AZs)."
    }
    precondition {
      condition     = var.topic_replication_factor <= var.msk_broker_count
      error_message = "topic_replication_factor cannot exceed msk_broker_count."
    }
    precondition {
      condition     = contains(["plaintext", "ssl"], var.kafka_security_protocol)
      error_message = "The MSK cluster created here accepts unauthenticated clients: kafka_security_protocol must be plaintext or ssl (use existing_kafka_bootstrap for SASL)."
    }
  }

  tags = local.tags
}

resource "aws_cloudwatch_log_group" "kafka" {
  count = local.create_msk ? 1 : 0

  name              = "/msk/${var.name}"
  retention_in_days = var.log_retention_days
  tags              = local.tags
}
