// ReportService (proto/prevent/plan/v1/report_service.proto) on a store:
// plan and county summaries, "what changed since", and their exports. Each
// call reads one consistent snapshot, and stops with CheckInterrupted's error
// (plan_resources.h) when its caller goes or runs out of time. Each is
// authorized as a read of its plan (access_control.h): a county summary
// leaves out the districts its caller may not read, and the change log sends
// only the hash of each entry of such a plan.
#ifndef LIBPLAN_SERVICE_PLAN_REPORTS_H_
#define LIBPLAN_SERVICE_PLAN_REPORTS_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "libplan/service/plan_resources.h"
#include "prevent/plan/v1/report_service.pb.h"

namespace plan {

inline constexpr int kChangeLogChunkEntries = 500;

class PlanReports {
 public:
  // `resources` must outlive this object; its options' clock decides what
  // is overdue.
  explicit PlanReports(const PlanResources* resources)
      : resources_(resources) {}

  absl::Status GetPlanSummary(const v1::GetPlanSummaryRequest& request,
                              const Actor& actor, v1::PlanSummary* out) const;
  absl::Status GetCountySummary(const v1::GetCountySummaryRequest& request,
                                const Actor& actor,
                                v1::CountySummary* out) const;
  absl::Status ListChanges(const v1::ListChangesRequest& request,
                           const Actor& actor,
                           v1::ListChangesResponse* out) const;
  absl::Status ExportSummary(const v1::ExportSummaryRequest& request,
                             const Actor& actor,
                             v1::ExportPlanResponse* out) const;
  // Sends the change log after its chain's anchor through `send` (false:
  // the client has gone), in chunks of at most kChangeLogChunkEntries
  // entries, the first with the anchor and the last with the head (see
  // ChangeLogChunk in report_service.proto).
  absl::Status ReadChangeLog(
      const v1::ReadChangeLogRequest& request, const Actor& actor,
      absl::FunctionRef<bool(const v1::ChangeLogChunk&)> send) const;

 private:
  // PERMISSION_DENIED when `actor` may not read `plan` (a plan's name; other
  // text is left for the caller to refuse).
  absl::Status CheckRead(const Actor& actor, const ReadView& view,
                         const std::string& plan) const;

  const PlanResources* const resources_;
};

}  // namespace plan

#endif  // LIBPLAN_SERVICE_PLAN_REPORTS_H_
