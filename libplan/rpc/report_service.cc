#include "libplan/rpc/report_service.h"

#include "libplan/rpc/status.h"
#include "libplan/util/errors.h"
#include "libplan/util/log.h"

namespace plan {

template <typename Call>
grpc::Status ReportServiceImpl::Serve(const grpc::ServerContextBase& context,
                                      absl::string_view method, Call call) {
  absl::StatusOr<Actor> actor = auth_->Authenticate(context);
  const absl::Status status = actor.ok() ? call(*actor) : actor.status();
  if (!status.ok()) {
    PLAN_LOG(INFO) << "refused " << method << " "
                   << absl::StatusCodeToString(status.code())
                   << " reason=" << ErrorReason(status) << " organisation="
                   << (actor.ok() && !actor->organisation.empty()
                           ? actor->organisation
                           : "-")
                   << ": " << status.message();
  }
  return ToGrpcStatus(status);
}

grpc::Status ReportServiceImpl::GetPlanSummary(
    grpc::ServerContext* context, const v1::GetPlanSummaryRequest* request,
    v1::PlanSummary* response) {
  return Serve(*context, "GetPlanSummary", [&](const Actor& actor) {
    return reports_->GetPlanSummary(*request, actor, response);
  });
}

grpc::Status ReportServiceImpl::GetCountySummary(
    grpc::ServerContext* context, const v1::GetCountySummaryRequest* request,
    v1::CountySummary* response) {
  return Serve(*context, "GetCountySummary", [&](const Actor& actor) {
    return reports_->GetCountySummary(*request, actor, response);
  });
}

grpc::Status ReportServiceImpl::ListChanges(
    grpc::ServerContext* context, const v1::ListChangesRequest* request,
    v1::ListChangesResponse* response) {
  return Serve(*context, "ListChanges", [&](const Actor& actor) {
    return reports_->ListChanges(*request, actor, response);
  });
}

grpc::Status ReportServiceImpl::ExportSummary(
    grpc::ServerContext* context, const v1::ExportSummaryRequest* request,
    v1::ExportPlanResponse* response) {
  return Serve(*context, "ExportSummary", [&](const Actor& actor) {
    return reports_->ExportSummary(*request, actor, response);
  });
}

grpc::Status ReportServiceImpl::ReadChangeLog(
    grpc::ServerContext* context, const v1::ReadChangeLogRequest* request,
    grpc::ServerWriter<v1::ChangeLogChunk>* writer) {
  return Serve(*context, "ReadChangeLog", [&](const Actor& actor) {
    return reports_->ReadChangeLog(
        *request, actor,
        [&](const v1::ChangeLogChunk& chunk) { return writer->Write(chunk); });
  });
}

}  // namespace plan
