#!/usr/bin/env bash
# Builds one libFuzzer target with clang (ASan + UBSan) and runs it briefly
# from its seed corpus. ctest runs it; it can also be run by hand for longer:
#   bash tests/fuzz/run_fuzzer.sh SOURCE_DIR BUILD_DIR filter 600
set -euo pipefail
src=$1 build=$2 target=$3 seconds=${4:-20}
out=$build/tests/fuzz
mkdir -p "$out/work-$target"
absl=$(pkg-config --libs absl_strings absl_str_format absl_status absl_statusor \
  absl_time absl_flat_hash_map absl_raw_hash_set absl_hash)
if [ ! -x "$out/${target}_fuzz" ] ||
   [ -n "$(find "$src/libplan/model" "$src/tests/fuzz" -newer "$out/${target}_fuzz" -name '*.cc' -o -newer "$out/${target}_fuzz" -name '*.h')" ]; then
  clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -I"$src" -I"$build/proto/gen" \
    "$src/tests/fuzz/${target}_fuzz.cc" "$src/libplan/model/${target}.cc" \
    "$build/proto/gen/prevent/plan/v1/resources.pb.cc" \
    $(pkg-config --libs protobuf) $absl -o "$out/${target}_fuzz"
fi
# A scratch copy of the seed corpus: what the run discovers is not committed.
rm -rf "$out/work-$target"/*
cp "$src/tests/fuzz/corpus/$target"/* "$out/work-$target/"
log=$out/$target.log
if ! "$out/${target}_fuzz" -max_total_time="$seconds" -max_len=2100 -timeout=5 \
    -print_final_stats=1 -artifact_prefix="$out/" "$out/work-$target" >"$log" 2>&1; then
  cat "$log"
  echo "run_fuzzer.sh: $target found a failure; the input is in $out/" >&2
  exit 1
fi
grep -E '^(Done|stat::)' "$log"
