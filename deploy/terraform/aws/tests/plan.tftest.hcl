# Offline tests of the module (no AWS account: the provider is mocked). Run by
# scripts/check-deploy.sh: terraform test (needs the AWS provider, from the registry or a local
# mirror, and Terraform >= 1.7).

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_lb" {
    defaults = { dns_name = "internal-palisade-int-1.eu-west-1.elb.amazonaws.com", arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/palisade-int/1" }
  }
  mock_resource "aws_secretsmanager_secret" {
    defaults = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:palisade-tokens" }
  }
  mock_resource "aws_msk_cluster" {
    defaults = {
      arn                   = "arn:aws:kafka:eu-west-1:123456789012:cluster/palisade-kafka/1"
      bootstrap_brokers     = "b-1.msk:9092,b-2.msk:9092,b-3.msk:9092"
      bootstrap_brokers_tls = "b-1.msk:9094,b-2.msk:9094,b-3.msk:9094"
    }
  }
  mock_resource "aws_msk_configuration" {
    defaults = { arn = "arn:aws:kafka:eu-west-1:123456789012:configuration/palisade-kafka/1", latest_revision = 1 }
  }
  mock_resource "aws_efs_file_system" {
    defaults = { arn = "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-0123456789abcdef0", id = "fs-0123456789abcdef0" }
  }
  mock_resource "aws_efs_access_point" {
    defaults = { arn = "arn:aws:elasticfilesystem:eu-west-1:123456789012:access-point/fsap-0123456789abcdef0", id = "fsap-0123456789abcdef0" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/palisade" }
  }
  mock_resource "aws_lb_target_group" {
    defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/palisade/1" }
  }
  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/palisade:1" }
  }
  mock_resource "aws_appautoscaling_policy" {
    defaults = { arn = "arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:1:resource/ecs/service/palisade/palisade-worker:policyName/lag" }
  }
}

variables {
  vpc_id             = "vpc-0123456789abcdef0"
  private_subnet_ids = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1", "subnet-0123456789abcdef2"]
  image              = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/palisade:0.1.0"
  mirror_tokens      = "t-mirror"
  aggregator_tokens  = "t-aggregator"
  worker_tokens      = "t-worker"
}

run "msk_created_with_lag_scaling" {
  command = apply

  assert {
    condition     = output.mirror_url == "http://internal-palisade-int-1.eu-west-1.elb.amazonaws.com:8470"
    error_message = "mirror_url: ${output.mirror_url}"
  }
  assert {
    condition     = output.decisions_url == "http://internal-palisade-int-1.eu-west-1.elb.amazonaws.com:8082"
    error_message = "decisions_url: ${output.decisions_url}"
  }
  assert {
    condition     = output.kafka_bootstrap_servers == "b-1.msk:9094,b-2.msk:9094,b-3.msk:9094"
    error_message = "ssl uses the TLS bootstrap string"
  }
  assert {
    condition     = length(aws_msk_cluster.this) == 1 && length(aws_cloudwatch_metric_alarm.worker_lag) == 1
    error_message = "MSK and the lag alarm are created"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.worker_lag[0].dimensions["Topic"] == "palisade.requests"
    error_message = "lag alarm watches palisade.requests"
  }
  assert {
    condition     = length(aws_secretsmanager_secret_version.tokens) == 3
    error_message = "token values given: three secret versions"
  }
  assert {
    condition     = aws_ecs_service.aggregator.desired_count == 1 && aws_ecs_service.aggregator.deployment_maximum_percent == 100
    error_message = "one aggregator, never two at once (SQLite single writer)"
  }
  assert {
    condition = alltrue([
      for role in ["mirror", "worker", "aggregator"] :
      contains([for e in jsondecode(aws_ecs_task_definition.role[role].container_definitions)[0].secrets : e.name], "PALISADE_${upper(role)}_TOKENS")
    ])
    error_message = "every role gets its tokens as an ECS secret"
  }
  assert {
    condition     = strcontains(jsondecode(aws_ecs_task_definition.role["worker"].container_definitions)[0].command[0], "exec palisade worker --config /tmp/palisade.yaml")
    error_message = "worker command"
  }
  assert {
    condition     = yamldecode([for e in jsondecode(aws_ecs_task_definition.role["mirror"].container_definitions)[0].environment : e.value if e.name == "CONFIG_YAML"][0]).kafka.properties["security.protocol"] == "ssl"
    error_message = "the generated config carries kafka.properties.security.protocol"
  }
  assert {
    condition     = strcontains(jsondecode(aws_ecs_task_definition.topic_init.container_definitions)[0].command[0], "cleanup.policy")
    error_message = "topic-init runs deploy/kafka/create-topics.sh"
  }
}

run "existing_kafka_without_tokens" {
  command = apply

  variables {
    existing_kafka_bootstrap = "kafka-1.internal:9092,kafka-2.internal:9092"
    kafka_security_protocol  = "plaintext"
    mirror_tokens            = null
    aggregator_tokens        = null
    worker_tokens            = null
    certificate_arn          = "arn:aws:acm:eu-west-1:123456789012:certificate/abc"
    lb_dns_alias             = "palisade.internal.example.com"
  }

  assert {
    condition     = length(aws_msk_cluster.this) == 0 && length(aws_cloudwatch_metric_alarm.worker_lag) == 0
    error_message = "no MSK and no lag scaling without an MSK cluster name"
  }
  assert {
    condition     = output.kafka_bootstrap_servers == "kafka-1.internal:9092,kafka-2.internal:9092"
    error_message = "existing bootstrap is used"
  }
  assert {
    condition     = output.mirror_url == "https://palisade.internal.example.com:8470"
    error_message = "https with the alias: ${output.mirror_url}"
  }
  assert {
    condition     = length(aws_secretsmanager_secret_version.tokens) == 0 && length(aws_secretsmanager_secret.tokens) == 3
    error_message = "null tokens: secrets without values"
  }
}

run "kafka_config_from_a_secret" {
  command = apply

  variables {
    existing_kafka_bootstrap  = "b-1.prod:9096,b-2.prod:9096"
    kafka_security_protocol   = "sasl_ssl"
    kafka_port                = 9096
    kafka_config_secret_arn   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:palisade/kafka-config"
    existing_msk_cluster_name = "prod-msk"
  }

  assert {
    condition = alltrue([
      for role in ["mirror", "worker", "aggregator"] :
      contains([for e in jsondecode(aws_ecs_task_definition.role[role].container_definitions)[0].secrets : e.valueFrom], var.kafka_config_secret_arn)
      && !contains([for e in jsondecode(aws_ecs_task_definition.role[role].container_definitions)[0].environment : e.name], "CONFIG_YAML")
    ])
    error_message = "CONFIG_YAML comes from the secret, not the environment"
  }
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.worker_lag) == 1 && aws_cloudwatch_metric_alarm.worker_lag[0].dimensions["Cluster Name"] == "prod-msk"
    error_message = "lag scaling on the existing MSK cluster"
  }
  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.kafka_from_tasks) == 0
    error_message = "no rule on a cluster whose security group was not given"
  }
}

run "rejects_bad_input" {
  command = plan

  variables {
    name               = "Palisade_Prod"
    private_subnet_ids = ["subnet-0123456789abcdef0"]
    log_retention_days = 10
    worker_cpu         = 3000
    kafka_properties   = { "sasl.password" = "x" }
  }

  expect_failures = [
    var.name,
    var.private_subnet_ids,
    var.log_retention_days,
    var.worker_cpu,
    var.kafka_properties,
  ]
}

run "rejects_more_workers_than_partitions" {
  command = plan

  variables {
    topic_partitions = 6
    worker_max_count = 12
  }

  expect_failures = [aws_appautoscaling_target.worker]
}
