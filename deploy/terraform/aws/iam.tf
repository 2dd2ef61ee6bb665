# Execution role: pulls the image, writes logs, reads the token secrets and kafka_config_secret_arn
# (ECS injects them; a secret encrypted with your own KMS key also needs kms:Decrypt on it).
# Task role: what the Palisade process itself may do — mount the aggregator's EFS access point.

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-ecs-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = local.tags
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "read_tokens" {
  statement {
    sid     = "ReadPalisadeTokens"
    actions = ["secretsmanager:GetSecretValue"]
    resources = concat(
      [for s in aws_secretsmanager_secret.tokens : s.arn],
      var.kafka_config_secret_arn == "" ? [] : [var.kafka_config_secret_arn],
    )
  }
}

resource "aws_iam_role_policy" "execution_read_tokens" {
  name   = "read-palisade-tokens"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.read_tokens.json
}

resource "aws_iam_role" "task" {
  name               = "${var.name}-ecs-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "task_efs" {
  statement {
    sid       = "AggregatorState"
    actions   = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    resources = [aws_efs_file_system.aggregator.arn]

    condition {
      test     = "StringEquals"
      variable = "elasticfilesystem:AccessPointArn"
      values   = [aws_efs_access_point.aggregator.arn]
    }
  }
}

resource "aws_iam_role_policy" "task_efs" {
  name   = "aggregator-efs"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task_efs.json
}
