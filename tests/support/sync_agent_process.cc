#include "tests/support/sync_agent_process.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace prevent::plan::test_support {

absl::StatusOr<SyncAgentProcess> SyncAgentProcess::Start(
    const Options& options) {
  if (options.server.empty() || options.organisation.empty() ||
      options.plans.empty()) {
    return absl::InvalidArgumentError(
        "SyncAgentProcess::Options needs server, organisation and plans");
  }
  PlanServiceProcess::Options process;
  process.binary = options.binary;
  process.data_dir = options.data_dir;
  process.log_path = options.log_path;
  process.startup_timeout = options.startup_timeout;
  process.http = options.http;
  process.extra_args = {
      absl::StrCat("--server=", options.server),
      absl::StrCat("--organisation=", options.organisation),
      absl::StrCat("--plans=", absl::StrJoin(options.plans, ",")),
      absl::StrCat("--schedule=", options.schedule),
  };
  process.extra_args.insert(process.extra_args.end(),
                            options.extra_args.begin(),
                            options.extra_args.end());
  absl::StatusOr<PlanServiceProcess> started =
      PlanServiceProcess::Start(process);
  if (!started.ok()) return started.status();
  return SyncAgentProcess(*std::move(started));
}

}  // namespace prevent::plan::test_support
