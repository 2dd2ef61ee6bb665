# Internal Application Load Balancer: one listener for the mirror (capture batches from the
# gateways), one for the aggregator's API (decision long-poll). Target health: GET /healthz.

resource "aws_lb" "this" {
  name               = "${var.name}-int"
  internal           = true
  load_balancer_type = "application"
  subnets            = var.private_subnet_ids
  security_groups    = [aws_security_group.alb.id]
  idle_timeout       = var.alb_idle_timeout_secs

  drop_invalid_header_fields = true
  tags                       = local.tags
}

resource "aws_lb_target_group" "role" {
  for_each = { mirror = local.ports.mirror, aggregator = local.ports.aggregator }

  name        = "${var.name}-${each.key == "mirror" ? "mir" : "agg"}"
  port        = each.value
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = var.vpc_id

  # The mirror drains its buffer on SIGTERM (mirror.shutdown_drain_timeout_ms, 15 s by default).
  deregistration_delay = each.key == "mirror" ? 20 : 30

  health_check {
    path                = "/healthz"
    matcher             = "200"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = local.tags
}

resource "aws_lb_listener" "role" {
  for_each = { mirror = var.mirror_listener_port, aggregator = var.decisions_listener_port }

  load_balancer_arn = aws_lb.this.arn
  port              = each.value
  protocol          = var.certificate_arn == "" ? "HTTP" : "HTTPS"
  certificate_arn   = var.certificate_arn == "" ? null : var.certificate_arn
  ssl_policy        = var.certificate_arn == "" ? null : "ELBSecurityPolicy-TLS13-1-2-2021-06"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.role[each.key].arn
  }

  tags = local.tags
}
