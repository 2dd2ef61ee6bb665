#!/usr/bin/env bash
# Regenerates Sources/PalisadeRecords/palisade.pb.swift from Sources/PalisadeRecords/palisade.proto.
#
#   scripts/gen-proto.sh
#
# Needs Debian's `protobuf-compiler` (protoc; installed here if missing) and builds
# `protoc-gen-swift` once from the swift-protobuf checkout this package pins (1.39.0), in
# `.build-protoc/` (gitignored). The first run takes a few minutes; later runs reuse the binary.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v protoc >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends protobuf-compiler >/dev/null
fi

scratch=.build-protoc
plugin="$scratch/release/protoc-gen-swift"
if [ ! -x "$plugin" ]; then
  swift package resolve
  checkout=.build/checkouts/swift-protobuf
  [ -d "$checkout" ] || { echo "gen-proto: no swift-protobuf checkout at $checkout" >&2; exit 1; }
  swift build -c release --package-path "$checkout" --product protoc-gen-swift --scratch-path "$PWD/$scratch"
fi

protoc \
  --plugin=protoc-gen-swift="$plugin" \
  --swift_out=Sources/PalisadeRecords \
  --swift_opt=Visibility=Public \
  --proto_path=Sources/PalisadeRecords \
  Sources/PalisadeRecords/palisade.proto
echo "gen-proto: wrote Sources/PalisadeRecords/palisade.pb.swift ($(protoc --version), protoc-gen-swift $("$plugin" --version 2>/dev/null || echo '?'))"
