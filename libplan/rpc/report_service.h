// The gRPC adapter of ReportService, served by the plan service.
#ifndef LIBPLAN_RPC_REPORT_SERVICE_H_
#define LIBPLAN_RPC_REPORT_SERVICE_H_

#include "libplan/rpc/identity.h"
#include "libplan/service/plan_reports.h"
#include "prevent/plan/v1/report_service.grpc.pb.h"

namespace plan {

class ReportServiceImpl final : public v1::ReportService::Service {
 public:
  // `reports` and `auth` must outlive the service. Every call acts as `auth`
  // authenticates it; one it refuses reaches no method.
  ReportServiceImpl(const PlanReports* reports, const Authenticator* auth)
      : reports_(reports), auth_(auth) {}

  grpc::Status GetPlanSummary(grpc::ServerContext* context,
                              const v1::GetPlanSummaryRequest* request,
                              v1::PlanSummary* response) override;
  grpc::Status GetCountySummary(grpc::ServerContext* context,
                                const v1::GetCountySummaryRequest* request,
                                v1::CountySummary* response) override;
  grpc::Status ListChanges(grpc::ServerContext* context,
                           const v1::ListChangesRequest* request,
                           v1::ListChangesResponse* response) override;
  grpc::Status ExportSummary(grpc::ServerContext* context,
                             const v1::ExportSummaryRequest* request,
                             v1::ExportPlanResponse* response) override;
  grpc::Status ReadChangeLog(
      grpc::ServerContext* context, const v1::ReadChangeLogRequest* request,
      grpc::ServerWriter<v1::ChangeLogChunk>* writer) override;

 private:
  // Authenticates the caller of `context`, then answers with `call(actor)`;
  // logs a refusal.
  template <typename Call>
  grpc::Status Serve(const grpc::ServerContextBase& context,
                     absl::string_view method, Call call);

  const PlanReports* const reports_;
  const Authenticator* const auth_;
};

}  // namespace plan

#endif  // LIBPLAN_RPC_REPORT_SERVICE_H_
