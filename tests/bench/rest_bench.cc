// rest-bench: the latency of reading over REST against the same read over
// gRPC, on the real plan service with the demo plans. Times --calls
// sequential calls of each, on one kept-alive connection:
//   - GET /v1/plans/south-staffordshire and gRPC GetPlan;
//   - GET .../activities/-/actions?page_size=100 and gRPC ListActions
//     (every action of the published plan, on one page).
//
//   build/tests/rest-bench --calls=5000
//
// Prints one line per figure: calls per second, p50 and p99 in
// microseconds.
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "prevent/plan/v1/plan_service.grpc.pb.h"
#include "tests/support/plan_service_process.h"
#include "tests/support/temp_dir.h"

ABSL_FLAG(int, calls, 2000, "Calls of each kind to time.");

namespace {

namespace v1 = prevent::plan::v1;
using prevent::plan::test_support::PlanServiceProcess;
using prevent::plan::test_support::TempDir;

constexpr char kPlan[] = "plans/south-staffordshire";

// Times `calls` calls of `call` (false: it failed) and prints a line.
bool Time(const std::string& label, int calls, absl::FunctionRef<bool()> call) {
  for (int i = 0; i < std::min(calls / 10 + 1, 100); ++i) {
    if (!call()) return false;  // warm-up
  }
  std::vector<int64_t> micros;
  micros.reserve(calls);
  const absl::Time start = absl::Now();
  for (int i = 0; i < calls; ++i) {
    const absl::Time before = absl::Now();
    if (!call()) {
      std::cerr << "rest-bench: " << label << " failed\n";
      return false;
    }
    micros.push_back(absl::ToInt64Microseconds(absl::Now() - before));
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::sort(micros.begin(), micros.end());
  std::cout << absl::StrFormat(
      "%-32s %7.0f calls/s  p50 %5d us  p99 %5d us\n", label, calls / seconds,
      micros[micros.size() / 2], micros[micros.size() * 99 / 100]);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int calls = std::max(absl::GetFlag(FLAGS_calls), 10);
  absl::StatusOr<TempDir> dir = TempDir::Create("rest-bench");
  if (!dir.ok()) return 1;
  PlanServiceProcess::Options options;
  options.binary = PLAN_SERVICE_BINARY;
  options.data_dir = dir->Subpath("data");
  options.log_path = dir->Subpath("service.log");
  options.http = true;
  options.extra_args = {
      absl::StrCat("--seed=", PLAN_SOURCE_DIR, "/deploy/demo/seed.textproto")};
  absl::StatusOr<PlanServiceProcess> service =
      PlanServiceProcess::Start(options);
  if (!service.ok()) {
    std::cerr << "rest-bench: " << service.status() << "\n";
    return 1;
  }

  httplib::Client http("127.0.0.1", service->http_port());
  http.set_keep_alive(true);
  const std::string plan_path = absl::StrCat("/v1/", kPlan);
  const std::string list_path =
      absl::StrCat("/v1/", kPlan, "/activities/-/actions?page_size=100");
  auto stub = v1::PlanService::NewStub(service->NewChannel());
  const auto grpc_context = [] {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(10));
    return context;
  };
  size_t json_bytes = 0;
  const bool ok =
      Time("REST GET plan", calls,
           [&] {
             httplib::Result result = http.Get(plan_path);
             return result && result->status == 200;
           }) &&
      Time("gRPC GetPlan", calls,
           [&] {
             v1::GetPlanRequest request;
             request.set_name(kPlan);
             v1::Plan plan;
             return stub->GetPlan(grpc_context().get(), request, &plan).ok();
           }) &&
      Time("REST GET 100 actions", calls / 10,
           [&] {
             httplib::Result result = http.Get(list_path);
             if (result) json_bytes = result->body.size();
             return result && result->status == 200;
           }) &&
      Time("gRPC ListActions (100)", calls / 10, [&] {
        v1::ListActionsRequest request;
        request.set_parent(absl::StrCat(kPlan, "/activities/-"));
        request.set_page_size(100);
        v1::ListActionsResponse response;
        return stub->ListActions(grpc_context().get(), request, &response).ok();
      });
  if (!ok) return 1;
  std::cout << "REST page of 100 actions: " << json_bytes << " bytes of JSON\n";
  return service->Stop().ok() ? 0 : 1;
}
