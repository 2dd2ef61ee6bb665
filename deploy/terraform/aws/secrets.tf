# Bearer tokens in Secrets Manager, injected into the tasks as PALISADE_<ROLE>_TOKENS (ECS
# secrets: the values never appear in the task definition). A null variable creates the secret
# without a value: put one before the tasks start (README.md).

locals {
  token_values = {
    mirror     = var.mirror_tokens
    aggregator = var.aggregator_tokens
    worker     = var.worker_tokens
  }
}

resource "aws_secretsmanager_secret" "tokens" {
  for_each = local.token_values

  name                    = "${var.name}/${each.key}-tokens"
  description             = "Palisade ${each.key} bearer tokens (comma-separated), read as PALISADE_${upper(each.key)}_TOKENS"
  recovery_window_in_days = var.secret_recovery_window_days
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "tokens" {
  # Keys are known at plan time; only the values are sensitive.
  for_each = toset([for role in keys(local.token_values) : role if nonsensitive(local.token_values[role] != null)])

  secret_id     = aws_secretsmanager_secret.tokens[each.key].id
  secret_string = local.token_values[each.key]
}
