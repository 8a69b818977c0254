#!/usr/bin/env bash
# Generates the Python modules of the API (messages and gRPC stubs) into DIR,
# with Debian's protoc and grpc_python_plugin (packages protobuf-compiler and
# protobuf-compiler-grpc, which the build already uses).
#   bash examples/python/generate_stubs.sh DIR
set -euo pipefail
out=${1:?usage: generate_stubs.sh DIR}
proto=$(cd "$(dirname "$0")/../../proto" && pwd)
mkdir -p "$out"
protoc -I"$proto" --python_out="$out" --grpc_python_out="$out" \
  --plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)" \
  "$proto"/prevent/plan/v1/*.proto "$proto"/google/api/*.proto \
  "$proto"/google/rpc/*.proto
echo "generate_stubs.sh: modules in $out"
