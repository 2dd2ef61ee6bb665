# The aggregator's SQLite database on EFS, so it survives task replacement. SQLite has a single
# writer: exactly one aggregator task runs (desired count 1, and deployments stop the old task
# before starting the new one). Never scale the aggregator service above 1.

resource "aws_efs_file_system" "aggregator" {
  creation_token   = "${var.name}-aggregator"
  encrypted        = true
  performance_mode = "generalPurpose"
  throughput_mode  = "elastic"
  tags             = merge(local.tags, { Name = "${var.name}-aggregator" })
}

resource "aws_efs_mount_target" "aggregator" {
  for_each = toset(var.private_subnet_ids)

  file_system_id  = aws_efs_file_system.aggregator.id
  subnet_id       = each.value
  security_groups = [aws_security_group.efs.id]
}

# The image runs as uid/gid 10001 (Dockerfile): the access point creates the directory owned by it.
resource "aws_efs_access_point" "aggregator" {
  file_system_id = aws_efs_file_system.aggregator.id

  posix_user {
    uid = 10001
    gid = 10001
  }

  root_directory {
    path = "/aggregator"

    creation_info {
      owner_uid   = 10001
      owner_gid   = 10001
      permissions = "0750"
    }
  }

  tags = local.tags
}
