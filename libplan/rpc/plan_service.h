// The gRPC adapter of PlanService (proto/prevent/plan/v1/plan_service.proto):
// each method converts its request, calls PlanResources, and converts the
// result. Served by the plan service and by every sync agent.
#ifndef LIBPLAN_RPC_PLAN_SERVICE_H_
#define LIBPLAN_RPC_PLAN_SERVICE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "libplan/rpc/identity.h"
#include "libplan/service/plan_resources.h"
#include "prevent/plan/v1/plan_service.grpc.pb.h"

namespace plan {

namespace v1 = prevent::plan::v1;

// The Update methods are served through gRPC's callback API and finished
// when their commit is durable (PlanResources::UpdateAsync), so a call
// waiting for the WAL sync holds no thread. The other methods are
// synchronous.
using PlanServiceBase = v1::PlanService::WithCallbackMethod_UpdateOrganisation<
    v1::PlanService::WithCallbackMethod_UpdatePlan<
        v1::PlanService::WithCallbackMethod_UpdateStrand<
            v1::PlanService::WithCallbackMethod_UpdateActivity<
                v1::PlanService::WithCallbackMethod_UpdateAction<
                    v1::PlanService::Service>>>>>;

class PlanServiceImpl final : public PlanServiceBase {
 public:
  // `resources` and `auth` must outlive the service. Every call acts as
  // `auth` authenticates it; one it refuses reaches no method.
  PlanServiceImpl(PlanResources* resources, const Authenticator* auth)
      : resources_(resources), auth_(auth) {}

  grpc::Status GetOrganisation(grpc::ServerContext* context,
                               const v1::GetOrganisationRequest* request,
                               v1::Organisation* response) override;
  grpc::Status ListOrganisations(
      grpc::ServerContext* context, const v1::ListOrganisationsRequest* request,
      v1::ListOrganisationsResponse* response) override;
  grpc::Status CreateOrganisation(grpc::ServerContext* context,
                                  const v1::CreateOrganisationRequest* request,
                                  v1::Organisation* response) override;
  grpc::ServerUnaryReactor* UpdateOrganisation(
      grpc::CallbackServerContext* context,
      const v1::UpdateOrganisationRequest* request,
      v1::Organisation* response) override;
  grpc::Status DeleteOrganisation(grpc::ServerContext* context,
                                  const v1::DeleteOrganisationRequest* request,
                                  v1::Organisation* response) override;
  grpc::Status UndeleteOrganisation(
      grpc::ServerContext* context,
      const v1::UndeleteOrganisationRequest* request,
      v1::Organisation* response) override;
  grpc::Status GetPlan(grpc::ServerContext* context,
                       const v1::GetPlanRequest* request,
                       v1::Plan* response) override;
  grpc::Status ListPlans(grpc::ServerContext* context,
                         const v1::ListPlansRequest* request,
                         v1::ListPlansResponse* response) override;
  grpc::Status CreatePlan(grpc::ServerContext* context,
                          const v1::CreatePlanRequest* request,
                          v1::Plan* response) override;
  grpc::ServerUnaryReactor* UpdatePlan(grpc::CallbackServerContext* context,
                                       const v1::UpdatePlanRequest* request,
                                       v1::Plan* response) override;
  grpc::Status DeletePlan(grpc::ServerContext* context,
                          const v1::DeletePlanRequest* request,
                          v1::Plan* response) override;
  grpc::Status UndeletePlan(grpc::ServerContext* context,
                            const v1::UndeletePlanRequest* request,
                            v1::Plan* response) override;
  grpc::Status GetStrand(grpc::ServerContext* context,
                         const v1::GetStrandRequest* request,
                         v1::Strand* response) override;
  grpc::Status ListStrands(grpc::ServerContext* context,
                           const v1::ListStrandsRequest* request,
                           v1::ListStrandsResponse* response) override;
  grpc::Status CreateStrand(grpc::ServerContext* context,
                            const v1::CreateStrandRequest* request,
                            v1::Strand* response) override;
  grpc::ServerUnaryReactor* UpdateStrand(grpc::CallbackServerContext* context,
                                         const v1::UpdateStrandRequest* request,
                                         v1::Strand* response) override;
  grpc::Status DeleteStrand(grpc::ServerContext* context,
                            const v1::DeleteStrandRequest* request,
                            v1::Strand* response) override;
  grpc::Status UndeleteStrand(grpc::ServerContext* context,
                              const v1::UndeleteStrandRequest* request,
                              v1::Strand* response) override;
  grpc::Status GetActivity(grpc::ServerContext* context,
                           const v1::GetActivityRequest* request,
                           v1::Activity* response) override;
  grpc::Status ListActivities(grpc::ServerContext* context,
                              const v1::ListActivitiesRequest* request,
                              v1::ListActivitiesResponse* response) override;
  grpc::Status CreateActivity(grpc::ServerContext* context,
                              const v1::CreateActivityRequest* request,
                              v1::Activity* response) override;
  grpc::ServerUnaryReactor* UpdateActivity(
      grpc::CallbackServerContext* context,
      const v1::UpdateActivityRequest* request,
      v1::Activity* response) override;
  grpc::Status DeleteActivity(grpc::ServerContext* context,
                              const v1::DeleteActivityRequest* request,
                              v1::Activity* response) override;
  grpc::Status UndeleteActivity(grpc::ServerContext* context,
                                const v1::UndeleteActivityRequest* request,
                                v1::Activity* response) override;
  grpc::Status GetAction(grpc::ServerContext* context,
                         const v1::GetActionRequest* request,
                         v1::Action* response) override;
  grpc::Status ListActions(grpc::ServerContext* context,
                           const v1::ListActionsRequest* request,
                           v1::ListActionsResponse* response) override;
  grpc::Status CreateAction(grpc::ServerContext* context,
                            const v1::CreateActionRequest* request,
                            v1::Action* response) override;
  grpc::ServerUnaryReactor* UpdateAction(grpc::CallbackServerContext* context,
                                         const v1::UpdateActionRequest* request,
                                         v1::Action* response) override;
  grpc::Status DeleteAction(grpc::ServerContext* context,
                            const v1::DeleteActionRequest* request,
                            v1::Action* response) override;
  grpc::Status UndeleteAction(grpc::ServerContext* context,
                              const v1::UndeleteActionRequest* request,
                              v1::Action* response) override;
  grpc::Status GetMember(grpc::ServerContext* context,
                         const v1::GetMemberRequest* request,
                         v1::Member* response) override;
  grpc::Status ListMembers(grpc::ServerContext* context,
                           const v1::ListMembersRequest* request,
                           v1::ListMembersResponse* response) override;
  grpc::Status CreateMember(grpc::ServerContext* context,
                            const v1::CreateMemberRequest* request,
                            v1::Member* response) override;
  grpc::Status UpdateMember(grpc::ServerContext* context,
                            const v1::UpdateMemberRequest* request,
                            v1::Member* response) override;
  grpc::Status DeleteMember(grpc::ServerContext* context,
                            const v1::DeleteMemberRequest* request,
                            v1::Member* response) override;
  grpc::Status UndeleteMember(grpc::ServerContext* context,
                              const v1::UndeleteMemberRequest* request,
                              v1::Member* response) override;
  grpc::Status ListProgressUpdates(
      grpc::ServerContext* context,
      const v1::ListProgressUpdatesRequest* request,
      v1::ListProgressUpdatesResponse* response) override;
  grpc::Status CreateProgressUpdate(
      grpc::ServerContext* context,
      const v1::CreateProgressUpdateRequest* request,
      v1::ProgressUpdate* response) override;

  grpc::Status ListConflicts(grpc::ServerContext* context,
                             const v1::ListConflictsRequest* request,
                             v1::ListConflictsResponse* response) override;
  grpc::Status GetConflict(grpc::ServerContext* context,
                           const v1::GetConflictRequest* request,
                           v1::Conflict* response) override;
  grpc::Status ResolveConflict(grpc::ServerContext* context,
                               const v1::ResolveConflictRequest* request,
                               v1::Conflict* response) override;
  grpc::Status ImportPlan(grpc::ServerContext* context,
                          const v1::ImportPlanRequest* request,
                          v1::ImportPlanResponse* response) override;
  grpc::Status ExportPlan(grpc::ServerContext* context,
                          const v1::ExportPlanRequest* request,
                          v1::ExportPlanResponse* response) override;

 private:
  // Converts `status`; logs a refused request with its method, code, reason
  // and acting organisation.
  grpc::Status Finish(const grpc::ServerContextBase& context,
                      absl::string_view method, const absl::Status& status);
  // Authenticates the caller of `context`, then answers with `call(actor)`.
  template <typename Call>
  grpc::Status Serve(const grpc::ServerContextBase& context,
                     absl::string_view method, Call call) {
    absl::StatusOr<Actor> actor = auth_->Authenticate(context);
    return Finish(context, method, actor.ok() ? call(*actor) : actor.status());
  }
  // Serves Update `method` of `kind` through PlanResources::UpdateAsync.
  grpc::ServerUnaryReactor* Update(grpc::CallbackServerContext* context,
                                   absl::string_view method, Kind kind,
                                   const google::protobuf::Message& resource,
                                   const google::protobuf::FieldMask& mask,
                                   google::protobuf::Message* response);

  template <typename Request>
  static ListRequest ToListRequest(absl::string_view parent,
                                   const Request& request) {
    ListRequest list;
    list.parent = std::string(parent);
    list.page_size = request.page_size();
    list.page_token = request.page_token();
    list.filter = request.filter();
    list.show_deleted = request.show_deleted();
    return list;
  }

  PlanResources* const resources_;
  const Authenticator* const auth_;
};

}  // namespace plan

#endif  // LIBPLAN_RPC_PLAN_SERVICE_H_
