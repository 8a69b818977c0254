#!/usr/bin/env bash
# Developer entry point: installs what is missing, builds, and runs or tests.
#   bash deploy/dev.sh run    build, then serve the web app and REST on
#                             http://127.0.0.1:8080/ and gRPC on
#                             127.0.0.1:50051, with ./data; prints the
#                             demo account's address and password
#   bash deploy/dev.sh test   every check CI runs: formatting, clang-tidy, the
#                             whole suite in Release, then what asan and tsan run
#   bash deploy/dev.sh asan   the whole suite under ASan+UBSan (a Debug build)
#   bash deploy/dev.sh tsan   a clang build (-Wthread-safety as an error), and
#                             the storage, sync, rpc and end-to-end suites under
#                             TSan
#   bash deploy/dev.sh deps   only install the Debian 12 packages
#   bash deploy/dev.sh build  only build (into ./build, Release, with ccache)
#                             and package (build/*.deb)
#   bash deploy/dev.sh format-check   only check the C++ is clang-formatted
#   bash deploy/dev.sh quick  build, then run every test in Release only
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(cmake g++ make ccache pkg-config
  libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev
  librocksdb-dev libabsl-dev libgtest-dev libgmock-dev grpc-proto libcpp-httplib-dev libsodium-dev
  libgoogle-perftools-dev libssl-dev libsystemd-dev dpkg-dev prometheus-cpp-dev
  clang clang-format libclang-rt-14-dev libbenchmark-dev
  chromium openssl etcd-server python3-grpcio python3-protobuf python3-yaml curl)

deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "dev.sh: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# Node.js and npm: the build fetches GOV.UK Frontend's stylesheet with npm
# (libplan/http/web/package-lock.json), and the browser tests take
# playwright-core and axe-core from npm (tests/browser/package-lock.json).
# The machine's own Node.js is used when there is one; else Debian's.
node_deps() {
  if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs npm >/dev/null
  fi
}

browser_deps() {
  node_deps
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
}

# Every C++ file as clang-format writes it (.clang-format: Google style).
format_check() {
  local files
  mapfile -t files < <(git ls-files '*.cc' '*.h')
  if ! clang-format --dry-run --Werror "${files[@]}"; then
    echo "dev.sh: not clang-formatted; run: clang-format -i FILE..." >&2
    return 1
  fi
}

# Configures and builds DIR with the given CMake arguments.
# gold links the many test executables faster than the default linker.
build_in() {
  local dir=$1
  shift
  cmake -S . -B "$dir" -DPLAN_SKIPS_FAIL=ON -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=gold \
    "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)" ${PLAN_TARGETS:+--target $PLAN_TARGETS}
}

# The Release build, then its Debian packages (deploy/CMakeLists.txt), which
# tests/package checks: build/*.deb.
build() {
  build_in build -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
  (cd build && cpack -G DEB >/dev/null)
}

# .clang-tidy on every library source: no function over cognitive complexity
# 40, and clang's thread-safety analysis clean. Needs build/ (its compile
# commands and generated headers).
tidy() {
  local log status=0
  log=$(mktemp)
  git ls-files 'libplan/*.cc' | xargs -P"$(nproc)" -n4 clang-tidy -p build \
    --quiet --extra-arg=-Wthread-safety 2>"$log" || status=$?
  if [ "$status" -ne 0 ]; then
    grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated|^Suppressed|^Use -header-filter' "$log" >&2
    echo "dev.sh: clang-tidy found the problems above" >&2
  fi
  rm -f "$log"
  return "$status"
}

# The demo: the plan service on 127.0.0.1:50051 (gRPC) and :8080 (the web
# app and the REST/JSON API), with ./data. On first start the store is empty
# and the demo plans are loaded: the published South Staffordshire plan under
# an illustrative county plan, with a second, illustrative district.
# `planctl admin backup --to=NAME` writes backups under ./backups. Each run
# sets a new random password on the demo account, the county's Prevent
# coordinator, and prints it with the address.
run_demo() {
  rm -f data.port
  build/plan-service/plan-service --listen=127.0.0.1:50051 --data_dir=./data \
    --http_listen=127.0.0.1:8080 --port_file=data.port \
    --seed=deploy/demo/seed.textproto --backup_root=./backups &
  local service=$!
  trap 'kill -TERM $service 2>/dev/null' INT TERM
  for _ in $(seq 300); do
    [ -s data.port ] && break
    kill -0 "$service" 2>/dev/null || { wait "$service"; return $?; }
    sleep 0.1
  done
  local password
  password=$(openssl rand -base64 15)
  printf '%s\n' "$password" | build/planctl/planctl --server=127.0.0.1:50051 \
    admin users add coordinator@staffordshire.example \
    organisations/staffordshire-county-council --replace >/dev/null
  cat >&2 <<EOF

  The plan is served. Open the web app at:

      http://127.0.0.1:8080/

  and sign in as coordinator@staffordshire.example with the password
  $password
  (the county's Prevent coordinator). REST/JSON: http://127.0.0.1:8080/v1/
  (docs/rest.md). gRPC: 127.0.0.1:50051. Ctrl-C stops it.

EOF
  wait "$service"
}

run_tests() {
  local dir=$1
  shift
  ctest --test-dir "$dir" --output-on-failure -j"$(nproc)" "$@"
}

# The sanitizer builds are Debug builds (PLAN_DCHECK and assert live) at -O1,
# so that they run at a useful speed, with line tables only (-g1): reports
# name files and lines, and the builds take a quarter less time.
SANITIZER_BUILD=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1 -O1")

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer. The
# fuzzers already run under both, in every build. The random sync test runs
# 20 seeds here (200 in Release).
asan() {
  build_in build-asan "${SANITIZER_BUILD[@]}" -DPLAN_SANITIZE=address,undefined
  SYNC_SEEDS=${SYNC_SEEDS:-20} \
    ASAN_OPTIONS=detect_stack_use_after_return=1:strict_string_checks=1 \
    UBSAN_OPTIONS=print_stacktrace=1 run_tests build-asan -E '_fuzz$|^fuzz_build$'
}

# A clang build, in which -Wthread-safety checks every ABSL_GUARDED_BY as an
# error (CMakeLists.txt), with ThreadSanitizer; and under TSan the suites that
# run threads: storage, sync, rpc and end to end (the binaries they start are
# TSan builds too, and a report makes one exit with an error). Debian's
# Abseil, gRPC and RocksDB are not built for TSan: absl::Mutex is made visible
# to it (tests/sanitizers/tsan_absl_sync.cc), and tests/sanitizers/tsan.supp
# says which of those libraries' own accesses are not checked, and why. The
# random sync test runs 10 seeds here.
TSAN_TESTS=(store_test store_faults_test snapshot_record_test handoff_test
  change_chain_test schedule_test sync_test
  plan_service_test server_test identity_test role_matrix_test
  crash_test damaged_store_test disk_full_test hostile_input_test planctl_test
  sync_crash_test sync_e2e_test tls_e2e_test rest_e2e_test sign_in_e2e_test
  sign_in_test replicas_e2e_test metrics_e2e_test log_test random_sync_test)
tsan() {
  CC=clang CXX=clang++ \
    PLAN_TARGETS="plan-service sync-agent planctl ${TSAN_TESTS[*]}" \
    build_in build-tsan "${SANITIZER_BUILD[@]}" -DPLAN_SANITIZE=thread
  local pattern
  pattern=$(IFS='|'; echo "${TSAN_TESTS[*]}")
  SYNC_SEEDS=${SYNC_SEEDS:-10} \
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/sanitizers/tsan.supp" \
    run_tests build-tsan -R "^($pattern)\$"
}

# Runs a step, then says how long it took (CI's time is kept under 45 min).
timed() {
  local start=$SECONDS
  "$@"
  echo "dev.sh: $1 took $((SECONDS - start)) s" >&2
}

case "${1:-}" in
  deps) deps; node_deps ;;
  build) deps; node_deps; build ;;
  run) deps; node_deps; build; run_demo ;;
  format-check) deps; format_check ;;
  quick) deps; browser_deps; build; run_tests build ;;
  test)
    timed deps; timed browser_deps; timed format_check; timed build; timed tidy
    timed run_tests build
    timed asan
    timed tsan ;;
  tidy) deps; node_deps; build; tidy ;;
  asan) deps; browser_deps; asan ;;
  tsan) deps; node_deps; tsan ;;
  *) sed -n '2,16p' "$0" >&2; exit 2 ;;
esac
