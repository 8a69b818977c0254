# Runs a quick fan-in (plan-bench --agents: 40 agents, two counties) and
# checks that it succeeds, that its last line is a JSON object holding every
# figure as a number, that every agent converged and was verified, and that
# no sync failed. Asserts nothing about speed.
#
#   cmake -DBENCH=build/tests/plan-bench -P check_fan_in.cmake
execute_process(
  COMMAND ${BENCH} --agents=40
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "plan-bench --agents failed (${rc}):\n${err}\n${out}")
endif()
message("${out}")
string(STRIP "${out}" out)
string(REGEX MATCH "[^\n]*$" last "${out}")
foreach(key fanin_agents fanin_total_s fanin_agent_p99_s fanin_service_rss_mb
    fanin_failures fanin_converged fanin_verified fanin_syncs fanin_pushed
    fanin_pulled)
  string(JSON type ERROR_VARIABLE error TYPE "${last}" ${key})
  if(error OR NOT type STREQUAL "NUMBER")
    message(FATAL_ERROR "last line has no number \"${key}\" (${error}): ${last}")
  endif()
endforeach()
string(JSON failures GET "${last}" fanin_failures)
if(NOT failures EQUAL 0)
  message(FATAL_ERROR "${failures} syncs failed after retries: ${last}")
endif()
string(JSON agents GET "${last}" fanin_agents)
foreach(key fanin_converged fanin_verified)
  string(JSON value GET "${last}" ${key})
  if(NOT value EQUAL agents)
    message(FATAL_ERROR "\"${key}\" is ${value}, not ${agents}: ${last}")
  endif()
endforeach()
foreach(key fanin_total_s fanin_agent_p99_s fanin_service_rss_mb fanin_syncs
    fanin_pushed fanin_pulled)
  string(JSON value GET "${last}" ${key})
  if(value LESS_EQUAL 0)
    message(FATAL_ERROR "\"${key}\" is ${value}, not positive: ${last}")
  endif()
endforeach()
