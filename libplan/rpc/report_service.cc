#include "libplan/rpc/report_service.h"

#include "libplan/rpc/server.h"
#include "libplan/rpc/status.h"
#include "libplan/util/errors.h"
#include "libplan/util/log.h"

namespace plan {
namespace {

grpc::Status Finish(absl::string_view method, const absl::Status& status) {
  if (!status.ok()) {
    PLAN_LOG(INFO) << "refused " << method << " "
                   << absl::StatusCodeToString(status.code())
                   << " reason=" << ErrorReason(status) << ": "
                   << status.message();
  }
  return ToGrpcStatus(status);
}

}  // namespace

grpc::Status ReportServiceImpl::GetPlanSummary(
    grpc::ServerContext* context, const v1::GetPlanSummaryRequest* request,
    v1::PlanSummary* response) {
  return Finish("GetPlanSummary", reports_->GetPlanSummary(
                                      *request, ActorOf(*context), response));
}

grpc::Status ReportServiceImpl::GetCountySummary(
    grpc::ServerContext* context, const v1::GetCountySummaryRequest* request,
    v1::CountySummary* response) {
  return Finish("GetCountySummary", reports_->GetCountySummary(
                                        *request, ActorOf(*context), response));
}

grpc::Status ReportServiceImpl::ListChanges(
    grpc::ServerContext* context, const v1::ListChangesRequest* request,
    v1::ListChangesResponse* response) {
  return Finish("ListChanges",
                reports_->ListChanges(*request, ActorOf(*context), response));
}

grpc::Status ReportServiceImpl::ExportSummary(
    grpc::ServerContext* context, const v1::ExportSummaryRequest* request,
    v1::ExportPlanResponse* response) {
  return Finish("ExportSummary",
                reports_->ExportSummary(*request, ActorOf(*context), response));
}

}  // namespace plan
