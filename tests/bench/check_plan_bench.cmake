# Runs a quick plan-bench (10,000 actions, short rate measurements) and checks
# that it succeeds and that its last line is a JSON object holding every
# figure as a number. Asserts nothing about speed. plan-bench itself fails
# when etcd (Debian's etcd-server) is missing, when an agent and the
# service serve different plans after a sync, and when the contended push's
# outcomes are not the planned ones.
#
#   cmake -DBENCH=build/tests/plan-bench -P check_plan_bench.cmake
execute_process(
  COMMAND ${BENCH} --actions=10000 --push_edits=2000 --duration=0.3s
          --incremental_rounds=3
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "plan-bench failed (${rc}):\n${err}\n${out}")
endif()
message("${out}")
string(STRIP "${out}" out)
string(REGEX MATCH "[^\n]*$" last "${out}")
foreach(key noop_rpc_qps raw_ingest_rps initial_sync_rps
    initial_sync_from_start_rps agent_start_s
    incr_sync_ms_small_agent incr_sync_ms_large_agent push_cps
    push_contended_cps push_contended_applied push_contended_merged
    push_contended_conflicts update_qps update_p50_ms update_p99_ms
    etcd_put_qps etcd_put_p99_ms update_over_etcd get_qps list_qps
    agent_rss_mb service_rss_mb start_s)
  string(JSON type ERROR_VARIABLE error TYPE "${last}" ${key})
  if(error OR NOT type STREQUAL "NUMBER")
    message(FATAL_ERROR "last line has no number \"${key}\" (${error}): ${last}")
  endif()
  string(JSON value GET "${last}" ${key})
  if(value LESS_EQUAL 0)
    message(FATAL_ERROR "\"${key}\" is ${value}, not positive: ${last}")
  endif()
endforeach()
