#include "libplan/service/plan_resources.h"

#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/timestamp.pb.h"
#include "libplan/model/fields.h"
#include "libplan/model/filter.h"
#include "libplan/model/validation.h"
#include "libplan/service/change_decision.h"
#include "libplan/storage/checked_read_view.h"
#include "libplan/util/errors.h"
#include "libplan/util/status_macros.h"
#include "libplan/util/timestamp.h"
#include "libplan/util/uk_time.h"
#include "prevent/plan/v1/resources.pb.h"

namespace plan {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr char kOverdueField[] = "overdue";

// Version stamp of one accepted change. On the plan service the change's
// own sequence is the service sequence; on a replica it is not known yet.
storage::Version MakeVersion(uint64_t hlc, const std::string& replica_id,
                             uint64_t sequence, const std::string& organisation,
                             bool replica) {
  storage::Version version;
  version.set_hlc(hlc);
  version.set_replica_id(replica_id);
  version.set_change_id(absl::StrCat(replica_id, ":", sequence));
  version.set_sequence(sequence);
  version.set_organisation(organisation);
  if (!replica) version.set_service_sequence(sequence);
  return version;
}

const FieldDescriptor& Field(const Message& message, absl::string_view name) {
  return *message.GetDescriptor()->FindFieldByName(std::string(name));
}

void SetString(Message* message, absl::string_view field,
               const std::string& value) {
  message->GetReflection()->SetString(message, &Field(*message, field), value);
}

std::string GetString(const Message& message, absl::string_view field) {
  return message.GetReflection()->GetString(message, &Field(message, field));
}

void SetTime(Message* message, absl::string_view field, absl::Time time) {
  auto* timestamp = static_cast<google::protobuf::Timestamp*>(
      message->GetReflection()->MutableMessage(message,
                                               &Field(*message, field)));
  *timestamp = ToTimestamp(time);
}

void ClearField(Message* message, absl::string_view field) {
  message->GetReflection()->ClearField(message, &Field(*message, field));
}

// The change a direct call asks for, before it is decided and stamped.
v1::Change Requested(v1::Change::Operation operation, const ResourceName& name,
                     const Author& author) {
  v1::Change change;
  change.set_operation(operation);
  change.set_target(name.str());
  change.set_organisation(author.organisation);
  change.set_user(author.user);
  return change;
}

absl::Status ParseStoredResource(const storage::Entity& entity, Message* out) {
  if (!out->ParseFromString(entity.resource())) {
    return absl::DataLossError("a stored resource is corrupt");
  }
  return absl::OkStatus();
}

// FNV-1a: a fingerprint that is the same in every process, for page tokens.
uint64_t Fingerprint(absl::string_view text) {
  uint64_t hash = 1469598103934665603ull;
  for (char c : text) {
    hash = (hash ^ static_cast<uint8_t>(c)) * 1099511628211ull;
  }
  return hash;
}

std::string QueryFingerprint(Kind kind, const ListRequest& request) {
  return absl::StrCat(absl::Hex(Fingerprint(
      absl::StrCat(static_cast<int>(kind), "\n", request.parent, "\n",
                   request.filter, "\n", request.show_deleted))));
}

std::string EncodePageToken(const std::string& fingerprint,
                            absl::string_view last_name) {
  return absl::WebSafeBase64Escape(
      absl::StrCat("v1|", fingerprint, "|", last_name));
}

// The last name of the previous page, or an error.
absl::StatusOr<std::string> DecodePageToken(const std::string& fingerprint,
                                            absl::string_view token) {
  std::string text;
  if (!absl::WebSafeBase64Unescape(token, &text)) {
    return absl::InvalidArgumentError("is not a page token of this service");
  }
  const std::vector<std::string> parts =
      absl::StrSplit(text, absl::MaxSplits('|', 2));
  if (parts.size() != 3 || parts[0] != "v1") {
    return absl::InvalidArgumentError("is not a page token of this service");
  }
  if (parts[1] != fingerprint) {
    return absl::InvalidArgumentError(
        "was issued for a request with a different parent, filter or "
        "show_deleted");
  }
  return parts[2];
}

bool IsOverdue(const prevent::plan::v1::Action& action,
               const std::string& this_month) {
  const auto& timescale = action.timescale();
  return !timescale.end().empty() && !timescale.ongoing() &&
         timescale.end() < this_month &&
         action.rag() != prevent::plan::v1::BLUE;
}

// Moves `value` into `*into` when it is OK; otherwise adds its message as a
// violation of `field`.
template <typename T>
void TakeOrAdd(absl::StatusOr<T> value, absl::string_view field, T* into,
               FieldViolations* violations) {
  if (value.ok()) {
    *into = *std::move(value);
  } else {
    violations->Add(std::string(field), std::string(value.status().message()));
  }
}

// `text` as a filter of `kind`'s resources (actions may also name the
// computed field "overdue"), or INVALID_ARGUMENT saying why not.
absl::StatusOr<Filter> ParseFilterOf(Kind kind, absl::string_view text) {
  std::vector<std::string> computed;
  if (kind == Kind::kAction) computed.push_back(kOverdueField);
  ASSIGN_OR_RETURN(Filter filter, Filter::Parse(text));
  RETURN_IF_ERROR(filter.Check(*InfoOf(kind).descriptor, computed));
  return filter;
}

// The entity key a page of `kind` starts after: "" for the first page (an
// empty `token`), else the key of the last name of the page before.
// INVALID_ARGUMENT when `token` is not one issued for `fingerprint`.
absl::StatusOr<std::string> StartAfter(Kind kind,
                                       const std::string& fingerprint,
                                       absl::string_view token) {
  if (token.empty()) return std::string();
  ASSIGN_OR_RETURN(const std::string last, DecodePageToken(fingerprint, token));
  absl::StatusOr<ResourceName> last_name = ResourceName::ParseAs(kind, last);
  if (!last_name.ok()) {
    return absl::InvalidArgumentError("is not a page token of this service");
  }
  return EntityKey(*last_name);
}

// A List request, checked.
struct ListQuery {
  ListParent parent;
  Filter filter;
  bool show_deleted = false;
  // Of the query a page token is bound to (QueryFingerprint).
  std::string fingerprint;
  // The entity key the page starts after ("" for the first page).
  std::string start_after;
  // The most resources the page holds.
  int page_size = 0;
};

// `request` for `kind` checked, or INVALID_ARGUMENT naming each bad field.
absl::StatusOr<ListQuery> CheckList(Kind kind, const ListRequest& request,
                                    const PlanResourcesOptions& options) {
  ListQuery query;
  FieldViolations violations;
  TakeOrAdd(ParseListParent(kind, request.parent), "parent", &query.parent,
            &violations);
  if (request.page_size < 0) {
    violations.Add("page_size", "must not be negative");
  }
  TakeOrAdd(ParseFilterOf(kind, request.filter), "filter", &query.filter,
            &violations);
  query.fingerprint = QueryFingerprint(kind, request);
  TakeOrAdd(StartAfter(kind, query.fingerprint, request.page_token),
            "page_token", &query.start_after, &violations);
  RETURN_IF_ERROR(violations.ToStatus());
  query.show_deleted = request.show_deleted;
  query.page_size =
      request.page_size == 0
          ? options.default_page_size
          : std::min<int>(request.page_size, options.max_page_size);
  return query;
}

// OK when `actor` may list the children of `ancestor` (a List parent's
// deepest named ancestor; nullopt: none to check): PERMISSION_DENIED when
// `readable` (null: every plan may be read) says it may not read its plan,
// and otherwise NOT_FOUND (reason PARENT_NOT_FOUND) when it does not exist.
absl::Status CheckListParent(const PlanResources& resources, const Actor& actor,
                             const ReadView& view, ReadableCache* readable,
                             const std::optional<ResourceName>& ancestor) {
  if (!ancestor.has_value()) return absl::OkStatus();
  if (readable != nullptr) {
    ASSIGN_OR_RETURN(const bool may,
                     readable->MayRead(*ancestor, LookupIn(view)));
    if (!may) {
      return resources.CheckAccess(actor, Operation::kRead, *ancestor,
                                   LookupIn(view));
    }
  }
  ASSIGN_OR_RETURN(const std::optional<storage::Entity> stored,
                   view.GetEntity(*ancestor));
  if (!stored.has_value()) {
    return Error(absl::StatusCode::kNotFound, "PARENT_NOT_FOUND",
                 absl::StrCat("parent ", ancestor->str(), " does not exist"),
                 ancestor->str());
  }
  return absl::OkStatus();
}

// One page of a List, filled from a scan of the stored entities of its
// kind, in name order.
class ListPage {
 public:
  // The page shows what `query` selects, leaving out what `readable` (null:
  // everything may be read) says may not be read as `view` sees the store;
  // actions are overdue as of `now`. It holds at most query.page_size
  // resources, and takes no more once they exceed `max_bytes`. `add` makes
  // each resource's place in the answer. Every argument must outlive it.
  ListPage(Kind kind, const ListQuery& query, absl::Time now, size_t max_bytes,
           ReadableCache* readable, const ReadView& view,
           absl::FunctionRef<Message*()> add)
      : kind_(kind),
        query_(query),
        this_month_(absl::StrFormat("%04d-%02d", ToUkDay(now).year(),
                                    ToUkDay(now).month())),
        max_bytes_(max_bytes),
        readable_(readable),
        view_(view),
        add_(add),
        candidate_(google::protobuf::MessageFactory::generated_factory()
                       ->GetPrototype(InfoOf(kind).descriptor)
                       ->New()) {}

  // Takes the entity `value` stored under `key`, adding it to the page when
  // the page shows it. False stops the scan: the page is full, or status()
  // has failed.
  bool Take(absl::string_view key, absl::string_view value) {
    const absl::string_view name = NameOfEntityKey(key);
    storage::Entity entity;
    if (!entity.ParseFromArray(value.data(), static_cast<int>(value.size())) ||
        !candidate_->ParseFromString(entity.resource())) {
      status_ =
          absl::DataLossError(absl::StrCat("stored ", name, " is corrupt"));
      return false;
    }
    absl::StatusOr<bool> shown = Shows(entity, name);
    if (!shown.ok()) {
      status_ = shown.status();
      return false;
    }
    if (!*shown) return true;
    if (count_ >= query_.page_size || (count_ > 0 && bytes_ >= max_bytes_)) {
      more_ = true;
      return false;
    }
    bytes_ += entity.resource().size();
    add_()->CopyFrom(*candidate_);
    last_name_ = std::string(name);
    ++count_;
    return true;
  }

  // Why the scan stopped, when it failed: DATA_LOSS (a stored entity is
  // corrupt), or a lookup's error.
  const absl::Status& status() const { return status_; }

  // The token of the next page; "" when this is the last.
  std::string NextPageToken() const {
    return more_ ? EncodePageToken(query_.fingerprint, last_name_) : "";
  }

 private:
  // Whether the page shows the candidate, stored as `entity` under `name`.
  absl::StatusOr<bool> Shows(const storage::Entity& entity,
                             absl::string_view name) {
    if (entity.deleted() && !query_.show_deleted) return false;
    if (readable_ != nullptr) {
      ASSIGN_OR_RETURN(
          const bool may,
          readable_->MayRead(*ResourceName::Parse(name), LookupIn(view_)));
      if (!may) return false;
    }
    if (kind_ == Kind::kAction) {
      computed_[kOverdueField] =
          IsOverdue(static_cast<const prevent::plan::v1::Action&>(*candidate_),
                    this_month_);
    }
    return query_.filter.Matches(*candidate_, computed_);
  }

  const Kind kind_;
  const ListQuery& query_;
  const std::string this_month_;
  const size_t max_bytes_;
  ReadableCache* const readable_;
  const ReadView& view_;
  const absl::FunctionRef<Message*()> add_;
  // Each scanned resource, parsed.
  const std::unique_ptr<Message> candidate_;
  // The computed fields' values for the candidate.
  absl::flat_hash_map<std::string, bool> computed_;
  int count_ = 0;
  size_t bytes_ = 0;
  std::string last_name_;
  bool more_ = false;
  absl::Status status_;
};

// The conflict `name` as stored, when `actor` may resolve it (checked
// first), it exists, `etag` (when not empty) is its etag, and it is open.
absl::StatusOr<v1::Conflict> OpenConflict(const PlanResources& resources,
                                          Transaction& txn,
                                          const ResourceName& name,
                                          absl::string_view etag,
                                          const Actor& actor) {
  RETURN_IF_ERROR(
      resources.CheckAccess(actor, Operation::kResolve, name, LookupIn(txn)));
  ASSIGN_OR_RETURN(const std::optional<storage::Entity> stored,
                   txn.GetEntity(name));
  if (!stored.has_value()) return ResourceNotFound(name);
  v1::Conflict conflict;
  RETURN_IF_ERROR(ParseStoredResource(*stored, &conflict));
  if (!etag.empty() && etag != conflict.etag()) {
    return EtagMismatch(name, etag);
  }
  if (conflict.state() != v1::Conflict::OPEN) {
    return Error(absl::StatusCode::kFailedPrecondition, "ALREADY_RESOLVED",
                 absl::StrCat(name.str(), " is already resolved"), name.str());
  }
  return conflict;
}

// What `request` chooses: one of `conflict`'s candidates (INVALID_ARGUMENT
// naming "candidate" when it has no such candidate), or a value of its own.
absl::StatusOr<v1::Conflict::Candidate> ChosenCandidate(
    const prevent::plan::v1::ResolveConflictRequest& request,
    const v1::Conflict& conflict) {
  if (request.choice_case() !=
      prevent::plan::v1::ResolveConflictRequest::kCandidate) {
    v1::Conflict::Candidate chosen;
    chosen.set_value(request.value());
    return chosen;
  }
  if (request.candidate() < 0 ||
      request.candidate() >= conflict.candidates_size()) {
    FieldViolations violations;
    violations.Add("candidate",
                   absl::StrCat("must be 0-", conflict.candidates_size() - 1));
    return violations.ToStatus();
  }
  return conflict.candidates(request.candidate());
}

// The update that resolves conflict `name` with `chosen`, chosen now by
// `organisation`: its state and resolution.
v1::Conflict Resolved(const ResourceName& name, v1::Conflict::Candidate chosen,
                      const std::string& organisation) {
  v1::Conflict resolved;
  resolved.set_name(name.str());
  resolved.set_state(v1::Conflict::RESOLVED);
  chosen.set_organisation(organisation);
  *chosen.mutable_edit_time() = ToTimestamp(absl::Now());
  chosen.clear_hlc();
  chosen.clear_change_id();
  *resolved.mutable_resolution() = std::move(chosen);
  return resolved;
}

// What one accepted change is stamped with.
struct Stamp {
  uint64_t hlc;
  storage::Version version;
  absl::Time time;
  std::string etag;
};

Stamp NewStamp(Transaction& txn, HybridClock& clock,
               const std::string& replica_id, const std::string& organisation,
               bool replica) {
  Stamp stamp;
  stamp.hlc = clock.Now();
  const uint64_t sequence = txn.next_sequence();
  stamp.version =
      MakeVersion(stamp.hlc, replica_id, sequence, organisation, replica);
  stamp.time = HybridClock::ToTime(stamp.hlc);
  // A replica's own etags never equal one the service issued.
  stamp.etag =
      absl::StrCat("\"", replica ? "r" : "", absl::Hex(sequence), "\"");
  return stamp;
}

// The version of `field` after a local write stamped `stamp`: on a replica
// it keeps the service sequence of the value it replaces.
storage::Version FieldVersionAfter(const Stamp& stamp,
                                   const storage::Entity* previous,
                                   const std::string& field, bool replica) {
  storage::Version version = stamp.version;
  if (replica && previous != nullptr) {
    auto it = previous->field_versions().find(field);
    if (it != previous->field_versions().end()) {
      version.set_service_sequence(it->second.service_sequence());
    }
  }
  return version;
}

// A change of `target` by `author`, stamped with `stamp`.
v1::Change NewChange(v1::Change::Operation op, const Stamp& stamp,
                     const ResourceName& target, const Author& author) {
  v1::Change change;
  change.set_operation(op);
  change.set_change_id(stamp.version.change_id());
  change.set_replica_id(stamp.version.replica_id());
  change.set_hlc(stamp.hlc);
  change.set_organisation(author.organisation);
  change.set_user(author.user);
  change.set_target(target.str());
  change.set_plan(target.Plan());
  return change;
}

}  // namespace

absl::StatusOr<ResourceName> ParseNameField(Kind kind, absl::string_view name) {
  absl::StatusOr<ResourceName> parsed = ResourceName::ParseAs(kind, name);
  if (parsed.ok()) return parsed;
  FieldViolations violations;
  violations.Add("name", std::string(parsed.status().message()));
  return violations.ToStatus();
}

absl::Status CheckDeadline(const Actor& actor) {
  if (absl::Now() > actor.deadline) {
    return Error(absl::StatusCode::kDeadlineExceeded, "DEADLINE_EXCEEDED",
                 "the deadline passed before the write started; nothing was "
                 "written");
  }
  return absl::OkStatus();
}

absl::Status CheckInterrupted(const Actor& actor) {
  if (actor.cancelled && actor.cancelled()) {
    return Error(absl::StatusCode::kCancelled, "CALL_CANCELLED",
                 "the caller cancelled the call");
  }
  if (absl::Now() > actor.deadline) {
    return Error(absl::StatusCode::kDeadlineExceeded, "DEADLINE_EXCEEDED",
                 "the call's deadline passed while it was reading");
  }
  return absl::OkStatus();
}

std::unique_ptr<ReadView> PlanResources::NewReadView(const Actor& actor) const {
  return CheckedReadView(store_->NewReadView(),
                         [actor] { return CheckInterrupted(actor); });
}

PlanResources::PlanResources(Store* store, HybridClock* clock,
                             PlanResourcesOptions options)
    : store_(store), clock_(clock), options_(std::move(options)) {
  clock_->Restore(store_->last_hlc());
}

std::string PlanResources::ActingOrganisation(const Actor& actor) const {
  return actor.organisation.empty() ? options_.default_organisation
                                    : actor.organisation;
}

Author PlanResources::AuthorOf(const Actor& actor) const {
  return Author{ActingOrganisation(actor), actor.user};
}

absl::Status PlanResources::CheckAccess(const Actor& actor, Operation operation,
                                        const ResourceName& target,
                                        EntityLookup lookup,
                                        absl::string_view reporting) const {
  if (options_.access == nullptr) return absl::OkStatus();
  return options_.access->Check(actor.organisation, operation, target, lookup,
                                reporting);
}

DecisionContext PlanResources::Context(EntityLookup lookup,
                                       const Actor* authorize,
                                       std::string etag) const {
  DecisionContext context{Origin::kDirect, lookup,          nullptr,
                          std::string(),   std::move(etag), /*scan=*/nullptr};
  if (authorize != nullptr) {
    context.access = options_.access;
    context.caller = authorize->organisation;
  }
  return context;
}

std::unique_ptr<ReadableCache> PlanResources::NewReadableCache(
    const Actor& actor) const {
  if (options_.access == nullptr) return nullptr;
  return std::make_unique<ReadableCache>(*options_.access, actor.organisation);
}

absl::Status PlanResources::Get(Kind kind, absl::string_view name,
                                const Actor& actor, Message* out) const {
  ASSIGN_OR_RETURN(ResourceName parsed, ParseNameField(kind, name));
  const std::unique_ptr<ReadView> view = store_->NewReadView();
  RETURN_IF_ERROR(
      CheckAccess(actor, Operation::kRead, parsed, LookupIn(*view)));
  ASSIGN_OR_RETURN(std::optional<storage::Entity> entity,
                   view->GetEntity(parsed));
  if (!entity.has_value()) return ResourceNotFound(parsed);
  return ParseStoredResource(*entity, out);
}

absl::Status PlanResources::List(Kind kind, const ListRequest& request,
                                 const Actor& actor,
                                 absl::FunctionRef<Message*()> add,
                                 std::string* next_page_token) const {
  ASSIGN_OR_RETURN(const ListQuery query, CheckList(kind, request, options_));
  std::unique_ptr<ReadView> view = NewReadView(actor);
  // Within one plan, the caller may read all of it or none of it (decided
  // before its existence is told); across plans, what it may not read is
  // left out.
  const std::unique_ptr<ReadableCache> readable = NewReadableCache(actor);
  RETURN_IF_ERROR(CheckListParent(*this, actor, *view, readable.get(),
                                  query.parent.ancestor));
  ListPage page(kind, query, options_.now(), options_.max_page_bytes,
                readable.get(), *view, add);
  RETURN_IF_ERROR(
      view->Scan(Cf::kEntities, EntityKeyPrefix(kind, query.parent.prefix),
                 query.start_after,
                 [&page](absl::string_view key, absl::string_view value) {
                   return page.Take(key, value);
                 }));
  RETURN_IF_ERROR(page.status());
  *next_page_token = page.NextPageToken();
  return absl::OkStatus();
}

absl::Status PlanResources::Create(Kind kind, absl::string_view parent,
                                   absl::string_view id,
                                   const Message& resource, const Actor& actor,
                                   Message* out) {
  const KindInfo& info = InfoOf(kind);
  FieldViolations violations;
  std::optional<ResourceName> parent_name;
  if (info.parent.has_value()) {
    absl::StatusOr<ResourceName> parsed =
        ResourceName::ParseAs(*info.parent, parent);
    if (parsed.ok()) {
      parent_name = *parsed;
    } else {
      violations.Add("parent", std::string(parsed.status().message()));
    }
  }
  const std::string id_field = absl::StrCat(info.field, "_id");
  if (kind == Kind::kMember && id.empty()) {
    violations.Add(id_field, "is required: the member organisation's id");
  } else if (!id.empty() && !IsValidId(id)) {
    violations.Add(id_field, absl::StrCat("\"", id,
                                          "\" is not a valid id: use 1-63 "
                                          "of a-z, 0-9 and '-', starting with "
                                          "a letter or digit"));
  }
  const std::vector<const FieldDescriptor*> fields =
      DataFields(*info.descriptor);
  std::unique_ptr<Message> created(resource.New());
  for (const FieldDescriptor* field : fields)
    CopyField(resource, *field, created.get());
  const ResourceName name =
      ResourceName::Child(parent_name.has_value() ? &*parent_name : nullptr,
                          kind, id.empty() ? RandomId() : std::string(id));
  if (violations.empty()) SetString(created.get(), "name", name.str());
  if (kind == Kind::kProgressUpdate) {
    auto* update =
        static_cast<prevent::plan::v1::ProgressUpdate*>(created.get());
    if (update->organisation().empty()) {
      update->set_organisation(ActingOrganisation(actor));
    }
  }
  DropRepeatsFromSets(fields, created.get());
  ValidateFields(kind, *created, fields, info.field, &violations);
  RETURN_IF_ERROR(violations.ToStatus());
  RETURN_IF_ERROR(CheckDeadline(actor));

  return store_->Commit([&](Transaction& txn) -> absl::Status {
    RETURN_IF_ERROR(CreateInTransaction(txn, kind, name, created.get(),
                                        AuthorOf(actor), &actor));
    out->CopyFrom(*created);
    return absl::OkStatus();
  });
}

absl::Status PlanResources::CreateInTransaction(Transaction& txn, Kind kind,
                                                const ResourceName& name,
                                                Message* created,
                                                const Author& author,
                                                const Actor* authorize) const {
  const std::string& organisation = author.organisation;
  const KindInfo& info = InfoOf(kind);
  const std::vector<const FieldDescriptor*> fields =
      DataFields(*info.descriptor);
  ASSIGN_OR_RETURN(std::optional<storage::Entity> existing,
                   txn.GetEntity(name));
  v1::Change requested = Requested(v1::Change::CREATE, name, author);
  for (const FieldDescriptor* field : fields) {
    if (!HasValue(*created, *field)) continue;
    v1::FieldChange* fc = requested.add_fields();
    fc->set_field(field->name());
    fc->set_value(FieldValueBytes(*created, *field));
  }
  const auto lookup = LookupIn(txn);
  ASSIGN_OR_RETURN(const ChangeDecision decision,
                   DecideChange(requested, existing,
                                Context(lookup, authorize, /*etag=*/"")));
  RETURN_IF_ERROR(decision.refusal);
  const Stamp stamp = NewStamp(txn, *clock_, store_->replica_id(), organisation,
                               options_.replica);
  if (kind == Kind::kProgressUpdate &&
      !static_cast<prevent::plan::v1::ProgressUpdate*>(created)
           ->has_report_time()) {
    SetTime(created, "report_time", stamp.time);
  }
  SetString(created, "etag", stamp.etag);
  SetTime(created, "create_time", stamp.time);
  SetTime(created, "update_time", stamp.time);

  storage::Entity entity;
  v1::Change change = NewChange(v1::Change::CREATE, stamp, name, author);
  for (const FieldDescriptor* field : fields) {
    if (!HasValue(*created, *field)) continue;
    (*entity.mutable_field_versions())[field->name()] = stamp.version;
    v1::FieldChange* fc = change.add_fields();
    fc->set_field(field->name());
    fc->set_value(FieldValueBytes(*created, *field));
  }
  *entity.mutable_lifecycle_version() = stamp.version;
  entity.set_resource(SerializeDeterministic(*created));
  txn.PutEntity(name, entity);
  LogChange(txn, std::move(change), nullptr);
  return absl::OkStatus();
}

void PlanResources::LogChange(Transaction& txn, v1::Change change,
                              const storage::Entity* previous) const {
  if (options_.replica) {
    // What the service must know to merge it: per field, the service
    // sequence of the value this edit replaced.
    v1::Change pending = change;
    for (v1::FieldChange& field : *pending.mutable_fields()) {
      if (previous == nullptr) continue;
      auto it = previous->field_versions().find(field.field());
      if (it != previous->field_versions().end()) {
        field.set_base_sequence(it->second.service_sequence());
      }
    }
    pending.set_sequence(0);
    txn.Put(Cf::kOutbox, SequenceKey(txn.next_sequence()),
            pending.SerializeAsString());
  }
  txn.AppendChange(std::move(change));
}

absl::StatusOr<PlanResources::UpdateRequest> PlanResources::CheckUpdate(
    Kind kind, const Message& resource, const google::protobuf::FieldMask& mask,
    const Actor& actor) const {
  const KindInfo& info = InfoOf(kind);
  FieldViolations violations;
  absl::StatusOr<ResourceName> name =
      ResourceName::ParseAs(kind, GetString(resource, "name"));
  if (!name.ok()) {
    violations.Add(absl::StrCat(info.field, ".name"),
                   std::string(name.status().message()));
  }

  std::vector<const FieldDescriptor*> fields;
  std::set<const FieldDescriptor*> seen;
  const auto use = [&](const FieldDescriptor* field) {
    if (seen.insert(field).second) fields.push_back(field);
  };
  if (mask.paths().empty()) {
    for (const FieldDescriptor* f : DataFields(*info.descriptor)) {
      if (HasValue(resource, *f)) use(f);
    }
  }
  for (int i = 0; i < mask.paths_size(); ++i) {
    const std::string& path = mask.paths(i);
    const auto where = [i] {
      return absl::StrCat("update_mask.paths[", i, "]");
    };
    if (path == "*") {
      for (const FieldDescriptor* f : DataFields(*info.descriptor)) use(f);
      continue;
    }
    const FieldDescriptor* field = info.descriptor->FindFieldByName(path);
    if (field == nullptr) {
      violations.Add(where(), absl::StrCat("\"", path, "\" is not a field of ",
                                           info.descriptor->name()));
    } else if (IsOutputOnlyField(path)) {
      violations.Add(where(), absl::StrCat("\"", path, "\" is output only"));
    } else {
      use(field);
    }
  }
  RETURN_IF_ERROR(violations.ToStatus());
  RETURN_IF_ERROR(CheckDeadline(actor));
  return UpdateRequest{*std::move(name), std::move(fields)};
}

absl::Status PlanResources::Update(Kind kind, const Message& resource,
                                   const google::protobuf::FieldMask& mask,
                                   const Actor& actor, Message* out) {
  ASSIGN_OR_RETURN(const UpdateRequest update,
                   CheckUpdate(kind, resource, mask, actor));
  return store_->Commit([&](Transaction& txn) -> absl::Status {
    return UpdateInTransaction(txn, update.name, resource, update.fields,
                               AuthorOf(actor), &actor, out);
  });
}

void PlanResources::UpdateAsync(Kind kind, const Message& resource,
                                const google::protobuf::FieldMask& mask,
                                const Actor& actor, Message* out,
                                absl::AnyInvocable<void(absl::Status)> done) {
  absl::StatusOr<UpdateRequest> update =
      CheckUpdate(kind, resource, mask, actor);
  if (!update.ok()) return done(update.status());
  store_->CommitAsync(
      [this, update = *std::move(update), &resource,
       caller = Actor{actor.organisation}, author = AuthorOf(actor),
       out](Transaction& txn) -> absl::Status {
        return UpdateInTransaction(txn, update.name, resource, update.fields,
                                   author, &caller, out);
      },
      std::move(done));
}

absl::Status PlanResources::UpdateInTransaction(
    Transaction& txn, const ResourceName& name, const Message& resource,
    const std::vector<const FieldDescriptor*>& fields, const Author& author,
    const Actor* authorize, Message* out) const {
  const std::string& organisation = author.organisation;
  ASSIGN_OR_RETURN(std::optional<storage::Entity> entity, txn.GetEntity(name));
  v1::Change requested = Requested(v1::Change::UPDATE, name, author);
  for (const FieldDescriptor* field : fields) {
    v1::FieldChange* fc = requested.add_fields();
    fc->set_field(field->name());
    fc->set_value(FieldValueBytes(resource, *field));
  }
  const auto lookup = LookupIn(txn);
  ASSIGN_OR_RETURN(
      ChangeDecision decision,
      DecideChange(requested, entity,
                   Context(lookup, authorize, GetString(resource, "etag"))));
  RETURN_IF_ERROR(decision.refusal);
  // `out` takes the resource as decided, with no copy: as stored when
  // nothing changes, and then there is nothing to write.
  if (decision.edited == nullptr) {
    return absl::InternalError(
        absl::StrCat("the decided update of ", name.str(), " is missing"));
  }
  out->GetReflection()->Swap(out, decision.edited.get());
  if (!decision.logged.has_value()) return absl::OkStatus();
  const Stamp stamp = NewStamp(txn, *clock_, store_->replica_id(), organisation,
                               options_.replica);
  // A replica's versions and outbox entry keep what the edit replaces; the
  // service needs nothing of it.
  std::optional<storage::Entity> previous;
  if (options_.replica) previous = *entity;
  const storage::Entity* const previous_entity =
      previous ? &*previous : nullptr;
  SetString(out, "etag", stamp.etag);
  SetTime(out, "update_time", stamp.time);
  for (const v1::FieldChange& field : decision.logged->fields()) {
    (*entity->mutable_field_versions())[field.field()] = FieldVersionAfter(
        stamp, previous_entity, field.field(), options_.replica);
  }
  entity->set_resource(SerializeDeterministic(*out));
  v1::Change change = NewChange(v1::Change::UPDATE, stamp, name, author);
  *change.mutable_fields() = std::move(*decision.logged->mutable_fields());
  txn.PutEntity(name, *std::move(entity));
  LogChange(txn, std::move(change), previous_entity);
  return absl::OkStatus();
}

absl::Status PlanResources::Delete(Kind kind, absl::string_view name_text,
                                   absl::string_view etag, const Actor& actor,
                                   Message* out) {
  absl::StatusOr<ResourceName> name = ParseNameField(kind, name_text);
  if (!name.ok()) return name.status();
  RETURN_IF_ERROR(CheckDeadline(actor));
  return store_->Commit([&](Transaction& txn) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<storage::Entity> entity,
                     txn.GetEntity(*name));
    const Author author = AuthorOf(actor);
    const auto lookup = LookupIn(txn);
    ASSIGN_OR_RETURN(
        const ChangeDecision decision,
        DecideChange(Requested(v1::Change::DELETE, *name, author), entity,
                     Context(lookup, &actor, std::string(etag))));
    RETURN_IF_ERROR(decision.refusal);
    std::unique_ptr<Message> resource(out->New());
    RETURN_IF_ERROR(ParseStoredResource(*entity, resource.get()));
    const Stamp stamp = NewStamp(txn, *clock_, store_->replica_id(),
                                 author.organisation, options_.replica);
    v1::Change change = NewChange(v1::Change::DELETE, stamp, *name, author);
    // The versions deleted, for the service to tell which edits it missed.
    if (options_.replica) {
      ASSIGN_OR_RETURN(const uint64_t seen,
                       SeenSequenceOfDelete(*name, *entity, ScanIn(txn)));
      change.set_seen_sequence(seen);
    }
    SetString(resource.get(), "etag", stamp.etag);
    SetTime(resource.get(), "update_time", stamp.time);
    SetTime(resource.get(), "delete_time", stamp.time);
    entity->set_deleted(true);
    *entity->mutable_lifecycle_version() = stamp.version;
    entity->set_resource(SerializeDeterministic(*resource));
    txn.PutEntity(*name, *entity);
    LogChange(txn, std::move(change), nullptr);
    out->CopyFrom(*resource);
    return absl::OkStatus();
  });
}

absl::Status PlanResources::Undelete(Kind kind, absl::string_view name_text,
                                     const Actor& actor, Message* out) {
  absl::StatusOr<ResourceName> name = ParseNameField(kind, name_text);
  if (!name.ok()) return name.status();
  RETURN_IF_ERROR(CheckDeadline(actor));
  return store_->Commit([&](Transaction& txn) -> absl::Status {
    return UndeleteInTransaction(txn, *name, AuthorOf(actor), &actor, out);
  });
}

absl::Status PlanResources::UndeleteInTransaction(Transaction& txn,
                                                  const ResourceName& name,
                                                  const Author& author,
                                                  const Actor* authorize,
                                                  Message* out) const {
  const std::string& organisation = author.organisation;
  ASSIGN_OR_RETURN(std::optional<storage::Entity> entity, txn.GetEntity(name));
  const auto lookup = LookupIn(txn);
  ASSIGN_OR_RETURN(
      const ChangeDecision decision,
      DecideChange(Requested(v1::Change::UNDELETE, name, author), entity,
                   Context(lookup, authorize, /*etag=*/"")));
  RETURN_IF_ERROR(decision.refusal);
  std::unique_ptr<Message> resource(out->New());
  RETURN_IF_ERROR(ParseStoredResource(*entity, resource.get()));
  const Stamp stamp = NewStamp(txn, *clock_, store_->replica_id(), organisation,
                               options_.replica);
  SetString(resource.get(), "etag", stamp.etag);
  SetTime(resource.get(), "update_time", stamp.time);
  ClearField(resource.get(), "delete_time");
  entity->set_deleted(false);
  *entity->mutable_lifecycle_version() = stamp.version;
  entity->set_resource(SerializeDeterministic(*resource));
  v1::Change change = NewChange(v1::Change::UNDELETE, stamp, name, author);
  txn.PutEntity(name, *entity);
  LogChange(txn, std::move(change), nullptr);
  out->CopyFrom(*resource);
  return absl::OkStatus();
}

absl::Status PlanResources::ResolveConflict(
    const prevent::plan::v1::ResolveConflictRequest& request,
    const Actor& actor, prevent::plan::v1::Conflict* out) {
  ASSIGN_OR_RETURN(
      ResourceName name,
      ParseNameField(ConflictKindOf(request.name()), request.name()));
  if (request.choice_case() ==
      prevent::plan::v1::ResolveConflictRequest::CHOICE_NOT_SET) {
    FieldViolations violations;
    violations.Add("choice", "set candidate or value");
    return violations.ToStatus();
  }
  RETURN_IF_ERROR(CheckDeadline(actor));
  const Author author = AuthorOf(actor);
  return store_->Commit([&](Transaction& txn) -> absl::Status {
    ASSIGN_OR_RETURN(const v1::Conflict conflict,
                     OpenConflict(*this, txn, name, request.etag(), actor));
    ASSIGN_OR_RETURN(const v1::Conflict::Candidate chosen,
                     ChosenCandidate(request, conflict));
    RETURN_IF_ERROR(ApplyChoice(txn, name, conflict, chosen, author, &actor));
    const std::vector<const FieldDescriptor*> fields = {
        v1::Conflict::descriptor()->FindFieldByName("state"),
        v1::Conflict::descriptor()->FindFieldByName("resolution")};
    return UpdateInTransaction(txn, name,
                               Resolved(name, chosen, author.organisation),
                               fields, author, /*authorize=*/nullptr, out);
  });
}

absl::Status PlanResources::ApplyChoice(Transaction& txn,
                                        const ResourceName& name,
                                        const v1::Conflict& conflict,
                                        const v1::Conflict::Candidate& chosen,
                                        const Author& author,
                                        const Actor* authorize) const {
  ASSIGN_OR_RETURN(const ResourceName target,
                   ResourceName::Parse(conflict.target()));
  const FieldDescriptor* field =
      InfoOf(target.kind()).descriptor->FindFieldByName(conflict.field());
  if (field == nullptr) {
    return absl::DataLossError(absl::StrCat(name.str(), " names no field"));
  }
  ASSIGN_OR_RETURN(const std::optional<storage::Entity> stored,
                   txn.GetEntity(target));
  if (!stored.has_value()) return ResourceNotFound(target);
  // The resource a delete candidate deleted (conflicts made before
  // Candidate.deleted existed name none: their target).
  const auto deleted_by = [&](const v1::Conflict::Candidate& candidate)
      -> absl::StatusOr<ResourceName> {
    if (candidate.deleted().empty()) return target;
    return ResourceName::Parse(candidate.deleted());
  };
  if (chosen.deletes()) {
    ASSIGN_OR_RETURN(const ResourceName deleted, deleted_by(chosen));
    ASSIGN_OR_RETURN(const std::optional<storage::Entity> entity,
                     txn.GetEntity(deleted));
    if (!entity.has_value() || !entity->deleted()) {
      return Error(absl::StatusCode::kFailedPrecondition, "RESOURCE_RESTORED",
                   absl::StrCat(deleted.str(), " is no longer deleted"),
                   deleted.str());
    }
    return absl::OkStatus();
  }
  for (const v1::Conflict::Candidate& candidate : conflict.candidates()) {
    if (!candidate.deletes()) continue;
    ASSIGN_OR_RETURN(const ResourceName deleted, deleted_by(candidate));
    RETURN_IF_ERROR(Restore(txn, deleted, author, authorize));
  }
  // A deleted target comes back too, as the value chosen is to be seen (a
  // live one under a deleted parent, as in a plain clash, stays there).
  if (stored->deleted()) {
    RETURN_IF_ERROR(Restore(txn, target, author, authorize));
  }
  // A progress update is never edited: the value chosen is the one it was
  // created with, which it holds.
  if (!InfoOf(target.kind()).updatable) return absl::OkStatus();
  return WriteChosenValue(txn, target, *field, chosen.value(), author);
}

absl::Status PlanResources::Restore(Transaction& txn,
                                    const ResourceName& resource,
                                    const Author& author,
                                    const Actor* authorize) const {
  std::vector<ResourceName> chain = {resource};
  for (std::optional<ResourceName> p = resource.Parent(); p.has_value();
       p = p->Parent()) {
    chain.push_back(*p);
  }
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    ASSIGN_OR_RETURN(const std::optional<storage::Entity> entity,
                     txn.GetEntity(*it));
    if (!entity.has_value() || !entity->deleted()) continue;
    std::unique_ptr<Message> scratch(
        google::protobuf::MessageFactory::generated_factory()
            ->GetPrototype(InfoOf(it->kind()).descriptor)
            ->New());
    // Undeleting through a conflict takes the right to undelete: an EDITOR
    // who may resolve a conflict on its action may not bring back the
    // activity or plan an OWNER deleted.
    RETURN_IF_ERROR(
        UndeleteInTransaction(txn, *it, author, authorize, scratch.get()));
  }
  return absl::OkStatus();
}

absl::Status PlanResources::WriteChosenValue(Transaction& txn,
                                             const ResourceName& target,
                                             const FieldDescriptor& field,
                                             const std::string& value,
                                             const Author& author) const {
  const google::protobuf::Descriptor& type = *InfoOf(target.kind()).descriptor;
  std::unique_ptr<Message> scratch(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(&type)
          ->New());
  std::unique_ptr<Message> values(scratch->New());
  if (!values->ParseFromString(value)) {
    FieldViolations violations;
    violations.Add("value", absl::StrCat("is not a ", type.name(),
                                         " with only ", field.name(), " set"));
    return violations.ToStatus();
  }
  SetString(values.get(), "name", target.str());
  return UpdateInTransaction(txn, target, *values, {&field}, author,
                             /*authorize=*/nullptr, scratch.get());
}

}  // namespace plan
