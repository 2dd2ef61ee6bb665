#!/usr/bin/env bash
# Installs what Palisade needs on Debian 12, idempotently: only missing packages are installed,
# and `apt-get update` runs only when something is missing. Usage: scripts/bootstrap.sh [group…]
#   groups: build (default: compiler deps), kafka, gateway, demo (nginx + plugin for `make demo`), browser, modsec, deploy,
#   external (public payload lists and benign data for scripts/eval-external.sh)
set -euo pipefail

groups=("$@")
[ ${#groups[@]} -eq 0 ] && groups=(build)

packages=()
for group in "${groups[@]}"; do
  case "$group" in
    build) packages+=(pkg-config zlib1g-dev libsqlite3-dev) ;;
    kafka) packages+=(librdkafka-dev libssl-dev) ;;
    gateway) packages+=(nginx libnginx-mod-http-lua lua-resty-core lua-cjson lua-busted lua-check luajit2 deck wrk python3 curl openssl) ;;
    demo) packages+=(nginx libnginx-mod-http-lua lua-resty-core lua-cjson python3 curl) ;;
    browser) packages+=(chromium chromium-driver python3-selenium) ;;
    modsec) packages+=(libnginx-mod-http-modsecurity modsecurity-crs) ;;
    deploy) packages+=(python3 python3-yaml deck luajit2 lua-cjson docker-compose) ;;
    external) packages+=(python3 wfuzz wapiti sqlmap python3-fake-factory iso-codes wamerican miscfiles) ;;
    *) echo "bootstrap: unknown group '$group'" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

needs_swift=0
for group in "${groups[@]}"; do [ "$group" = build ] && needs_swift=1; done

if [ "$needs_swift" = 1 ] && ! command -v swift >/dev/null 2>&1; then
  if [ -x /opt/swift/usr/bin/swift ]; then
    echo "bootstrap: swift is at /opt/swift/usr/bin; add it to PATH" >&2
  else
    echo "bootstrap: a Swift 6.2+ toolchain is required (https://www.swift.org/install/linux/)" >&2
    exit 1
  fi
fi
