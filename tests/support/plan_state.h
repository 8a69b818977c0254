// Reading what a server (the plan service or a sync agent) serves of a plan,
// through the public API, to compare replicas byte for byte in end-to-end
// tests.
#ifndef PLAN_TESTS_SUPPORT_PLAN_STATE_H_
#define PLAN_TESTS_SUPPORT_PLAN_STATE_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "prevent/plan/v1/plan_service.grpc.pb.h"

namespace prevent::plan::test_support {

// The deadline of every call these helpers make.
inline constexpr absl::Duration kRpcDeadline = absl::Seconds(30);

// A client context with kRpcDeadline, acting as `organisation` when set.
std::unique_ptr<grpc::ClientContext> NewContext(
    const std::string& organisation = "");

// `status` as an absl::Status (same code), its message prefixed by `what`.
absl::Status FromGrpc(const grpc::Status& status, absl::string_view what);

// One stored resource as a client sees it: its bytes, and text for messages.
struct Served {
  std::string bytes;
  std::string text;
  bool operator==(const Served& other) const { return bytes == other.bytes; }
};
using PlanState = std::map<std::string, Served>;

// Every resource of plan `plan_name` that `stub` serves, deleted ones
// included: the organisations and their conflicts, the plan, its strands,
// activities, actions, progress updates and conflicts.
absl::StatusOr<PlanState> ReadPlan(prevent::plan::v1::PlanService::Stub& stub,
                                   absl::string_view plan_name);

// The differences between two replicas' states, for a failure message
// (at most 20 listed); empty when they are the same byte for byte.
std::string Differences(absl::string_view a_label, const PlanState& a,
                        absl::string_view b_label, const PlanState& b);

}  // namespace prevent::plan::test_support

#endif  // PLAN_TESTS_SUPPORT_PLAN_STATE_H_
