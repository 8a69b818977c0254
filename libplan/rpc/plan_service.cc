#include "libplan/rpc/plan_service.h"

#include "absl/time/clock.h"
#include "libplan/rpc/server.h"
#include "libplan/rpc/status.h"
#include "libplan/util/errors.h"
#include "libplan/util/log.h"

namespace plan {

grpc::Status PlanServiceImpl::Finish(const grpc::ServerContextBase& context,
                                     absl::string_view method,
                                     const absl::Status& status) {
  if (!status.ok()) {
    const std::string organisation = ClaimedOrganisation(context);
    PLAN_LOG(INFO) << "refused " << method << " "
                   << absl::StatusCodeToString(status.code())
                   << " reason=" << ErrorReason(status)
                   << " claimed_organisation="
                   << (organisation.empty() ? "-" : organisation) << ": "
                   << status.message();
  }
  return ToGrpcStatus(status);
}

grpc::ServerUnaryReactor* PlanServiceImpl::Update(
    grpc::CallbackServerContext* context, absl::string_view method, Kind kind,
    const google::protobuf::Message& resource,
    const google::protobuf::FieldMask& mask,
    google::protobuf::Message* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<Actor> actor = auth_->Authenticate(*context);
  if (!actor.ok()) {
    reactor->Finish(Finish(*context, method, actor.status()));
    return reactor;
  }
  resources_->UpdateAsync(
      kind, resource, mask, *actor, response,
      [this, context, method, reactor](absl::Status status) {
        reactor->Finish(Finish(*context, method, status));
      });
  return reactor;
}

grpc::Status PlanServiceImpl::GetOrganisation(
    grpc::ServerContext* context, const v1::GetOrganisationRequest* request,
    v1::Organisation* response) {
  return Serve(*context, "GetOrganisation", [&](const Actor& actor) {
    return resources_->Get(Kind::kOrganisation, request->name(), actor,
                           response);
  });
}

grpc::Status PlanServiceImpl::ListOrganisations(
    grpc::ServerContext* context, const v1::ListOrganisationsRequest* request,
    v1::ListOrganisationsResponse* response) {
  return Serve(*context, "ListOrganisations", [&](const Actor& actor) {
    return resources_->List(
        Kind::kOrganisation, ToListRequest("", *request), actor,
        [response] { return response->add_organisations(); },
        response->mutable_next_page_token());
  });
}

grpc::Status PlanServiceImpl::CreateOrganisation(
    grpc::ServerContext* context, const v1::CreateOrganisationRequest* request,
    v1::Organisation* response) {
  return Serve(*context, "CreateOrganisation", [&](const Actor& actor) {
    return resources_->Create(Kind::kOrganisation, "",
                              request->organisation_id(),
                              request->organisation(), actor, response);
  });
}

grpc::ServerUnaryReactor* PlanServiceImpl::UpdateOrganisation(
    grpc::CallbackServerContext* context,
    const v1::UpdateOrganisationRequest* request, v1::Organisation* response) {
  return Update(context, "UpdateOrganisation", Kind::kOrganisation,
                request->organisation(), request->update_mask(), response);
}

grpc::Status PlanServiceImpl::DeleteOrganisation(
    grpc::ServerContext* context, const v1::DeleteOrganisationRequest* request,
    v1::Organisation* response) {
  return Serve(*context, "DeleteOrganisation", [&](const Actor& actor) {
    return resources_->Delete(Kind::kOrganisation, request->name(),
                              request->etag(), actor, response);
  });
}

grpc::Status PlanServiceImpl::UndeleteOrganisation(
    grpc::ServerContext* context,
    const v1::UndeleteOrganisationRequest* request,
    v1::Organisation* response) {
  return Serve(*context, "UndeleteOrganisation", [&](const Actor& actor) {
    return resources_->Undelete(Kind::kOrganisation, request->name(), actor,
                                response);
  });
}

grpc::Status PlanServiceImpl::GetPlan(grpc::ServerContext* context,
                                      const v1::GetPlanRequest* request,
                                      v1::Plan* response) {
  return Serve(*context, "GetPlan", [&](const Actor& actor) {
    return resources_->Get(Kind::kPlan, request->name(), actor, response);
  });
}

grpc::Status PlanServiceImpl::ListPlans(grpc::ServerContext* context,
                                        const v1::ListPlansRequest* request,
                                        v1::ListPlansResponse* response) {
  return Serve(*context, "ListPlans", [&](const Actor& actor) {
    return resources_->List(
        Kind::kPlan, ToListRequest("", *request), actor,
        [response] { return response->add_plans(); },
        response->mutable_next_page_token());
  });
}

grpc::Status PlanServiceImpl::CreatePlan(grpc::ServerContext* context,
                                         const v1::CreatePlanRequest* request,
                                         v1::Plan* response) {
  return Serve(*context, "CreatePlan", [&](const Actor& actor) {
    return resources_->Create(Kind::kPlan, "", request->plan_id(),
                              request->plan(), actor, response);
  });
}

grpc::ServerUnaryReactor* PlanServiceImpl::UpdatePlan(
    grpc::CallbackServerContext* context, const v1::UpdatePlanRequest* request,
    v1::Plan* response) {
  return Update(context, "UpdatePlan", Kind::kPlan, request->plan(),
                request->update_mask(), response);
}

grpc::Status PlanServiceImpl::DeletePlan(grpc::ServerContext* context,
                                         const v1::DeletePlanRequest* request,
                                         v1::Plan* response) {
  return Serve(*context, "DeletePlan", [&](const Actor& actor) {
    return resources_->Delete(Kind::kPlan, request->name(), request->etag(),
                              actor, response);
  });
}

grpc::Status PlanServiceImpl::UndeletePlan(
    grpc::ServerContext* context, const v1::UndeletePlanRequest* request,
    v1::Plan* response) {
  return Serve(*context, "UndeletePlan", [&](const Actor& actor) {
    return resources_->Undelete(Kind::kPlan, request->name(), actor, response);
  });
}

grpc::Status PlanServiceImpl::GetStrand(grpc::ServerContext* context,
                                        const v1::GetStrandRequest* request,
                                        v1::Strand* response) {
  return Serve(*context, "GetStrand", [&](const Actor& actor) {
    return resources_->Get(Kind::kStrand, request->name(), actor, response);
  });
}

grpc::Status PlanServiceImpl::ListStrands(grpc::ServerContext* context,
                                          const v1::ListStrandsRequest* request,
                                          v1::ListStrandsResponse* response) {
  return Serve(*context, "ListStrands", [&](const Actor& actor) {
    return resources_->List(
        Kind::kStrand, ToListRequest(request->parent(), *request), actor,
        [response] { return response->add_strands(); },
        response->mutable_next_page_token());
  });
}

grpc::Status PlanServiceImpl::CreateStrand(
    grpc::ServerContext* context, const v1::CreateStrandRequest* request,
    v1::Strand* response) {
  return Serve(*context, "CreateStrand", [&](const Actor& actor) {
    return resources_->Create(Kind::kStrand, request->parent(),
                              request->strand_id(), request->strand(), actor,
                              response);
  });
}

grpc::ServerUnaryReactor* PlanServiceImpl::UpdateStrand(
    grpc::CallbackServerContext* context,
    const v1::UpdateStrandRequest* request, v1::Strand* response) {
  return Update(context, "UpdateStrand", Kind::kStrand, request->strand(),
                request->update_mask(), response);
}

grpc::Status PlanServiceImpl::DeleteStrand(
    grpc::ServerContext* context, const v1::DeleteStrandRequest* request,
    v1::Strand* response) {
  return Serve(*context, "DeleteStrand", [&](const Actor& actor) {
    return resources_->Delete(Kind::kStrand, request->name(), request->etag(),
                              actor, response);
  });
}

grpc::Status PlanServiceImpl::UndeleteStrand(
    grpc::ServerContext* context, const v1::UndeleteStrandRequest* request,
    v1::Strand* response) {
  return Serve(*context, "UndeleteStrand", [&](const Actor& actor) {
    return resources_->Undelete(Kind::kStrand, request->name(), actor,
                                response);
  });
}

grpc::Status PlanServiceImpl::GetActivity(grpc::ServerContext* context,
                                          const v1::GetActivityRequest* request,
                                          v1::Activity* response) {
  return Serve(*context, "GetActivity", [&](const Actor& actor) {
    return resources_->Get(Kind::kActivity, request->name(), actor, response);
  });
}

grpc::Status PlanServiceImpl::ListActivities(
    grpc::ServerContext* context, const v1::ListActivitiesRequest* request,
    v1::ListActivitiesResponse* response) {
  return Serve(*context, "ListActivities", [&](const Actor& actor) {
    return resources_->List(
        Kind::kActivity, ToListRequest(request->parent(), *request), actor,
        [response] { return response->add_activities(); },
        response->mutable_next_page_token());
  });
}

grpc::Status PlanServiceImpl::CreateActivity(
    grpc::ServerContext* context, const v1::CreateActivityRequest* request,
    v1::Activity* response) {
  return Serve(*context, "CreateActivity", [&](const Actor& actor) {
    return resources_->Create(Kind::kActivity, request->parent(),
                              request->activity_id(), request->activity(),
                              actor, response);
  });
}

grpc::ServerUnaryReactor* PlanServiceImpl::UpdateActivity(
    grpc::CallbackServerContext* context,
    const v1::UpdateActivityRequest* request, v1::Activity* response) {
  return Update(context, "UpdateActivity", Kind::kActivity, request->activity(),
                request->update_mask(), response);
}

grpc::Status PlanServiceImpl::DeleteActivity(
    grpc::ServerContext* context, const v1::DeleteActivityRequest* request,
    v1::Activity* response) {
  return Serve(*context, "DeleteActivity", [&](const Actor& actor) {
    return resources_->Delete(Kind::kActivity, request->name(), request->etag(),
                              actor, response);
  });
}

grpc::Status PlanServiceImpl::UndeleteActivity(
    grpc::ServerContext* context, const v1::UndeleteActivityRequest* request,
    v1::Activity* response) {
  return Serve(*context, "UndeleteActivity", [&](const Actor& actor) {
    return resources_->Undelete(Kind::kActivity, request->name(), actor,
                                response);
  });
}

grpc::Status PlanServiceImpl::GetAction(grpc::ServerContext* context,
                                        const v1::GetActionRequest* request,
                                        v1::Action* response) {
  return Serve(*context, "GetAction", [&](const Actor& actor) {
    return resources_->Get(Kind::kAction, request->name(), actor, response);
  });
}

grpc::Status PlanServiceImpl::ListActions(grpc::ServerContext* context,
                                          const v1::ListActionsRequest* request,
                                          v1::ListActionsResponse* response) {
  return Serve(*context, "ListActions", [&](const Actor& actor) {
    return resources_->List(
        Kind::kAction, ToListRequest(request->parent(), *request), actor,
        [response] { return response->add_actions(); },
        response->mutable_next_page_token());
  });
}

grpc::Status PlanServiceImpl::CreateAction(
    grpc::ServerContext* context, const v1::CreateActionRequest* request,
    v1::Action* response) {
  return Serve(*context, "CreateAction", [&](const Actor& actor) {
    return resources_->Create(Kind::kAction, request->parent(),
                              request->action_id(), request->action(), actor,
                              response);
  });
}

grpc::ServerUnaryReactor* PlanServiceImpl::UpdateAction(
    grpc::CallbackServerContext* context,
    const v1::UpdateActionRequest* request, v1::Action* response) {
  return Update(context, "UpdateAction", Kind::kAction, request->action(),
                request->update_mask(), response);
}

grpc::Status PlanServiceImpl::DeleteAction(
    grpc::ServerContext* context, const v1::DeleteActionRequest* request,
    v1::Action* response) {
  return Serve(*context, "DeleteAction", [&](const Actor& actor) {
    return resources_->Delete(Kind::kAction, request->name(), request->etag(),
                              actor, response);
  });
}

grpc::Status PlanServiceImpl::UndeleteAction(
    grpc::ServerContext* context, const v1::UndeleteActionRequest* request,
    v1::Action* response) {
  return Serve(*context, "UndeleteAction", [&](const Actor& actor) {
    return resources_->Undelete(Kind::kAction, request->name(), actor,
                                response);
  });
}

grpc::Status PlanServiceImpl::GetMember(grpc::ServerContext* context,
                                        const v1::GetMemberRequest* request,
                                        v1::Member* response) {
  return Serve(*context, "GetMember", [&](const Actor& actor) {
    return resources_->Get(Kind::kMember, request->name(), actor, response);
  });
}

grpc::Status PlanServiceImpl::ListMembers(grpc::ServerContext* context,
                                          const v1::ListMembersRequest* request,
                                          v1::ListMembersResponse* response) {
  return Serve(*context, "ListMembers", [&](const Actor& actor) {
    return resources_->List(
        Kind::kMember, ToListRequest(request->parent(), *request), actor,
        [response] { return response->add_members(); },
        response->mutable_next_page_token());
  });
}

grpc::Status PlanServiceImpl::CreateMember(
    grpc::ServerContext* context, const v1::CreateMemberRequest* request,
    v1::Member* response) {
  return Serve(*context, "CreateMember", [&](const Actor& actor) {
    return resources_->Create(Kind::kMember, request->parent(),
                              request->member_id(), request->member(), actor,
                              response);
  });
}

grpc::Status PlanServiceImpl::UpdateMember(
    grpc::ServerContext* context, const v1::UpdateMemberRequest* request,
    v1::Member* response) {
  return Serve(*context, "UpdateMember", [&](const Actor& actor) {
    return resources_->Update(Kind::kMember, request->member(),
                              request->update_mask(), actor, response);
  });
}

grpc::Status PlanServiceImpl::DeleteMember(
    grpc::ServerContext* context, const v1::DeleteMemberRequest* request,
    v1::Member* response) {
  return Serve(*context, "DeleteMember", [&](const Actor& actor) {
    return resources_->Delete(Kind::kMember, request->name(), request->etag(),
                              actor, response);
  });
}

grpc::Status PlanServiceImpl::UndeleteMember(
    grpc::ServerContext* context, const v1::UndeleteMemberRequest* request,
    v1::Member* response) {
  return Serve(*context, "UndeleteMember", [&](const Actor& actor) {
    return resources_->Undelete(Kind::kMember, request->name(), actor,
                                response);
  });
}

grpc::Status PlanServiceImpl::ListProgressUpdates(
    grpc::ServerContext* context, const v1::ListProgressUpdatesRequest* request,
    v1::ListProgressUpdatesResponse* response) {
  return Serve(*context, "ListProgressUpdates", [&](const Actor& actor) {
    return resources_->List(
        Kind::kProgressUpdate, ToListRequest(request->parent(), *request),
        actor, [response] { return response->add_progress_updates(); },
        response->mutable_next_page_token());
  });
}

grpc::Status PlanServiceImpl::CreateProgressUpdate(
    grpc::ServerContext* context,
    const v1::CreateProgressUpdateRequest* request,
    v1::ProgressUpdate* response) {
  return Serve(*context, "CreateProgressUpdate", [&](const Actor& actor) {
    return resources_->Create(Kind::kProgressUpdate, request->parent(),
                              request->progress_update_id(),
                              request->progress_update(), actor, response);
  });
}

grpc::Status PlanServiceImpl::ListConflicts(
    grpc::ServerContext* context, const v1::ListConflictsRequest* request,
    v1::ListConflictsResponse* response) {
  ListRequest list;
  list.parent = request->parent();
  list.page_size = request->page_size();
  list.page_token = request->page_token();
  list.filter = request->filter();
  return Serve(*context, "ListConflicts", [&](const Actor& actor) {
    // A plan's conflicts, or an organisation's.
    return resources_->List(
        ConflictKindOf(list.parent), list, actor,
        [response] { return response->add_conflicts(); },
        response->mutable_next_page_token());
  });
}

grpc::Status PlanServiceImpl::GetConflict(grpc::ServerContext* context,
                                          const v1::GetConflictRequest* request,
                                          v1::Conflict* response) {
  return Serve(*context, "GetConflict", [&](const Actor& actor) {
    return resources_->Get(ConflictKindOf(request->name()), request->name(),
                           actor, response);
  });
}

grpc::Status PlanServiceImpl::ResolveConflict(
    grpc::ServerContext* context, const v1::ResolveConflictRequest* request,
    v1::Conflict* response) {
  return Serve(*context, "ResolveConflict", [&](const Actor& actor) {
    return resources_->ResolveConflict(*request, actor, response);
  });
}

grpc::Status PlanServiceImpl::ImportPlan(grpc::ServerContext* context,
                                         const v1::ImportPlanRequest* request,
                                         v1::ImportPlanResponse* response) {
  return Serve(*context, "ImportPlan", [&](const Actor& actor) {
    return resources_->Import(*request, actor, response);
  });
}

grpc::Status PlanServiceImpl::ExportPlan(grpc::ServerContext* context,
                                         const v1::ExportPlanRequest* request,
                                         v1::ExportPlanResponse* response) {
  return Serve(*context, "ExportPlan", [&](const Actor& actor) {
    return resources_->Export(*request, actor, response);
  });
}

}  // namespace plan
