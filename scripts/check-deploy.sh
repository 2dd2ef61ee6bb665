#!/usr/bin/env bash
# Checks the deployment files as far as possible without a container engine or a cloud account
# (part of `make test`). Installs what it needs (scripts/bootstrap.sh deploy). Terraform is not a
# Debian package: its checks are skipped, with a message, where `terraform` or the AWS provider
# is absent. Last line: "deploy: N passed, M failed".
#
#   terraform-fmt        terraform fmt -check -recursive deploy/terraform
#   terraform-validate   terraform init -backend=false (offline, from the local provider mirror
#                        $TF_PLUGIN_DIR, default /opt/tf-plugins) + terraform validate
#   terraform-test       terraform test: the module planned/applied against a mocked AWS provider
#                        (tests/*.tftest.hcl: outputs, MSK vs existing Kafka, secrets, validation)
#   deck:<file>          deck validate -s on every bundled kong.yml (structure; decK 1.4 does not
#                        check plugin config — plugin-schema does)
#   compose-config       `docker compose config -q` (v2: compose.yaml alone and with the override;
#                        Debian's docker-compose 1.29: compose.yaml) — compose's own schema check
#   shell                bash -n on deploy/kafka/create-topics.sh
#   yaml, compose, compose-kong, plugin-schema, topics, topics-script, dockerfile, env-names
#                        scripts/check_deploy.py (its docstring says what each covers)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }
skip() { echo "skip - $1"; }
finish() { echo "deploy: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

scripts/bootstrap.sh deploy >&2 || { not_ok "bootstrap (scripts/bootstrap.sh deploy)"; finish; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- Terraform ------------------------------------------------------------------------------
TF_MODULE=deploy/terraform/aws
if ! command -v terraform >/dev/null 2>&1; then
  skip "terraform checks: terraform is not installed (https://developer.hashicorp.com/terraform/install)"
else
  if out=$(terraform fmt -check -recursive -diff deploy/terraform 2>&1); then
    ok "terraform-fmt"
  else
    not_ok "terraform-fmt (run: terraform fmt -recursive deploy/terraform)"
    echo "$out" | sed 's/^/    /'
  fi

  plugin_dir=${TF_PLUGIN_DIR:-/opt/tf-plugins}
  if ! compgen -G "$plugin_dir/registry.terraform.io/hashicorp/aws/*/*/terraform-provider-aws*" >/dev/null; then
    skip "terraform-validate/test: no AWS provider under $plugin_dir (set TF_PLUGIN_DIR to a provider mirror; offline only)"
  else
    # Offline: providers only from the local mirror. Work on a copy so no .terraform directory
    # or lock file lands in the tree (the module reads ../../kafka/create-topics.sh: keep the layout).
    cat >"$tmp/cli.tfrc" <<TFRC
provider_installation {
  filesystem_mirror {
    path    = "$plugin_dir"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
}
TFRC
    mkdir -p "$tmp/repo/deploy"
    cp -r deploy/terraform deploy/kafka "$tmp/repo/deploy/"
    export TF_CLI_CONFIG_FILE="$tmp/cli.tfrc" TF_DATA_DIR="$tmp/tfdata" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
    work="$tmp/repo/$TF_MODULE"
    if out=$(terraform -chdir="$work" init -backend=false -input=false -no-color 2>&1) &&
      out=$(terraform -chdir="$work" validate -no-color 2>&1); then
      ok "terraform-validate"
      if out=$(timeout 300 terraform -chdir="$work" test -no-color 2>&1); then
        ok "terraform-test ($(echo "$out" | grep -Eo '[0-9]+ passed, [0-9]+ failed' | tail -1))"
      else
        not_ok "terraform-test"
        echo "$out" | sed 's/^/    /' | tail -40
      fi
    else
      not_ok "terraform-validate"
      echo "$out" | sed 's/^/    /' | tail -40
      not_ok "terraform-test (not run: the module does not validate)"
    fi
  fi
fi

# --- decK -----------------------------------------------------------------------------------
for f in kong/kong.yml compose/kong/kong.yml deploy/terraform/aws/kong-example/kong.yml; do
  if out=$(deck validate -s "$f" 2>&1); then ok "deck:$f"; else not_ok "deck:$f"; echo "$out" | sed 's/^/    /'; fi
done

# --- compose's own validation (schema, types, interpolation) -----------------------------------
# `docker compose config` needs no engine. Compose v2 (the docker CLI plugin) checks both files;
# Debian's docker-compose 1.29 knows neither the top-level `name` nor `!reset`, so it checks
# compose.yaml without `name` only.
envfile="$ROOT/compose/.env.example"
if docker compose version >/dev/null 2>&1; then
  for files in "compose.yaml" "compose.yaml external-kafka.yaml"; do
    args=()
    for f in $files; do args+=(-f "compose/$f"); done
    if out=$(docker compose --project-directory compose --env-file "$envfile" "${args[@]}" config -q 2>&1); then
      ok "compose-config:${files// /+}"
    else
      not_ok "compose-config:${files// /+}"; echo "$out" | sed 's/^/    /'
    fi
  done
elif command -v docker-compose >/dev/null 2>&1; then
  grep -v '^name:' compose/compose.yaml >"$tmp/compose.yaml"
  if out=$(docker-compose --project-directory compose --env-file "$envfile" -f "$tmp/compose.yaml" config -q 2>&1); then
    ok "compose-config:compose.yaml (docker-compose $(docker-compose version --short 2>/dev/null))"
  else
    not_ok "compose-config:compose.yaml"; echo "$out" | sed 's/^/    /'
  fi
else
  skip "compose-config: neither docker compose nor docker-compose is installed"
fi

# --- shell ----------------------------------------------------------------------------------
if out=$(bash -n deploy/kafka/create-topics.sh 2>&1); then ok "shell"; else not_ok "shell"; echo "$out" | sed 's/^/    /'; fi

# --- Python checks --------------------------------------------------------------------------
python3 scripts/check_deploy.py >"$tmp/py.out" 2>&1
py_rc=$?
while IFS= read -r line; do
  case "$line" in
    ok\ *) ok "${line#ok }" ;;
    skip\ *) skip "${line#skip }" ;;
    FAIL\ *) echo "    ${line#FAIL }" ;;
    *) echo "    $line" ;;
  esac
done <"$tmp/py.out"
py_failed=$(grep '^FAIL ' "$tmp/py.out" | cut -d: -f1 | sort -u | wc -l)
for name in $(grep '^FAIL ' "$tmp/py.out" | cut -d: -f1 | sort -u | cut -d' ' -f2); do not_ok "$name"; done
if [ "$py_rc" -ne 0 ] && [ "$py_failed" -eq 0 ]; then not_ok "check_deploy.py exited $py_rc"; fi

finish
