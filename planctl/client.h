// A blocking client for any unary method of the plan API, by name, over a
// gRPC channel: what planctl's commands are built on.
//
//   PlanClient client(channel, {.organisation = "organisations/x"});
//   std::unique_ptr<Message> request = client.NewRequest("GetAction");
//   ...
//   absl::StatusOr<std::unique_ptr<Message>> response =
//       client.Call("GetAction", *request);
#ifndef PLANCTL_CLIENT_H_
#define PLANCTL_CLIENT_H_

#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "grpcpp/channel.h"
#include "prevent/plan/v1/report_service.grpc.pb.h"

namespace planctl {

inline constexpr char kPlanService[] = "prevent.plan.v1.PlanService";
inline constexpr char kReportService[] = "prevent.plan.v1.ReportService";
inline constexpr char kAdminService[] = "prevent.plan.v1.AdminService";

struct ClientOptions {
  // Sent as x-prevent-organisation: the acting organisation of writes.
  std::string organisation;
  // Deadline of each call.
  absl::Duration timeout = absl::Seconds(30);
};

class PlanClient {
 public:
  PlanClient(std::shared_ptr<grpc::Channel> channel, ClientOptions options);

  // A new, empty request message for `method` of prevent.plan.v1.PlanService,
  // or nullptr when there is no such method.
  std::unique_ptr<google::protobuf::Message> NewRequest(
      absl::string_view method) const;

  // Calls `method` of prevent.plan.v1.PlanService. The error keeps the
  // server's code; its message adds the server's reason.
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Call(
      absl::string_view method, const google::protobuf::Message& request);
  // The same for any service of the API, e.g. "prevent.plan.v1.ReportService".
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> CallService(
      absl::string_view service, absl::string_view method,
      const google::protobuf::Message& request);

  // The grpc.health.v1 status of the server: "SERVING", "NOT_SERVING", ...
  absl::StatusOr<std::string> Health();

  // Streams ReportService.ReadChangeLog, calling `chunk` for each chunk.
  absl::Status ReadChangeLog(
      const prevent::plan::v1::ReadChangeLogRequest& request,
      absl::FunctionRef<void(const prevent::plan::v1::ChangeLogChunk&)> chunk);

 private:
  // Sends `request` bytes to `path`; returns the response bytes.
  absl::StatusOr<std::string> CallRaw(const std::string& path,
                                      const std::string& request);

  std::shared_ptr<grpc::Channel> channel_;
  ClientOptions options_;
};

}  // namespace planctl

#endif  // PLANCTL_CLIENT_H_
