# Security groups: gateways → load balancer → mirror/aggregator tasks; every role → Kafka;
# aggregator → EFS.

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "Palisade internal load balancer: mirror and decisions listeners, from the gateways"
  vpc_id      = var.vpc_id
  tags        = merge(local.tags, { Name = "${var.name}-alb" })
}

resource "aws_vpc_security_group_ingress_rule" "alb_from_cidr" {
  for_each = {
    for pair in setproduct(var.gateway_cidr_blocks, [var.mirror_listener_port, var.decisions_listener_port]) :
    "${pair[0]}-${pair[1]}" => { cidr = pair[0], port = pair[1] }
  }

  security_group_id = aws_security_group.alb.id
  description       = "gateways (CIDR) to Palisade port ${each.value.port}"
  cidr_ipv4         = each.value.cidr
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
}

resource "aws_vpc_security_group_ingress_rule" "alb_from_sg" {
  for_each = {
    for pair in setproduct(var.gateway_security_group_ids, [var.mirror_listener_port, var.decisions_listener_port]) :
    "${pair[0]}-${pair[1]}" => { sg = pair[0], port = pair[1] }
  }

  security_group_id            = aws_security_group.alb.id
  description                  = "gateways (security group) to Palisade port ${each.value.port}"
  referenced_security_group_id = each.value.sg
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
}

resource "aws_vpc_security_group_egress_rule" "alb_to_tasks" {
  for_each = { mirror = local.ports.mirror, aggregator = local.ports.aggregator }

  security_group_id            = aws_security_group.alb.id
  description                  = "load balancer to the ${each.key} tasks"
  referenced_security_group_id = aws_security_group.tasks.id
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
}

# One group for every Palisade task: they reach Kafka, the AWS APIs (HTTPS) and EFS.
resource "aws_security_group" "tasks" {
  name        = "${var.name}-tasks"
  description = "Palisade ECS tasks (mirror, workers, aggregator, topic-init)"
  vpc_id      = var.vpc_id
  tags        = merge(local.tags, { Name = "${var.name}-tasks" })
}

resource "aws_vpc_security_group_ingress_rule" "tasks_from_alb" {
  for_each = { mirror = local.ports.mirror, aggregator = local.ports.aggregator }

  security_group_id            = aws_security_group.tasks.id
  description                  = "load balancer to the ${each.key} listener"
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
}

resource "aws_vpc_security_group_egress_rule" "tasks_all" {
  security_group_id = aws_security_group.tasks.id
  description       = "Kafka, EFS, image registry, Secrets Manager, CloudWatch Logs"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
}

resource "aws_security_group" "kafka" {
  count = local.create_msk ? 1 : 0

  name        = "${var.name}-kafka"
  description = "Palisade MSK brokers, from the Palisade tasks"
  vpc_id      = var.vpc_id
  tags        = merge(local.tags, { Name = "${var.name}-kafka" })
}

resource "aws_vpc_security_group_ingress_rule" "kafka_from_tasks" {
  count = local.create_msk || var.existing_kafka_security_group_id != "" ? 1 : 0

  security_group_id            = local.create_msk ? aws_security_group.kafka[0].id : var.existing_kafka_security_group_id
  description                  = "Palisade tasks to Kafka"
  referenced_security_group_id = aws_security_group.tasks.id
  ip_protocol                  = "tcp"
  from_port                    = local.kafka_port
  to_port                      = local.kafka_port
}

resource "aws_security_group" "efs" {
  name        = "${var.name}-efs"
  description = "Palisade aggregator state (EFS), from the Palisade tasks"
  vpc_id      = var.vpc_id
  tags        = merge(local.tags, { Name = "${var.name}-efs" })
}

resource "aws_vpc_security_group_ingress_rule" "efs_from_tasks" {
  security_group_id            = aws_security_group.efs.id
  description                  = "NFS from the Palisade tasks"
  referenced_security_group_id = aws_security_group.tasks.id
  ip_protocol                  = "tcp"
  from_port                    = 2049
  to_port                      = 2049
}
