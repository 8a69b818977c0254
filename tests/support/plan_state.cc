#include "tests/support/plan_state.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libplan/util/status_macros.h"

namespace prevent::plan::test_support {
namespace {

namespace v1 = ::prevent::plan::v1;

void Add(const google::protobuf::Message& item, PlanState* state) {
  const auto* name = item.GetDescriptor()->FindFieldByName("name");
  (*state)[item.GetReflection()->GetString(item, name)] = {
      item.SerializeAsString(), item.ShortDebugString()};
}

// Reads every page of a List method of `stub` into `state`.
template <typename Request, typename Response>
absl::Status ListAll(v1::PlanService::Stub& stub,
                     grpc::Status (v1::PlanService::Stub::*list)(
                         grpc::ClientContext*, const Request&, Response*),
                     Request request, PlanState* state) {
  request.set_page_size(1000);
  do {
    Response response;
    const grpc::Status status =
        (stub.*list)(NewContext().get(), request, &response);
    if (!status.ok()) {
      return FromGrpc(status, Request::descriptor()->name());
    }
    // Field 1 of every List response is its page of resources.
    const auto* items = Response::descriptor()->field(0);
    const auto* reflection = response.GetReflection();
    for (int i = 0; i < reflection->FieldSize(response, items); ++i) {
      Add(reflection->GetRepeatedMessage(response, items, i), state);
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return absl::OkStatus();
}

// A List request of the plan's children (or of the organisations, with no
// parent), deleted ones included.
template <typename Request>
Request AllOf(absl::string_view parent) {
  Request request;
  request.set_show_deleted(true);
  if (!parent.empty()) {
    request.GetReflection()->SetString(
        &request, Request::descriptor()->FindFieldByName("parent"),
        std::string(parent));
  }
  return request;
}

}  // namespace

std::unique_ptr<grpc::ClientContext> NewContext(
    const std::string& organisation) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(kRpcDeadline));
  if (!organisation.empty()) {
    context->AddMetadata("x-prevent-organisation", organisation);
  }
  return context;
}

absl::Status FromGrpc(const grpc::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  // gRPC and absl share the canonical codes.
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

// Every resource of the plan that `stub` serves, deleted ones included: the
// organisations and their conflicts, the plan, its strands, activities,
// actions, progress updates and conflicts.
absl::StatusOr<PlanState> ReadPlan(v1::PlanService::Stub& stub,
                                   absl::string_view plan_name) {
  const std::string kPlan(plan_name);
  using Stub = v1::PlanService::Stub;
  const std::string activities = absl::StrCat(kPlan, "/activities/-");
  PlanState state;
  RETURN_IF_ERROR(ListAll(stub, &Stub::ListOrganisations,
                          AllOf<v1::ListOrganisationsRequest>(""), &state));
  std::vector<std::string> organisations;
  for (const auto& [name, served] : state) organisations.push_back(name);
  for (const std::string& organisation : organisations) {
    v1::ListConflictsRequest conflicts;
    conflicts.set_parent(organisation);
    RETURN_IF_ERROR(ListAll(stub, &Stub::ListConflicts, conflicts, &state));
  }
  v1::GetPlanRequest get_plan;
  get_plan.set_name(kPlan);
  v1::Plan plan;
  RETURN_IF_ERROR(
      FromGrpc(stub.GetPlan(NewContext().get(), get_plan, &plan), "GetPlan"));
  Add(plan, &state);
  RETURN_IF_ERROR(ListAll(stub, &Stub::ListStrands,
                          AllOf<v1::ListStrandsRequest>(kPlan), &state));
  RETURN_IF_ERROR(ListAll(stub, &Stub::ListActivities,
                          AllOf<v1::ListActivitiesRequest>(kPlan), &state));
  RETURN_IF_ERROR(ListAll(stub, &Stub::ListActions,
                          AllOf<v1::ListActionsRequest>(activities), &state));
  RETURN_IF_ERROR(ListAll(stub, &Stub::ListProgressUpdates,
                          AllOf<v1::ListProgressUpdatesRequest>(
                              absl::StrCat(activities, "/actions/-")),
                          &state));
  v1::ListConflictsRequest conflicts;
  conflicts.set_parent(kPlan);
  RETURN_IF_ERROR(ListAll(stub, &Stub::ListConflicts, conflicts, &state));
  return state;
}

// The differences between two replicas' states, for a failure message; empty
// when they are the same byte for byte.
std::string Differences(absl::string_view a_label, const PlanState& a,
                        absl::string_view b_label, const PlanState& b) {
  std::vector<std::string> problems;
  for (const auto& [name, served] : a) {
    auto it = b.find(name);
    if (it == b.end()) {
      problems.push_back(absl::StrCat(name, ": only on ", a_label));
    } else if (!(it->second == served)) {
      problems.push_back(absl::StrCat(name, ":\n  ", a_label, ": ", served.text,
                                      "\n  ", b_label, ": ", it->second.text));
    }
  }
  for (const auto& [name, served] : b) {
    if (a.find(name) == a.end()) {
      problems.push_back(absl::StrCat(name, ": only on ", b_label));
    }
  }
  if (problems.size() > 20) {
    const size_t more = problems.size() - 20;
    problems.resize(20);
    problems.push_back(absl::StrCat("... and ", more, " more"));
  }
  return absl::StrJoin(problems, "\n");
}

}  // namespace prevent::plan::test_support
