# One task definition and ECS service per role, all from the same image. Every container writes
# the roles' --config file (kafka.properties) to /tmp and execs `palisade <role>`; everything else
# comes from PALISADE_* environment variables and, for tokens, ECS secrets.

locals {
  roles = {
    mirror = {
      cpu    = var.mirror_cpu
      memory = var.mirror_memory
      environment = {
        PALISADE_MIRROR_LISTEN_HOST = "0.0.0.0"
        PALISADE_MIRROR_LISTEN_PORT = tostring(local.ports.mirror)
      }
    }
    worker = {
      cpu    = var.worker_cpu
      memory = var.worker_memory
      environment = {
        PALISADE_WORKER_LISTEN_HOST = "0.0.0.0"
        PALISADE_WORKER_LISTEN_PORT = tostring(local.ports.worker)
        PALISADE_WORKER_GROUP       = var.worker_group
      }
    }
    aggregator = {
      cpu    = var.aggregator_cpu
      memory = var.aggregator_memory
      environment = {
        PALISADE_AGGREGATOR_LISTEN_HOST   = "0.0.0.0"
        PALISADE_AGGREGATOR_LISTEN_PORT   = tostring(local.ports.aggregator)
        PALISADE_AGGREGATOR_DATABASE_PATH = "/var/lib/palisade/aggregator.sqlite"
        PALISADE_AGGREGATOR_POLICY_FILE   = var.aggregator_policy_file
      }
    }
  }

  config_from_secret = var.kafka_config_secret_arn != ""

  container_definitions = {
    for role, spec in local.roles : role => [{
      name       = role
      image      = var.image
      essential  = true
      entryPoint = ["/bin/sh", "-c"]
      command    = ["printf '%s\\n' \"$CONFIG_YAML\" > /tmp/palisade.yaml && exec palisade ${role} --config /tmp/palisade.yaml"]

      environment = [
        for k, v in merge(
          local.transport_environment,
          spec.environment,
          local.config_from_secret ? {} : { CONFIG_YAML = local.config_yaml },
          lookup(var.extra_environment, role, {}),
        ) : { name = k, value = v }
      ]
      secrets = concat(
        [{ name = "PALISADE_${upper(role)}_TOKENS", valueFrom = aws_secretsmanager_secret.tokens[role].arn }],
        local.config_from_secret ? [{ name = "CONFIG_YAML", valueFrom = var.kafka_config_secret_arn }] : [],
      )

      portMappings = [{ containerPort = local.ports[role], protocol = "tcp" }]
      healthCheck = {
        command     = ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:${local.ports[role]}/healthz"]
        interval    = 10
        timeout     = 5
        retries     = 3
        startPeriod = 30
      }
      mountPoints = role == "aggregator" ? [{ sourceVolume = "aggregator-state", containerPath = "/var/lib/palisade", readOnly = false }] : []
      ulimits     = [{ name = "nofile", softLimit = 65536, hardLimit = 65536 }]
      # SIGTERM, then the role drains (mirror buffer, worker in-flight records) before SIGKILL.
      stopTimeout     = 60
      linuxParameters = { initProcessEnabled = true }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          "awslogs-group"         = aws_cloudwatch_log_group.role[role].name
          "awslogs-region"        = data.aws_region.current.name
          "awslogs-stream-prefix" = role
        }
      }
    }]
  }
}

resource "aws_ecs_task_definition" "role" {
  for_each = local.roles

  family                   = "${var.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(each.value.cpu)
  memory                   = tostring(each.value.memory)
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions    = jsonencode(local.container_definitions[each.key])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  dynamic "volume" {
    for_each = each.key == "aggregator" ? [1] : []

    content {
      name = "aggregator-state"

      efs_volume_configuration {
        file_system_id     = aws_efs_file_system.aggregator.id
        transit_encryption = "ENABLED"

        authorization_config {
          access_point_id = aws_efs_access_point.aggregator.id
          iam             = "ENABLED"
        }
      }
    }
  }

  tags = local.tags
}

resource "aws_ecs_service" "mirror" {
  name                              = "${var.name}-mirror"
  cluster                           = aws_ecs_cluster.this.id
  task_definition                   = aws_ecs_task_definition.role["mirror"].arn
  desired_count                     = var.mirror_count
  launch_type                       = "FARGATE"
  health_check_grace_period_seconds = 60
  propagate_tags                    = "SERVICE"

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.role["mirror"].arn
    container_name   = "mirror"
    container_port   = local.ports.mirror
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  depends_on = [aws_lb_listener.role]
  tags       = local.tags
}

resource "aws_ecs_service" "worker" {
  name            = "${var.name}-worker"
  cluster         = aws_ecs_cluster.this.id
  task_definition = aws_ecs_task_definition.role["worker"].arn
  desired_count   = var.worker_min_count
  launch_type     = "FARGATE"
  propagate_tags  = "SERVICE"

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  # Application Auto Scaling owns the count after creation.
  lifecycle {
    ignore_changes = [desired_count]
  }

  tags = local.tags
}

# Exactly one aggregator: SQLite on EFS has a single writer. A deployment stops the old task
# before the new one starts (minimum 0 %, maximum 100 %): a short gap in the decisions API, which
# the gateway plugin rides out (it keeps its decision set and polls again).
resource "aws_ecs_service" "aggregator" {
  name                               = "${var.name}-aggregator"
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.role["aggregator"].arn
  desired_count                      = 1
  launch_type                        = "FARGATE"
  health_check_grace_period_seconds  = 60
  deployment_minimum_healthy_percent = 0
  deployment_maximum_percent         = 100
  propagate_tags                     = "SERVICE"

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.role["aggregator"].arn
    container_name   = "aggregator"
    container_port   = local.ports.aggregator
  }

  depends_on = [aws_lb_listener.role, aws_efs_mount_target.aggregator]
  tags       = local.tags
}

# ---------------------------------------------------------------------------------------------
# topic-init: a one-shot task creating Palisade's topics (deploy/kafka/create-topics.sh, the
# script compose's kafka-init runs). Run it once after `terraform apply`: output topic_init_command.
# ---------------------------------------------------------------------------------------------

resource "aws_ecs_task_definition" "topic_init" {
  family                   = "${var.name}-topic-init"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "512"
  memory                   = "1024"
  execution_role_arn       = aws_iam_role.execution.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  container_definitions = jsonencode([{
    name       = "topic-init"
    image      = var.kafka_tools_image
    essential  = true
    entryPoint = ["/bin/bash", "-c"]
    command = [join("\n", [
      "printf '%s\\n' \"$KAFKA_CLIENT_CONFIG\" > /tmp/client.properties",
      file("${path.module}/../../kafka/create-topics.sh"),
    ])]
    environment = [
      for k, v in {
        KAFKA_BOOTSTRAP_SERVERS  = local.kafka_bootstrap
        KAFKA_TOPIC_PREFIX       = var.topic_prefix
        KAFKA_PARTITIONS         = tostring(var.topic_partitions)
        KAFKA_REPLICATION_FACTOR = tostring(var.topic_replication_factor)
        KAFKA_RETENTION_HOURS    = tostring(var.topic_retention_hours)
        KAFKA_CLIENT_PROPERTIES  = "/tmp/client.properties"
        KAFKA_CLIENT_CONFIG      = join("\n", concat(["security.protocol=${upper(var.kafka_security_protocol)}"], var.kafka_client_properties))
      } : { name = k, value = v }
    ]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        "awslogs-group"         = aws_cloudwatch_log_group.role["topic-init"].name
        "awslogs-region"        = data.aws_region.current.name
        "awslogs-stream-prefix" = "topic-init"
      }
    }
  }])

  tags = local.tags
}
