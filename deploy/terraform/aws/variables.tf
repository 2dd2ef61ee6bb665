# ---------------------------------------------------------------------------------------------
# Naming, network, image
# ---------------------------------------------------------------------------------------------

variable "name" {
  description = "Name prefix of every resource (ECS cluster, services, load balancer, secrets, log groups)."
  type        = string
  default     = "palisade"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}[a-z0-9]$", var.name))
    error_message = "name must be 3-22 characters of lowercase letters, digits and '-', starting with a letter (the load balancer name is derived from it)."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "VPC where Palisade runs (the same VPC as the Kong gateways, or one routed to it)."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123456789abcdef0."
  }
}

variable "private_subnet_ids" {
  description = "Private subnets in at least two availability zones, for the tasks, the internal load balancer, EFS and MSK. Tasks get no public IP: the subnets need a NAT gateway or VPC endpoints (ECR, Secrets Manager, CloudWatch Logs, EFS) to pull the image and read secrets."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2 && alltrue([for s in var.private_subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "private_subnet_ids needs at least two subnet ids (subnet-…), in different availability zones."
  }
}

variable "gateway_cidr_blocks" {
  description = "CIDR blocks of the Kong gateways (or anything else) allowed to reach the mirror and decisions listeners of the internal load balancer."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.gateway_cidr_blocks : can(cidrnetmask(c))])
    error_message = "gateway_cidr_blocks must be IPv4 CIDR blocks such as 10.0.0.0/16."
  }
}

variable "gateway_security_group_ids" {
  description = "Security groups of the Kong gateways allowed to reach the internal load balancer (in addition to gateway_cidr_blocks)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for g in var.gateway_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", g))])
    error_message = "gateway_security_group_ids must be security group ids (sg-…)."
  }
}

variable "image" {
  description = "Palisade container image (the repository's Dockerfile), e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/palisade:0.1.0. One image runs every role."
  type        = string

  validation {
    condition     = length(trimspace(var.image)) > 0 && !can(regex("\\s", var.image))
    error_message = "image must be a container image reference without spaces."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture of the image: X86_64 or ARM64 (Graviton)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "log_retention_days" {
  description = "Retention of the CloudWatch log groups, days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, …)."
  }
}

# ---------------------------------------------------------------------------------------------
# Kafka: Amazon MSK created here, or an existing cluster
# ---------------------------------------------------------------------------------------------

variable "existing_kafka_bootstrap" {
  description = "Bootstrap servers of an existing Kafka cluster (host:port,…). Empty: an Amazon MSK cluster is created."
  type        = string
  default     = ""

  validation {
    condition     = var.existing_kafka_bootstrap == "" || can(regex("^[A-Za-z0-9.-]+:[0-9]+(,[A-Za-z0-9.-]+:[0-9]+)*$", var.existing_kafka_bootstrap))
    error_message = "existing_kafka_bootstrap must be host:port pairs separated by commas, or empty."
  }
}

variable "existing_kafka_security_group_id" {
  description = "With existing_kafka_bootstrap: a security group of the existing cluster; rules letting the Palisade tasks in on kafka_port are added to it. Empty: open the cluster to the tasks yourself."
  type        = string
  default     = ""

  validation {
    condition     = var.existing_kafka_security_group_id == "" || can(regex("^sg-[0-9a-f]{8,17}$", var.existing_kafka_security_group_id))
    error_message = "existing_kafka_security_group_id must be a security group id (sg-…) or empty."
  }
}

variable "existing_msk_cluster_name" {
  description = "With existing_kafka_bootstrap on Amazon MSK: the cluster's name, so workers can scale on its consumer-lag metric (worker_lag_scaling). Empty: CPU scaling only."
  type        = string
  default     = ""
}

variable "kafka_security_protocol" {
  description = "librdkafka security.protocol of the roles and kafka-topics' of the topic-init task: plaintext or ssl (MSK created here: ssl uses its TLS listener, port 9094; plaintext its port 9092). SASL: set kafka_properties and kafka_client_properties."
  type        = string
  default     = "ssl"

  validation {
    condition     = contains(["plaintext", "ssl", "sasl_plaintext", "sasl_ssl"], var.kafka_security_protocol)
    error_message = "kafka_security_protocol must be plaintext, ssl, sasl_plaintext or sasl_ssl."
  }
}

variable "kafka_port" {
  description = "Port the tasks use to reach Kafka (security group rules). MSK created here: 9094 for ssl, 9092 for plaintext are used whatever this says."
  type        = number
  default     = 9094

  validation {
    condition     = var.kafka_port >= 1 && var.kafka_port <= 65535
    error_message = "kafka_port must be a TCP port."
  }
}

variable "kafka_properties" {
  description = "Extra librdkafka properties of every role (kafka.properties.<name>, written to the roles' --config file), e.g. { \"ssl.ca.location\" = \"/etc/ssl/certs/ca-certificates.crt\" }. Visible in the task definition: no passwords here (use kafka_config_secret_arn)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.kafka_properties : can(regex("^[a-z][a-z0-9.]*[a-z0-9]$", k)) && !can(regex("password|secret", k))])
    error_message = "kafka_properties keys must be librdkafka property names (lowercase, dots), and no password/secret properties (they would be stored in plain text in the task definition)."
  }
}

variable "kafka_client_properties" {
  description = "Java client properties of the topic-init task (kafka-topics.sh --command-config), one 'key=value' per entry; security.protocol is added from kafka_security_protocol."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.kafka_client_properties : can(regex("^[a-z][a-z0-9.]*=.*$", p))])
    error_message = "kafka_client_properties entries must be key=value."
  }
}

variable "kafka_config_secret_arn" {
  description = "Optional Secrets Manager secret holding a Palisade YAML configuration for Kafka credentials, e.g. 'kafka: {properties: {security.protocol: sasl_ssl, sasl.mechanism: SCRAM-SHA-512, sasl.username: palisade, sasl.password: …}}'. When set it is the roles' --config file and replaces the one generated from kafka_security_protocol and kafka_properties."
  type        = string
  default     = ""

  validation {
    condition     = var.kafka_config_secret_arn == "" || can(regex("^arn:aws[a-z-]*:secretsmanager:", var.kafka_config_secret_arn))
    error_message = "kafka_config_secret_arn must be a Secrets Manager secret ARN or empty."
  }
}

variable "topic_prefix" {
  description = "Prefix of every topic name (kafka.topic_prefix), e.g. 'acme.'."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{0,100}$", var.topic_prefix))
    error_message = "topic_prefix may contain only letters, digits, '.', '_' and '-'."
  }
}

variable "topic_partitions" {
  description = "Partitions per topic (created by the topic-init task). The ceiling of worker parallelism: workers beyond it sit idle."
  type        = number
  default     = 12

  validation {
    condition     = var.topic_partitions >= 1 && var.topic_partitions <= 1024 && floor(var.topic_partitions) == var.topic_partitions
    error_message = "topic_partitions must be an integer between 1 and 1024."
  }
}

variable "topic_replication_factor" {
  description = "Replication factor of the topics; at most the number of brokers."
  type        = number
  default     = 3

  validation {
    condition     = var.topic_replication_factor >= 1 && var.topic_replication_factor <= 32
    error_message = "topic_replication_factor must be between 1 and 32."
  }
}

variable "topic_retention_hours" {
  description = "retention.ms of the non-compacted topics (requests, verdicts, observations, deadletter), hours."
  type        = number
  default     = 24

  validation {
    condition     = var.topic_retention_hours >= 1 && var.topic_retention_hours <= 8760
    error_message = "topic_retention_hours must be between 1 and 8760."
  }
}

variable "kafka_tools_image" {
  description = "Image with kafka-topics.sh at /opt/kafka/bin, for the topic-init task."
  type        = string
  default     = "apache/kafka:3.9.1"
}

variable "msk_kafka_version" {
  description = "Kafka version of the MSK cluster created here."
  type        = string
  default     = "3.6.0"
}

variable "msk_broker_instance_type" {
  description = "Instance type of the MSK brokers."
  type        = string
  default     = "kafka.m7g.large"

  validation {
    condition     = can(regex("^kafka\\.", var.msk_broker_instance_type))
    error_message = "msk_broker_instance_type must be an MSK broker type such as kafka.m7g.large."
  }
}

variable "msk_broker_count" {
  description = "Brokers of the MSK cluster; a multiple of the number of private subnets (one per AZ)."
  type        = number
  default     = 3

  validation {
    condition     = var.msk_broker_count >= 2 && var.msk_broker_count <= 30
    error_message = "msk_broker_count must be between 2 and 30."
  }
}

variable "msk_volume_size_gb" {
  description = "EBS storage per MSK broker, GiB."
  type        = number
  default     = 100

  validation {
    condition     = var.msk_volume_size_gb >= 1 && var.msk_volume_size_gb <= 16384
    error_message = "msk_volume_size_gb must be between 1 and 16384."
  }
}

# ---------------------------------------------------------------------------------------------
# Tokens (Secrets Manager)
# ---------------------------------------------------------------------------------------------

variable "mirror_tokens" {
  description = "Bearer tokens of the mirror (comma-separated), stored in Secrets Manager. null: the secret is created empty; put its value with `aws secretsmanager put-secret-value` before the tasks start. Values given here are also in the Terraform state."
  type        = string
  default     = null
  sensitive   = true
}

variable "aggregator_tokens" {
  description = "Bearer tokens of the aggregator API (decisions long-poll and operator API), comma-separated. null: the secret is created empty (see mirror_tokens)."
  type        = string
  default     = null
  sensitive   = true
}

variable "worker_tokens" {
  description = "Bearer tokens of the workers' /metrics, comma-separated. null: the secret is created empty (see mirror_tokens)."
  type        = string
  default     = null
  sensitive   = true
}

variable "secret_recovery_window_days" {
  description = "Recovery window of the token secrets when destroyed (0 = delete at once)."
  type        = number
  default     = 7

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or between 7 and 30."
  }
}

# ---------------------------------------------------------------------------------------------
# Load balancer
# ---------------------------------------------------------------------------------------------

variable "certificate_arn" {
  description = "ACM certificate for HTTPS listeners on the internal load balancer. Empty: HTTP listeners (traffic stays in the VPC; the tokens then travel unencrypted inside it)."
  type        = string
  default     = ""

  validation {
    condition     = var.certificate_arn == "" || can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN or empty."
  }
}

variable "mirror_listener_port" {
  description = "Load balancer port of the mirror (capture batches: <mirror_url>/v1/capture)."
  type        = number
  default     = 8470

  validation {
    condition     = var.mirror_listener_port >= 1 && var.mirror_listener_port <= 65535
    error_message = "mirror_listener_port must be a TCP port."
  }
}

variable "decisions_listener_port" {
  description = "Load balancer port of the aggregator's API (decisions long-poll: <aggregator_url>/v1/decisions)."
  type        = number
  default     = 8082

  validation {
    condition     = var.decisions_listener_port >= 1 && var.decisions_listener_port <= 65535 && var.decisions_listener_port != var.mirror_listener_port
    error_message = "decisions_listener_port must be a TCP port different from mirror_listener_port."
  }
}

variable "alb_idle_timeout_secs" {
  description = "Idle timeout of the load balancer, seconds; longer than the plugin's long-poll wait (poll_wait_s, default 20) plus 5 s."
  type        = number
  default     = 60

  validation {
    condition     = var.alb_idle_timeout_secs >= 30 && var.alb_idle_timeout_secs <= 4000
    error_message = "alb_idle_timeout_secs must be between 30 and 4000 (the long-poll needs at least poll_wait_s + 5 s)."
  }
}

# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------

variable "mirror_count" {
  description = "Mirror tasks (stateless, behind the load balancer)."
  type        = number
  default     = 2

  validation {
    condition     = var.mirror_count >= 1 && var.mirror_count <= 100
    error_message = "mirror_count must be between 1 and 100."
  }
}

variable "mirror_cpu" {
  description = "CPU units of a mirror task (1024 = 1 vCPU)."
  type        = number
  default     = 1024

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.mirror_cpu)
    error_message = "mirror_cpu must be a Fargate CPU size: 256, 512, 1024, 2048, 4096, 8192 or 16384 (with a memory size Fargate allows for it)."
  }
}

variable "mirror_memory" {
  description = "Memory of a mirror task, MiB (its buffer bound, mirror.buffer_max_bytes, defaults to 256 MiB)."
  type        = number
  default     = 2048
}

variable "worker_min_count" {
  description = "Fewest worker tasks."
  type        = number
  default     = 2

  validation {
    condition     = var.worker_min_count >= 1
    error_message = "worker_min_count must be at least 1."
  }
}

variable "worker_max_count" {
  description = "Most worker tasks; more than topic_partitions adds nothing (one consumer per partition)."
  type        = number
  default     = 12

  validation {
    condition     = var.worker_max_count >= 1 && var.worker_max_count <= 1024
    error_message = "worker_max_count must be between 1 and 1024."
  }
}

variable "worker_cpu" {
  description = "CPU units of a worker task (scoring lanes default to the cores it sees)."
  type        = number
  default     = 2048

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.worker_cpu)
    error_message = "worker_cpu must be a Fargate CPU size: 256, 512, 1024, 2048, 4096, 8192 or 16384 (with a memory size Fargate allows for it)."
  }
}

variable "worker_memory" {
  description = "Memory of a worker task, MiB."
  type        = number
  default     = 4096
}

variable "worker_cpu_target_percent" {
  description = "Target average CPU utilisation of the workers for target-tracking scaling."
  type        = number
  default     = 60

  validation {
    condition     = var.worker_cpu_target_percent >= 10 && var.worker_cpu_target_percent <= 90
    error_message = "worker_cpu_target_percent must be between 10 and 90."
  }
}

variable "worker_lag_scaling" {
  description = "Also scale workers out on consumer lag: MSK's EstimatedMaxTimeLag of the palisade-workers group on palisade.requests (needs the MSK cluster created here, or existing_msk_cluster_name). Scale-in stays with the CPU policy."
  type        = bool
  default     = true
}

variable "worker_lag_threshold_secs" {
  description = "Consumer lag (EstimatedMaxTimeLag, seconds) above which workers are added."
  type        = number
  default     = 30

  validation {
    condition     = var.worker_lag_threshold_secs >= 1
    error_message = "worker_lag_threshold_secs must be at least 1."
  }
}

variable "worker_group" {
  description = "Consumer group of the workers (worker.group); used for the lag metric."
  type        = string
  default     = "palisade-workers"
}

variable "aggregator_cpu" {
  description = "CPU units of the aggregator task."
  type        = number
  default     = 2048

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.aggregator_cpu)
    error_message = "aggregator_cpu must be a Fargate CPU size: 256, 512, 1024, 2048, 4096, 8192 or 16384 (with a memory size Fargate allows for it)."
  }
}

variable "aggregator_memory" {
  description = "Memory of the aggregator task, MiB."
  type        = number
  default     = 4096
}

variable "aggregator_policy_file" {
  description = "Policy file inside the aggregator container (docs/POLICY.md). The image carries examples/policy.yaml at /etc/palisade/policy.yaml; bake your own into a derived image, or put it on the EFS volume (/var/lib/palisade/…)."
  type        = string
  default     = "/etc/palisade/policy.yaml"

  validation {
    condition     = startswith(var.aggregator_policy_file, "/")
    error_message = "aggregator_policy_file must be an absolute path inside the container."
  }
}

variable "extra_environment" {
  description = "Extra PALISADE_* settings per role, e.g. { worker = { PALISADE_WORKER_CLIENT_KEY = \"identity\" } }. Keys: mirror, worker, aggregator."
  type        = map(map(string))
  default     = {}

  validation {
    condition     = alltrue([for role, env in var.extra_environment : contains(["mirror", "worker", "aggregator"], role) && alltrue([for k, v in env : can(regex("^PALISADE_[A-Z0-9_]+$", k))])])
    error_message = "extra_environment keys must be mirror, worker or aggregator, each with PALISADE_* variable names."
  }
}

variable "lb_dns_alias" {
  description = "DNS name used in the output URLs instead of the load balancer's own (e.g. a Route 53 alias record pointing at it, matching certificate_arn). Empty: the load balancer's DNS name."
  type        = string
  default     = ""

  validation {
    condition     = var.lb_dns_alias == "" || can(regex("^[A-Za-z0-9.-]+$", var.lb_dns_alias))
    error_message = "lb_dns_alias must be a DNS name or empty."
  }
}
