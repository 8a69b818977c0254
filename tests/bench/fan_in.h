// plan-bench --agents=N: many partner agents syncing with one plan service at
// once (fan-in).
//
// It starts the real plan-service binary on loopback and simulates N partner
// agents in this process, each a Replica with its own RocksDB store, its own
// organisation and replica id, and its own gRPC channel (its own connection,
// as each partner's machine has). The agents fall into ceil(N / 20) counties
// of (up to) 20 districts; each district has a plan (a copy of the published
// South Staffordshire plan: 3 strands, 19 activities, 36 actions) and a
// partner, the district's council, which OWNs it and is an EDITOR of its
// county's other district plans, leading their shared activity. Each agent
// subscribes to its county's plans.
//
// Setup (not timed): the plans are imported and the members made through the
// PlanService API; every agent bootstraps from a snapshot; then every agent
// makes --fanin_edits local edits offline (UpdateAction through its own
// PlanResources): RAGs of three actions every agent of the county edits
// (conflicts), a word edit each of a description its neighbour also edits
// (three-way text merges), and its own plan's actions.
//
// Timed: all agents then sync at once, --fanin_concurrency at a time, each
// until it has converged: its edits are answered and a sync of it began after
// every agent of its county had its push answered, so that its pull brought
// everything logged for its plans. A failed sync is retried with the sync
// agent's own backoff; --fanin_attempts failures in a row fail the agent.
// Afterwards (not timed) every agent syncs once more, which must move
// nothing, and every agent's replica is compared, resource by resource, with
// a fresh snapshot of its county's plans from the service.
//
// The agents' stores do not preallocate their files (RocksDB would reserve
// 64 MiB per WAL); the run refuses to start without 8 MiB of disk and 16
// open files per agent. The agents' own log lines go to agents.log in the
// work dir. README.md, "Performance", has the figures.
#ifndef PLAN_TESTS_BENCH_FAN_IN_H_
#define PLAN_TESTS_BENCH_FAN_IN_H_

#include <string>

#include "absl/status/status.h"

namespace prevent::plan::bench {

// Runs the fan-in benchmark with `agents` agents, the plan-service binary
// `plan_service`, the published plan `seed` (PREVENT_TEXT) and its data and
// logs in the directory `dir` (which must exist). Progress goes to stderr;
// the table, then one JSON line, to stdout. Fails when setup fails, when an
// agent does not converge, or when the verification finds a difference.
absl::Status RunFanInBench(int agents, const std::string& plan_service,
                           const std::string& seed, const std::string& dir);

}  // namespace prevent::plan::bench

#endif  // PLAN_TESTS_BENCH_FAN_IN_H_
