#!/usr/bin/env bash
# libFuzzer targets (clang, ASan + UBSan) over the library's pure layers.
#   run_fuzzer.sh SOURCE_DIR BUILD_DIR build            build every target
#   run_fuzzer.sh SOURCE_DIR BUILD_DIR run NAME RUNS [SEED]
#                                        run one from its corpus: RUNS inputs,
#                                        mutated from SEED (default 1)
# ctest builds once, then runs each target for a fixed number of inputs from
# a fixed seed, so a failure found in CI is found again by the same command.
# Run one for longer, or from another seed, by hand:
#   bash tests/fuzz/run_fuzzer.sh . build run csv 10000000 7
set -euo pipefail
src=$(cd "$1" && pwd) build=$(cd "$2" && pwd) mode=$3
out=$build/tests/fuzz
cxx=(clang++)
command -v ccache >/dev/null && cxx=(ccache clang++)
flags=(-std=c++20 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined
  -I"$src" -I"$build/proto/gen" -I"$build/libplan/gen" -I"$build/libplan/gen/libplan")

build_all() {
  mkdir -p "$out/obj"
  # The layers with no I/O (util, model, formats, merge), the store's
  # snapshot record reader, the REST router, and the generated messages they
  # use.
  local sources=("$src"/libplan/{util,model,formats,merge}/*.cc
    "$src"/libplan/storage/snapshot_record.cc
    "$src"/libplan/http/{path_template,rest_router}.cc
    "$build"/proto/gen/google/api/{http,annotations}.pb.cc
    "$build"/libplan/gen/libplan/storage/records.pb.cc
    "$build"/proto/gen/prevent/plan/v1/sync_service.pb.cc
    "$build"/proto/gen/prevent/plan/v1/report_service.pb.cc
    "$build"/proto/gen/prevent/plan/v1/plan_service.pb.cc
    "$build"/proto/gen/prevent/plan/v1/resources.pb.cc
    "$build"/proto/gen/google/rpc/{status,error_details}.pb.cc)
  local objects=()
  for s in "${sources[@]}"; do
    [ -e "$s" ] || continue
    local o="$out/obj/$(echo "${s#"$src"/}" | tr '/' '_').o"
    if [ ! -e "$o" ] || [ "$s" -nt "$o" ] || [ -n "$(find "$src/libplan" -name '*.h' -newer "$o" -print -quit)" ]; then
      "${cxx[@]}" "${flags[@]}" -fsanitize=fuzzer-no-link -c "$s" -o "$o"
    fi
    objects+=("$o")
  done
  local libs
  libs=$(pkg-config --libs protobuf absl_strings absl_str_format absl_status \
    absl_statusor absl_time absl_flat_hash_map absl_raw_hash_set absl_hash \
    absl_random_random absl_cord libcrypto)
  for target in "$src"/tests/fuzz/*_fuzz.cc; do
    local name
    name=$(basename "$target" .cc)
    "${cxx[@]}" "${flags[@]}" -fsanitize=fuzzer "$target" "${objects[@]}" $libs \
      -o "$out/$name"
  done
}

run_one() {
  local name=$1 runs=$2 seed=${3:-1}
  local work=$out/work-$name log=$out/$name.log
  # A scratch copy of the seed corpus: what the run discovers is not committed.
  rm -rf "$work" && mkdir -p "$work"
  cp "$src/tests/fuzz/corpus/$name"/* "$work/"
  if ! "$out/${name}_fuzz" -runs="$runs" -seed="$seed" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/$name-" \
      "$work" >"$log" 2>&1; then
    cat "$log"
    echo "run_fuzzer.sh: $name found a failure; the input is in $out/" >&2
    exit 1
  fi
  grep -E '^(Done|stat::)' "$log"
}

case "$mode" in
  build) build_all ;;
  run) run_one "$4" "${5:-10000}" "${6:-1}" ;;
  *) sed -n '2,6p' "$0" >&2; exit 2 ;;
esac
