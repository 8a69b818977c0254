// The standard methods (AIP-131..135, AIP-164) over every resource kind of the
// plan model, on a Store. No gRPC here: the rpc layer adapts requests to these
// calls, and both the plan service and the sync agent serve them.
//
// Every method validates its whole request before it writes; a refused
// request changes nothing. Errors carry ErrorInfo reasons
// (libplan/util/errors.h):
//   INVALID_ARGUMENT   INVALID_ARGUMENT (with every bad field named)
//   NOT_FOUND          RESOURCE_NOT_FOUND, PARENT_NOT_FOUND
//   ALREADY_EXISTS     ALREADY_EXISTS, NOT_DELETED (Undelete of a live
//   resource) ABORTED            ETAG_MISMATCH FAILED_PRECONDITION
//   RESOURCE_DELETED, PARENT_DELETED DEADLINE_EXCEEDED  DEADLINE_EXCEEDED
//   (nothing written)
// Each accepted write is one commit: the entity, with per-field versions, and
// one change in the change log.
//
//   PlanResources resources(store.get(), &clock, {});
//   prevent::plan::v1::Action action;
//   RETURN_IF_ERROR(resources.Get(Kind::kAction, name, &action));
#ifndef LIBPLAN_SERVICE_PLAN_RESOURCES_H_
#define LIBPLAN_SERVICE_PLAN_RESOURCES_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "libplan/clock/hybrid_clock.h"
#include "libplan/formats/plan_document.h"
#include "libplan/model/names.h"
#include "libplan/service/access_control.h"
#include "libplan/service/change_decision.h"
#include "libplan/storage/store.h"
#include "prevent/plan/v1/plan_service.pb.h"

namespace plan {

// Who is calling, and by when the call must be done.
struct Actor {
  // The acting organisation ("organisations/{org}"); empty for the server's
  // own organisation.
  std::string organisation;
  // The person acting, as the caller named them (x-prevent-user), for the
  // record only: never used for a decision.
  std::string user = {};
  // A write not started by then is refused with DEADLINE_EXCEEDED, and a
  // long read stops then.
  absl::Time deadline = absl::InfiniteFuture();
  // True once the caller has gone (empty: never); a long read stops then.
  std::function<bool()> cancelled = nullptr;
};

// Who a change is recorded as made by: the acting organisation, and the
// person, for the record only.
struct Author {
  std::string organisation;
  std::string user;
};

// `name` as a resource name of `kind`, or INVALID_ARGUMENT naming the field
// "name".
absl::StatusOr<ResourceName> ParseNameField(Kind kind, absl::string_view name);

// DEADLINE_EXCEEDED when `actor`'s deadline has passed: a write is refused
// rather than started then.
absl::Status CheckDeadline(const Actor& actor);

// CANCELLED (reason CALL_CANCELLED) once `actor` has gone, DEADLINE_EXCEEDED
// once its deadline has passed: what a long read checks as it goes.
absl::Status CheckInterrupted(const Actor& actor);

// The fields every List request has.
struct ListRequest {
  std::string parent;
  int32_t page_size = 0;
  std::string page_token;
  std::string filter;
  bool show_deleted = false;
};

struct PlanResourcesOptions {
  // Recorded as the acting organisation when the request names none.
  std::string default_organisation;
  // Page size when a request asks for 0, and the most a page holds.
  int default_page_size = 100;
  int max_page_size = 1000;
  // A page stops growing once its resources exceed this many bytes (gRPC's
  // default receive limit is 4 MiB).
  size_t max_page_bytes = 1 << 20;
  // A sync agent's replica: local writes also go to the outbox, to be pushed,
  // and etags are the replica's own.
  bool replica = false;
  // The current time, for the computed `overdue` filter field.
  std::function<absl::Time()> now = absl::Now;
  // Who may do what (access_control.h), checked on every call; null (a sync
  // agent's local API, which acts as the agent's own organisation) checks
  // nothing, and the service checks its pushes.
  const AccessControl* access = nullptr;
};

class PlanResources {
 public:
  // `store` and `clock` must outlive this object.
  PlanResources(Store* store, HybridClock* clock, PlanResourcesOptions options);
  PlanResources(const PlanResources&) = delete;
  PlanResources& operator=(const PlanResources&) = delete;

  // Sets `out` (a message of `kind`) to the resource named `name`, deleted or
  // not. NOT_FOUND when it does not exist; PERMISSION_DENIED (before that)
  // when `actor` may not read it.
  absl::Status Get(Kind kind, absl::string_view name, const Actor& actor,
                   google::protobuf::Message* out) const;

  // Adds one page of the children of request.parent to the response through
  // `add` (which returns a new element of the response's list), in name
  // order, from one snapshot; sets `next_page_token` ("" on the last page).
  // Stops with CheckInterrupted's error when `actor` goes or runs out of time.
  absl::Status List(Kind kind, const ListRequest& request, const Actor& actor,
                    absl::FunctionRef<google::protobuf::Message*()> add,
                    std::string* next_page_token) const;

  // Creates `resource` as the child `id` (random when empty) of `parent`.
  absl::Status Create(Kind kind, absl::string_view parent, absl::string_view id,
                      const google::protobuf::Message& resource,
                      const Actor& actor, google::protobuf::Message* out);

  // Writes the fields of `resource` named by `mask` to the resource named
  // resource.name; conditional on resource.etag when set. Sets `out` to the
  // resource as updated; when it fails, `out` holds nothing of use.
  absl::Status Update(Kind kind, const google::protobuf::Message& resource,
                      const google::protobuf::FieldMask& mask,
                      const Actor& actor, google::protobuf::Message* out);

  // Update, without holding the calling thread while the write is made
  // durable: `done` gets what Update would return, on the thread that
  // commits it (see Store::CommitAsync), possibly before this returns.
  // `resource` and `out` must live until then.
  void UpdateAsync(Kind kind, const google::protobuf::Message& resource,
                   const google::protobuf::FieldMask& mask, const Actor& actor,
                   google::protobuf::Message* out,
                   absl::AnyInvocable<void(absl::Status)> done);

  // Soft-deletes; conditional on `etag` when not empty.
  absl::Status Delete(Kind kind, absl::string_view name, absl::string_view etag,
                      const Actor& actor, google::protobuf::Message* out);

  // Restores a soft-deleted resource.
  absl::Status Undelete(Kind kind, absl::string_view name, const Actor& actor,
                        google::protobuf::Message* out);

  // ResolveConflict (plan_service.proto states the contract): the chosen
  // value is written to the target as an ordinary change, and the conflict
  // marked RESOLVED, in one commit.
  absl::Status ResolveConflict(
      const prevent::plan::v1::ResolveConflictRequest& request,
      const Actor& actor, prevent::plan::v1::Conflict* out);

  // ImportPlan and ExportPlan (plan_service.proto states the contract);
  // implemented in plan_transfer.cc.
  absl::Status Import(const prevent::plan::v1::ImportPlanRequest& request,
                      const Actor& actor,
                      prevent::plan::v1::ImportPlanResponse* out);
  absl::Status Export(const prevent::plan::v1::ExportPlanRequest& request,
                      const Actor& actor,
                      prevent::plan::v1::ExportPlanResponse* out) const;

  // Writes `document` in one commit: the plan when it does not exist,
  // organisations and strands that do not exist yet, and every activity and
  // action (which must not exist). Sets `created` to what was written. With
  // `validate_only`, checks everything the write would and writes nothing.
  absl::Status WriteDocument(const PlanDocument& document, bool validate_only,
                             const Actor& actor, PlanDocument* created);

  // The live resources of plan `name` from one snapshot, in position order,
  // with every organisation they refer to.
  absl::StatusOr<PlanDocument> ReadDocument(absl::string_view name) const;
  // The same, from `view`.
  absl::StatusOr<PlanDocument> ReadDocument(const ReadView& view,
                                            absl::string_view name) const;

  // A snapshot of the store whose scans stop with CheckInterrupted(actor)'s
  // error (libplan/storage/checked_read_view.h).
  std::unique_ptr<ReadView> NewReadView(const Actor& actor) const;

  // OK when `actor` may do `operation` to `target` as `lookup` sees the
  // store (always, without options.access). `reporting`: access_control.h.
  absl::Status CheckAccess(const Actor& actor, Operation operation,
                           const ResourceName& target, EntityLookup lookup,
                           absl::string_view reporting = "") const;
  // A memo of which plans `actor` may read (null without options.access:
  // every plan).
  std::unique_ptr<ReadableCache> NewReadableCache(const Actor& actor) const;

  // The store these methods work on.
  Store* store() const { return store_; }
  // The current time as the options give it (for "overdue").
  absl::Time now() const { return options_.now(); }

 private:
  // Creates `created` (valid, with its name set) as `name` within `txn`,
  // when DecideChange allows it (authorized for `authorize`, when not null).
  // Sets etag and times in `created`.
  absl::Status CreateInTransaction(Transaction& txn, Kind kind,
                                   const ResourceName& name,
                                   google::protobuf::Message* created,
                                   const Author& author,
                                   const Actor* authorize) const;
  // WriteDocument's body, within its commit: checks that `actor` may write
  // the plan, then creates what WriteDocument says and sets `created` to it.
  absl::Status WriteDocumentInTransaction(Transaction& txn,
                                          const PlanDocument& document,
                                          const Actor& actor,
                                          PlanDocument* created) const;
  // Creates `resource` (valid, of `kind`) for `author`, unless `reuse` and
  // it exists already (FAILED_PRECONDITION, reason RESOURCE_DELETED, when
  // that one is deleted). True when it made it.
  absl::StatusOr<bool> CreateFromDocument(
      Transaction& txn, Kind kind, const google::protobuf::Message& resource,
      bool reuse, const Author& author) const;
  // What an Update request writes, checked before the commit: the resource
  // and the fields, or INVALID_ARGUMENT naming each bad field, or
  // DEADLINE_EXCEEDED.
  struct UpdateRequest {
    ResourceName name;
    std::vector<const google::protobuf::FieldDescriptor*> fields;
  };
  absl::StatusOr<UpdateRequest> CheckUpdate(
      Kind kind, const google::protobuf::Message& resource,
      const google::protobuf::FieldMask& mask, const Actor& actor) const;
  // The bodies of Update and Undelete, within a commit, as DecideChange
  // allows (authorized for `authorize`, when not null). Update's sets `out`
  // (a generated message of the resource's kind) to the resource as the
  // decision leaves it (ChangeDecision::edited), then stamps it.
  absl::Status UpdateInTransaction(
      Transaction& txn, const ResourceName& name,
      const google::protobuf::Message& resource,
      const std::vector<const google::protobuf::FieldDescriptor*>& fields,
      const Author& author, const Actor* authorize,
      google::protobuf::Message* out) const;
  absl::Status UndeleteInTransaction(Transaction& txn, const ResourceName& name,
                                     const Author& author,
                                     const Actor* authorize,
                                     google::protobuf::Message* out) const;
  // ResolveConflict's steps, within its commit, for `author` (already
  // authorized to resolve it). Writes `chosen`, a choice of conflict `name`,
  // to the field of the target `conflict` is about: a value, first restoring
  // every resource whose delete the conflict names, and the target when it
  // is deleted (each with its deleted ancestors), each of which `authorize`
  // (unless null) must be allowed to undelete; or the delete, which must
  // still stand (FAILED_PRECONDITION, reason RESOURCE_RESTORED, when it does
  // not).
  absl::Status ApplyChoice(Transaction& txn, const ResourceName& name,
                           const v1::Conflict& conflict,
                           const v1::Conflict::Candidate& chosen,
                           const Author& author, const Actor* authorize) const;
  // Undeletes `resource` and its ancestors, the highest first, where they
  // are deleted; PERMISSION_DENIED when `authorize` (unless null) may not
  // undelete one of them.
  absl::Status Restore(Transaction& txn, const ResourceName& resource,
                       const Author& author, const Actor* authorize) const;
  // Writes `value` (a resource with only `field` set) to `field` of
  // `target`. INVALID_ARGUMENT naming "value" when it is no such resource.
  absl::Status WriteChosenValue(Transaction& txn, const ResourceName& target,
                                const google::protobuf::FieldDescriptor& field,
                                const std::string& value,
                                const Author& author) const;
  // How DecideChange (change_decision.h) decides a direct call: with
  // `lookup`, authorized for `authorize` when not null (null: a step of a
  // call already authorized as a whole), against `etag` when not empty.
  DecisionContext Context(EntityLookup lookup, const Actor* authorize,
                          std::string etag) const;
  std::string ActingOrganisation(const Actor& actor) const;
  // The author of `actor`'s changes (ActingOrganisation, and its user).
  Author AuthorOf(const Actor& actor) const;
  // Appends `change` to the log and, on a replica, to the outbox with each
  // field's base sequence taken from `previous` (the entity before an update;
  // may be null on the service, which does not use it).
  void LogChange(Transaction& txn, v1::Change change,
                 const storage::Entity* previous) const;

  Store* const store_;
  HybridClock* const clock_;
  const PlanResourcesOptions options_;
};

}  // namespace plan

#endif  // LIBPLAN_SERVICE_PLAN_RESOURCES_H_
