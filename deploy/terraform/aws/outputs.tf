locals {
  lb_host = var.lb_dns_alias != "" ? var.lb_dns_alias : aws_lb.this.dns_name
  scheme  = var.certificate_arn == "" ? "http" : "https"
}

output "mirror_url" {
  description = "Base URL of the mirror for the gateway plugin's mirror_url (capture batches go to <mirror_url>/v1/capture)."
  value       = "${local.scheme}://${local.lb_host}:${var.mirror_listener_port}"
}

output "decisions_url" {
  description = "Base URL of the aggregator API for the gateway plugin's aggregator_url (decisions long-poll: <decisions_url>/v1/decisions; also the operator API)."
  value       = "${local.scheme}://${local.lb_host}:${var.decisions_listener_port}"
}

output "mirror_token_secret_arn" {
  description = "Secrets Manager secret with the mirror tokens (the plugin's mirror_token is one of them)."
  value       = aws_secretsmanager_secret.tokens["mirror"].arn
}

output "aggregator_token_secret_arn" {
  description = "Secrets Manager secret with the aggregator tokens (the plugin's aggregator_token is one of them)."
  value       = aws_secretsmanager_secret.tokens["aggregator"].arn
}

output "worker_token_secret_arn" {
  description = "Secrets Manager secret with the workers' /metrics tokens."
  value       = aws_secretsmanager_secret.tokens["worker"].arn
}

output "kafka_bootstrap_servers" {
  description = "Bootstrap servers the roles use (the MSK cluster created here, or existing_kafka_bootstrap)."
  value       = local.kafka_bootstrap
}

output "ecs_cluster_name" {
  description = "ECS cluster of the Palisade services."
  value       = aws_ecs_cluster.this.name
}

output "load_balancer_security_group_id" {
  description = "Security group of the internal load balancer (allow egress to it from the gateways if they restrict egress)."
  value       = aws_security_group.alb.id
}

output "topic_init_command" {
  description = "Creates the topics (once, before the roles can work): runs the topic-init task on the cluster."
  value = join(" ", [
    "aws ecs run-task --region ${data.aws_region.current.name}",
    "--cluster ${aws_ecs_cluster.this.name} --launch-type FARGATE",
    "--task-definition ${aws_ecs_task_definition.topic_init.family}",
    "--network-configuration 'awsvpcConfiguration={subnets=[${join(",", var.private_subnet_ids)}],securityGroups=[${aws_security_group.tasks.id}],assignPublicIp=DISABLED}'",
  ])
}

output "log_groups" {
  description = "CloudWatch log groups per role (JSON lines)."
  value       = { for role, group in aws_cloudwatch_log_group.role : role => group.name }
}
