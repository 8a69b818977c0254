// PlanResources' whole-plan methods: import, export, and the document reads
// and writes beneath them.
#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libplan/formats/csv.h"
#include "libplan/formats/html.h"
#include "libplan/formats/markdown.h"
#include "libplan/formats/prevent_text.h"
#include "libplan/model/fields.h"
#include "libplan/model/validation.h"
#include "libplan/service/plan_resources.h"
#include "libplan/util/errors.h"
#include "libplan/util/log.h"
#include "libplan/util/status_macros.h"
#include "libplan/util/uk_time.h"

namespace plan {
namespace {

using google::protobuf::Message;

// Returned by a validate-only import's commit body so that nothing is written.
constexpr char kValidateOnly[] = "validate only: nothing written";

// The bytes an ImportPlan answer may spend on its lists of warnings and
// created resources: a quarter of the 4 MiB message limit.
constexpr size_t kImportAnswerBytes = 1 << 20;

// Adds the violations of `resource` (a complete resource of `kind` with its
// name) under the prefix of its name.
void ValidateResource(Kind kind, const Message& resource,
                      FieldViolations* violations) {
  const std::string name = resource.GetReflection()->GetString(
      resource, resource.GetDescriptor()->FindFieldByName("name"));
  if (!ResourceName::ParseAs(kind, name).ok()) {
    violations->Add(absl::StrCat(InfoOf(kind).field, ".name"),
                    absl::StrCat("\"", name, "\" is not a valid name"));
    return;
  }
  ValidateFields(kind, resource, DataFields(*resource.GetDescriptor()), name,
                 violations);
}

template <typename T>
void SortByPosition(std::vector<T>* items,
                    const std::function<const Message&(const T&)>& of) {
  std::stable_sort(items->begin(), items->end(), [&](const T& a, const T& b) {
    const Message& ma = of(a);
    const Message& mb = of(b);
    const auto* pa = ma.GetDescriptor()->FindFieldByName("position");
    const auto* pb = mb.GetDescriptor()->FindFieldByName("position");
    const std::string x = ma.GetReflection()->GetString(ma, pa);
    const std::string y = mb.GetReflection()->GetString(mb, pb);
    if (x != y) return x < y;
    return ma.GetReflection()->GetString(
               ma, ma.GetDescriptor()->FindFieldByName("name")) <
           mb.GetReflection()->GetString(
               mb, mb.GetDescriptor()->FindFieldByName("name"));
  });
}

// Scans the live `kind` resources whose names start with `prefix`.
template <typename T>
absl::StatusOr<std::vector<T>> ScanLive(const ReadView& view, Kind kind,
                                        const std::string& prefix) {
  std::vector<T> out;
  absl::Status failure = absl::OkStatus();
  RETURN_IF_ERROR(
      view.Scan(Cf::kEntities, EntityKeyPrefix(kind, prefix), "",
                [&](absl::string_view key, absl::string_view value) {
                  storage::Entity entity;
                  T resource;
                  if (!entity.ParseFromArray(value.data(),
                                             static_cast<int>(value.size())) ||
                      !resource.ParseFromString(entity.resource())) {
                    failure = absl::DataLossError(absl::StrCat(
                        "stored ", NameOfEntityKey(key), " is corrupt"));
                    return false;
                  }
                  if (!entity.deleted()) out.push_back(std::move(resource));
                  return true;
                }));
  RETURN_IF_ERROR(failure);
  return out;
}

// The violations of every resource of `document` (as ValidateResource
// finds them).
FieldViolations DocumentViolations(const PlanDocument& document) {
  FieldViolations violations;
  ValidateResource(Kind::kPlan, document.plan, &violations);
  for (const auto& org : document.organisations) {
    ValidateResource(Kind::kOrganisation, org, &violations);
  }
  for (const auto& strand : document.strands) {
    ValidateResource(Kind::kStrand, strand, &violations);
  }
  for (const ActivityEntry& entry : document.activities) {
    ValidateResource(Kind::kActivity, entry.activity, &violations);
    for (const auto& action : entry.actions) {
      ValidateResource(Kind::kAction, action, &violations);
    }
  }
  return violations;
}

// OK when `actor` may write `plan` (a valid plan) as `txn` sees the store:
// filling a plan is its OWNERs'; making one, administrators'.
absl::Status CheckImport(const PlanResources& resources, Transaction& txn,
                         const v1::Plan& plan, const Actor& actor) {
  ASSIGN_OR_RETURN(const ResourceName name,
                   ResourceName::ParseAs(Kind::kPlan, plan.name()));
  ASSIGN_OR_RETURN(const std::optional<storage::Entity> existing,
                   txn.GetEntity(name));
  return resources.CheckAccess(
      actor, existing.has_value() ? Operation::kImport : Operation::kCreate,
      name, LookupIn(txn));
}

// FAILED_PRECONDITION (reason RESOURCE_DELETED) when `existing`, the stored
// resource `name` that an import would reuse, is deleted.
absl::Status NotDeleted(const storage::Entity& existing,
                        const std::string& name) {
  if (!existing.deleted()) return absl::OkStatus();
  return Error(
      absl::StatusCode::kFailedPrecondition, "RESOURCE_DELETED",
      absl::StrCat(name,
                   " is deleted; undelete it or import into another plan"),
      name);
}

// Creates a resource of `kind` unless `reuse` and it exists already: true
// when it made it.
using CreateFn = absl::FunctionRef<absl::StatusOr<bool>(
    Kind kind, const Message& resource, bool reuse)>;

// Creates each of `resources` (of `kind`) that does not exist yet, and adds
// those it made to `made`.
template <typename T>
absl::Status CreateEachMissing(CreateFn create, Kind kind,
                               const std::vector<T>& resources,
                               std::vector<T>* made) {
  for (const T& resource : resources) {
    ASSIGN_OR_RETURN(const bool new_one,
                     create(kind, resource, /*reuse=*/true));
    if (new_one) made->push_back(resource);
  }
  return absl::OkStatus();
}

// Creates every activity of `entries` and every action in them, none of
// which may exist, and adds them to `made`.
absl::Status CreateActivities(CreateFn create,
                              const std::vector<ActivityEntry>& entries,
                              std::vector<ActivityEntry>* made) {
  for (const ActivityEntry& entry : entries) {
    RETURN_IF_ERROR(
        create(Kind::kActivity, entry.activity, /*reuse=*/false).status());
    ActivityEntry& out = made->emplace_back();
    out.activity = entry.activity;
    for (const auto& action : entry.actions) {
      RETURN_IF_ERROR(create(Kind::kAction, action, /*reuse=*/false).status());
      out.actions.push_back(action);
    }
  }
  return absl::OkStatus();
}

std::string Slug(absl::string_view plan_name) {
  return std::string(plan_name.substr(plan_name.rfind('/') + 1));
}

}  // namespace

absl::Status PlanResources::WriteDocument(const PlanDocument& document,
                                          bool validate_only,
                                          const Actor& actor,
                                          PlanDocument* created) {
  RETURN_IF_ERROR(DocumentViolations(document).ToStatus());
  RETURN_IF_ERROR(CheckDeadline(actor));
  const absl::Status status =
      store_->Commit([&](Transaction& txn) -> absl::Status {
        RETURN_IF_ERROR(
            WriteDocumentInTransaction(txn, document, actor, created));
        if (validate_only) return absl::CancelledError(kValidateOnly);
        return absl::OkStatus();
      });
  if (validate_only && absl::IsCancelled(status) &&
      status.message() == kValidateOnly) {
    return absl::OkStatus();
  }
  return status;
}

absl::Status PlanResources::WriteDocumentInTransaction(
    Transaction& txn, const PlanDocument& document, const Actor& actor,
    PlanDocument* created) const {
  *created = PlanDocument();
  RETURN_IF_ERROR(CheckImport(*this, txn, document.plan, actor));
  const Author author = AuthorOf(actor);
  const auto create = [&](Kind kind, const Message& resource, bool reuse) {
    return CreateFromDocument(txn, kind, resource, reuse, author);
  };
  RETURN_IF_ERROR(CreateEachMissing(create, Kind::kOrganisation,
                                    document.organisations,
                                    &created->organisations));
  ASSIGN_OR_RETURN(const bool plan_made,
                   create(Kind::kPlan, document.plan, /*reuse=*/true));
  if (plan_made) created->plan = document.plan;
  RETURN_IF_ERROR(CreateEachMissing(create, Kind::kStrand, document.strands,
                                    &created->strands));
  return CreateActivities(create, document.activities, &created->activities);
}

absl::StatusOr<bool> PlanResources::CreateFromDocument(
    Transaction& txn, Kind kind, const Message& resource, bool reuse,
    const Author& author) const {
  const std::string text = resource.GetReflection()->GetString(
      resource, resource.GetDescriptor()->FindFieldByName("name"));
  ASSIGN_OR_RETURN(const ResourceName name, ResourceName::ParseAs(kind, text));
  if (reuse) {
    ASSIGN_OR_RETURN(const std::optional<storage::Entity> existing,
                     txn.GetEntity(name));
    if (existing.has_value()) {
      RETURN_IF_ERROR(NotDeleted(*existing, text));
      return false;
    }
  }
  std::unique_ptr<Message> copy(resource.New());
  copy->CopyFrom(resource);
  RETURN_IF_ERROR(CreateInTransaction(txn, kind, name, copy.get(), author,
                                      /*authorize=*/nullptr));
  return true;
}

absl::StatusOr<PlanDocument> PlanResources::ReadDocument(
    absl::string_view name_text) const {
  return ReadDocument(*store_->NewReadView(), name_text);
}

absl::StatusOr<PlanDocument> PlanResources::ReadDocument(
    const ReadView& read_view, absl::string_view name_text) const {
  ASSIGN_OR_RETURN(const ResourceName name,
                   ParseNameField(Kind::kPlan, name_text));
  const ReadView* view = &read_view;
  ASSIGN_OR_RETURN(std::optional<storage::Entity> plan_entity,
                   view->GetEntity(name));
  if (!plan_entity.has_value()) {
    return Error(absl::StatusCode::kNotFound, "RESOURCE_NOT_FOUND",
                 absl::StrCat(name.str(), " does not exist"), name.str());
  }
  PlanDocument document;
  if (!document.plan.ParseFromString(plan_entity->resource())) {
    return absl::DataLossError(
        absl::StrCat("stored ", name.str(), " is corrupt"));
  }
  const std::string prefix = absl::StrCat(name.str(), "/");
  ASSIGN_OR_RETURN(document.strands,
                   ScanLive<v1::Strand>(*view, Kind::kStrand,
                                        absl::StrCat(prefix, "strands/")));
  ASSIGN_OR_RETURN(std::vector<v1::Activity> activities,
                   ScanLive<v1::Activity>(*view, Kind::kActivity,
                                          absl::StrCat(prefix, "activities/")));
  ASSIGN_OR_RETURN(std::vector<v1::Action> actions,
                   ScanLive<v1::Action>(*view, Kind::kAction,
                                        absl::StrCat(prefix, "activities/")));
  std::function<const Message&(const v1::Strand&)> strand_of =
      [](const v1::Strand& s) -> const Message& { return s; };
  SortByPosition(&document.strands, strand_of);
  std::function<const Message&(const v1::Activity&)> activity_of =
      [](const v1::Activity& a) -> const Message& { return a; };
  SortByPosition(&activities, activity_of);
  std::function<const Message&(const v1::Action&)> action_of =
      [](const v1::Action& a) -> const Message& { return a; };
  SortByPosition(&actions, action_of);
  std::map<std::string, size_t> index;
  for (auto& activity : activities) {
    index[activity.name()] = document.activities.size();
    document.activities.push_back({std::move(activity), {}});
  }
  for (auto& action : actions) {
    const std::string parent =
        action.name().substr(0, action.name().rfind("/actions/"));
    auto it = index.find(parent);
    if (it == index.end()) continue;  // its activity is deleted
    document.activities[it->second].actions.push_back(std::move(action));
  }
  // Every organisation referred to, once, in name order.
  std::set<std::string> organisations(
      document.plan.partner_organisations().begin(),
      document.plan.partner_organisations().end());
  for (const ActivityEntry& entry : document.activities) {
    organisations.insert(entry.activity.lead_organisations().begin(),
                         entry.activity.lead_organisations().end());
    for (const auto& action : entry.actions) {
      if (!action.owner_organisation().empty()) {
        organisations.insert(action.owner_organisation());
      }
    }
  }
  for (const std::string& org : organisations) {
    absl::StatusOr<ResourceName> org_name = ResourceName::Parse(org);
    if (!org_name.ok()) continue;
    ASSIGN_OR_RETURN(std::optional<storage::Entity> entity,
                     view->GetEntity(*org_name));
    if (!entity.has_value()) continue;
    v1::Organisation& out = document.organisations.emplace_back();
    if (!out.ParseFromString(entity->resource())) {
      return absl::DataLossError(absl::StrCat("stored ", org, " is corrupt"));
    }
  }
  return document;
}

absl::Status PlanResources::Import(const v1::ImportPlanRequest& request,
                                   const Actor& actor,
                                   v1::ImportPlanResponse* out) {
  FieldViolations violations;
  absl::StatusOr<ResourceName> name =
      ResourceName::ParseAs(Kind::kPlan, request.plan().name());
  if (!name.ok()) {
    violations.Add("plan.name", std::string(name.status().message()));
  }
  if (request.format() != v1::PREVENT_TEXT && request.format() != v1::CSV) {
    violations.Add("format", "import reads PREVENT_TEXT or CSV");
  }
  if (request.content().empty()) violations.Add("content", "is empty");
  RETURN_IF_ERROR(violations.ToStatus());

  absl::StatusOr<ParsedPlan> parsed =
      request.format() == v1::PREVENT_TEXT
          ? ParsePreventText(request.content(), name->str())
          : ParsePlanCsv(request.content(), request.plan());
  if (!parsed.ok()) {
    FieldViolations bad_content;
    bad_content.Add("content", std::string(parsed.status().message()));
    return bad_content.ToStatus();
  }
  PlanDocument& document = parsed->document;
  // Fields of the request's plan take precedence over the document's.
  for (const auto* field : DataFields(*v1::Plan::descriptor())) {
    if (HasValue(request.plan(), *field)) {
      CopyField(request.plan(), *field, &document.plan);
    }
  }
  document.plan.set_name(name->str());

  PlanDocument created;
  RETURN_IF_ERROR(
      WriteDocument(document, request.validate_only(), actor, &created));
  // The answer lists what it can within its budget and counts everything,
  // so that however large the import, the answer can be sent: a commit that
  // the client is then told failed would break "a refused request changes
  // nothing".
  size_t budget = kImportAnswerBytes;
  const auto list = [&](const Message& item, auto* into) {
    const size_t bytes = item.ByteSizeLong() + 8;
    if (bytes > budget) {
      out->set_truncated(true);
      return;
    }
    budget -= bytes;
    into->Add()->CopyFrom(item);
  };
  out->set_warning_count(static_cast<int32_t>(parsed->warnings.size()));
  for (const FormatWarning& warning : parsed->warnings) {
    v1::ImportWarning w;
    w.set_line(warning.line);
    w.set_message(warning.message);
    list(w, out->mutable_warnings());
  }
  out->set_organisation_count(
      static_cast<int32_t>(created.organisations.size()));
  out->set_strand_count(static_cast<int32_t>(created.strands.size()));
  for (auto& org : created.organisations)
    list(org, out->mutable_organisations());
  for (auto& strand : created.strands) list(strand, out->mutable_strands());
  int32_t activities = 0;
  int32_t actions = 0;
  for (auto& entry : created.activities) {
    ++activities;
    list(entry.activity, out->mutable_activities());
    for (auto& action : entry.actions) {
      ++actions;
      list(action, out->mutable_actions());
    }
  }
  out->set_activity_count(activities);
  out->set_action_count(actions);
  out->set_validate_only(request.validate_only());
  if (request.validate_only()) {
    *out->mutable_plan() = document.plan;
  } else {
    RETURN_IF_ERROR(
        Get(Kind::kPlan, name->str(), Actor(), out->mutable_plan()));
    PLAN_LOG(INFO) << "imported " << name->str()
                   << " organisation=" << ActingOrganisation(actor)
                   << " organisations=" << out->organisation_count()
                   << " strands=" << out->strand_count()
                   << " activities=" << out->activity_count()
                   << " actions=" << out->action_count()
                   << " warnings=" << out->warning_count();
  }
  return absl::OkStatus();
}

absl::Status PlanResources::Export(const v1::ExportPlanRequest& request,
                                   const Actor& actor,
                                   v1::ExportPlanResponse* out) const {
  if (request.format() != v1::CSV && request.format() != v1::MARKDOWN &&
      request.format() != v1::HTML) {
    FieldViolations violations;
    violations.Add("format", "export writes CSV, MARKDOWN or HTML");
    return violations.ToStatus();
  }
  const std::unique_ptr<ReadView> view = NewReadView(actor);
  if (absl::StatusOr<ResourceName> plan =
          ResourceName::ParseAs(Kind::kPlan, request.name());
      plan.ok()) {
    RETURN_IF_ERROR(
        CheckAccess(actor, Operation::kRead, *plan, LookupIn(*view)));
  }
  ASSIGN_OR_RETURN(PlanDocument document, ReadDocument(*view, request.name()));
  const absl::CivilDay today = ToUkDay(options_.now());
  const std::string slug = Slug(request.name());
  switch (request.format()) {
    case v1::CSV:
      out->set_content(WritePlanCsv(document));
      out->set_content_type("text/csv; charset=utf-8");
      out->set_filename(absl::StrCat(slug, ".csv"));
      break;
    case v1::MARKDOWN:
      out->set_content(WritePlanMarkdown(document, today));
      out->set_content_type("text/markdown; charset=utf-8");
      out->set_filename(absl::StrCat(slug, ".md"));
      break;
    default:
      out->set_content(WritePlanHtml(document, today));
      out->set_content_type("text/html; charset=utf-8");
      out->set_filename(absl::StrCat(slug, ".html"));
      break;
  }
  return absl::OkStatus();
}

}  // namespace plan
