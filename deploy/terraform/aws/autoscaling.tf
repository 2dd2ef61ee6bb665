# Worker scaling. Always: target tracking on the service's average CPU (scoring is CPU-bound).
# With MSK (created here, or existing_msk_cluster_name): also a step scale-out on consumer lag,
# MSK's EstimatedMaxTimeLag of the workers' group on palisade.requests. Scale-in is left to the
# CPU policy. Workers beyond the partition count of palisade.requests sit idle: keep
# worker_max_count <= topic_partitions. (The workers' own lag gauge,
# palisade_worker_consumer_lag_ms, is Prometheus only; nothing here ships it to CloudWatch.)

resource "aws_appautoscaling_target" "worker" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.worker.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.worker_min_count
  max_capacity       = var.worker_max_count

  lifecycle {
    precondition {
      condition     = var.worker_min_count <= var.worker_max_count
      error_message = "worker_min_count must not exceed worker_max_count."
    }
    precondition {
      condition     = var.worker_max_count <= var.topic_partitions
      error_message = "worker_max_count above topic_partitions only adds idle workers (one consumer per partition)."
    }
  }
}

resource "aws_appautoscaling_policy" "worker_cpu" {
  name               = "${var.name}-worker-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  resource_id        = aws_appautoscaling_target.worker.resource_id
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.worker_cpu_target_percent
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "worker_lag" {
  count = local.lag_scaling ? 1 : 0

  name               = "${var.name}-worker-lag"
  policy_type        = "StepScaling"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  resource_id        = aws_appautoscaling_target.worker.resource_id
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension

  step_scaling_policy_configuration {
    adjustment_type         = "ChangeInCapacity"
    cooldown                = 120
    metric_aggregation_type = "Maximum"

    # Lag between the threshold and twice it: one more worker; beyond: two more.
    step_adjustment {
      metric_interval_lower_bound = 0
      metric_interval_upper_bound = var.worker_lag_threshold_secs
      scaling_adjustment          = 1
    }

    step_adjustment {
      metric_interval_lower_bound = var.worker_lag_threshold_secs
      scaling_adjustment          = 2
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "worker_lag" {
  count = local.lag_scaling ? 1 : 0

  alarm_name          = "${var.name}-worker-lag"
  alarm_description   = "Palisade workers fall behind palisade.requests: add workers"
  namespace           = "AWS/Kafka"
  metric_name         = "EstimatedMaxTimeLag"
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  threshold           = var.worker_lag_threshold_secs
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_appautoscaling_policy.worker_lag[0].arn]

  dimensions = {
    "Cluster Name"   = local.msk_cluster_name
    "Consumer Group" = var.worker_group
    "Topic"          = "${var.topic_prefix}palisade.requests"
  }

  tags = local.tags
}
