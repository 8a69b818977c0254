#include "libplan/service/plan_reports.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libplan/clock/hybrid_clock.h"
#include "libplan/model/fields.h"
#include "libplan/model/validation.h"
#include "libplan/reports/dashboard.h"
#include "libplan/reports/summaries.h"
#include "libplan/util/errors.h"
#include "libplan/util/sha256.h"
#include "libplan/util/status_macros.h"
#include "libplan/util/timestamp.h"
#include "libplan/util/uk_time.h"

namespace plan {
namespace {

// The period of a request, or INVALID_ARGUMENT naming the bad month.
absl::StatusOr<Period> PeriodOf(const std::string& start,
                                const std::string& end) {
  FieldViolations violations;
  if (!start.empty() && !IsValidMonth(start)) {
    violations.Add("period_start",
                   absl::StrCat("\"", start, "\" is not YYYY-MM"));
  }
  if (!end.empty() && !IsValidMonth(end)) {
    violations.Add("period_end", absl::StrCat("\"", end, "\" is not YYYY-MM"));
  }
  if (violations.empty() && !start.empty() && !end.empty() && start > end) {
    violations.Add("period_end", "is before period_start");
  }
  RETURN_IF_ERROR(violations.ToStatus());
  Period period;
  period.start = start;
  period.end = end;
  return period;
}

// Every live progress update of `plan` in `view`.
absl::StatusOr<std::vector<v1::ProgressUpdate>> UpdatesOf(
    const ReadView& view, const std::string& plan) {
  std::vector<v1::ProgressUpdate> updates;
  absl::Status failure = absl::OkStatus();
  RETURN_IF_ERROR(view.Scan(
      Cf::kEntities,
      EntityKeyPrefix(Kind::kProgressUpdate,
                      absl::StrCat(plan, "/activities/")),
      "", [&](absl::string_view, absl::string_view value) {
        storage::Entity entity;
        v1::ProgressUpdate update;
        if (!entity.ParseFromArray(value.data(),
                                   static_cast<int>(value.size())) ||
            !update.ParseFromString(entity.resource())) {
          failure = absl::DataLossError("a stored progress update is corrupt");
          return false;
        }
        if (!entity.deleted()) updates.push_back(std::move(update));
        return true;
      }));
  RETURN_IF_ERROR(failure);
  return updates;
}

// The sequence a ListChanges page starts after (0 for the first page), or
// INVALID_ARGUMENT naming each bad field of `request`.
absl::StatusOr<uint64_t> CheckListChanges(
    const v1::ListChangesRequest& request) {
  FieldViolations violations;
  if (!ResourceName::ParseAs(Kind::kPlan, request.plan()).ok()) {
    violations.Add("plan",
                   absl::StrCat("\"", request.plan(), "\" is not a plan"));
  }
  if (request.page_size() < 0) {
    violations.Add("page_size", "must not be negative");
  }
  uint64_t after = 0;
  if (!request.page_token().empty() &&
      !absl::SimpleAtoi(request.page_token(), &after)) {
    violations.Add("page_token", "is not a page token of this service");
  }
  RETURN_IF_ERROR(violations.ToStatus());
  return after;
}

// When the service logged `change` (received it, for a pushed change); the
// change's own time for entries logged before that was kept.
absl::Time LogTimeOf(const v1::Change& change) {
  return change.has_log_time() ? FromTimestamp(change.log_time())
                               : HybridClock::ToTime(change.hlc());
}

// A new record in `out` of `change`, logged as `sequence` at `time`.
v1::ChangeRecord* NewRecord(const v1::Change& change, uint64_t sequence,
                            absl::Time time, v1::ListChangesResponse* out) {
  v1::ChangeRecord* record = out->add_changes();
  *record->mutable_time() = ToTimestamp(time);
  record->set_organisation(change.organisation());
  record->set_user(change.user());
  record->set_target(change.target());
  record->set_operation(v1::Change::Operation_Name(change.operation()));
  record->set_sequence(sequence);
  return record;
}

// Adds the records of `change`, logged as `sequence` at `time`, to `out`:
// one per field of its target it sets, with the values shown as people read
// them, or one for the whole change when it sets none. None when its target
// is not a resource name.
void AddChangeRecords(const v1::Change& change, uint64_t sequence,
                      absl::Time time, v1::ListChangesResponse* out) {
  absl::StatusOr<ResourceName> target = ResourceName::Parse(change.target());
  if (!target.ok()) return;
  if (change.fields().empty()) {
    NewRecord(change, sequence, time, out);
    return;
  }
  const google::protobuf::Descriptor& type = *InfoOf(target->kind()).descriptor;
  for (const v1::FieldChange& field : change.fields()) {
    const auto* descriptor = type.FindFieldByName(field.field());
    if (descriptor == nullptr) continue;
    v1::ChangeRecord* record = NewRecord(change, sequence, time, out);
    record->set_field(field.field());
    if (change.operation() != v1::Change::CREATE) {
      record->set_old_value(DisplayValue(type, *descriptor, field.base()));
    }
    record->set_new_value(DisplayValue(type, *descriptor, field.value()));
  }
}

// Adds the records of the change logged as `sequence` to `out` (as
// AddChangeRecords) when it was logged at `since` or later; none when `view`
// holds no readable change there. Fails only when the read does.
absl::Status AddRecordsOf(const ReadView& view, uint64_t sequence,
                          absl::Time since, v1::ListChangesResponse* out) {
  ASSIGN_OR_RETURN(const std::optional<std::string> bytes,
                   view.Get(Cf::kChanges, SequenceKey(sequence)));
  v1::Change change;
  if (!bytes.has_value() || !change.ParseFromString(*bytes)) {
    return absl::OkStatus();
  }
  const absl::Time time = LogTimeOf(change);
  if (time >= since) AddChangeRecords(change, sequence, time, out);
  return absl::OkStatus();
}

// INVALID_ARGUMENT naming "plan" unless `plan` is empty or a plan's name.
absl::Status CheckChangeLogPlan(const std::string& plan) {
  if (plan.empty() || ResourceName::ParseAs(Kind::kPlan, plan).ok()) {
    return absl::OkStatus();
  }
  FieldViolations violations;
  violations.Add("plan", absl::StrCat("\"", plan, "\" is not a plan"));
  return violations.ToStatus();
}

// Whether the caller, who may read the plans `readable` says (null: every
// plan), may read `change` whole. A change of no plan (an organisation's)
// may be read by everyone; one whose plan is not a plan's name, only by
// whoever may read everything.
absl::StatusOr<bool> MayReadChange(ReadableCache* readable,
                                   const ReadView& view,
                                   const v1::Change& change) {
  if (readable == nullptr || change.plan().empty()) return true;
  absl::StatusOr<ResourceName> plan =
      ResourceName::ParseAs(Kind::kPlan, change.plan());
  if (!plan.ok()) return readable->reads_everything();
  return readable->MayRead(*plan, LookupIn(view));
}

// Sets `entry` (its sequence set) from `value`, a change log entry as
// stored: whole when the caller may read it (MayReadChange) and it is of
// `plan` ("": of any plan); otherwise as its hash and link only. An entry
// that does not parse is sent whole, for the verifier to find, to whoever
// may read everything; to others, as its hash, which fails the next entry's
// link. Fails only when a lookup does.
absl::Status SetEntry(absl::string_view value, const std::string& plan,
                      ReadableCache* readable, const ReadView& view,
                      v1::ChangeLogEntry* entry) {
  v1::Change change;
  if (!change.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    if (readable == nullptr || readable->reads_everything()) {
      entry->set_entry(std::string(value));
    } else {
      entry->set_hash(Sha256(value));
    }
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(const bool may, MayReadChange(readable, view, change));
  if (may && (plan.empty() || change.plan() == plan)) {
    entry->set_entry(std::string(value));
  } else {
    entry->set_hash(Sha256(value));
    entry->set_prev_hash(change.prev_hash());
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status PlanReports::CheckRead(const Actor& actor, const ReadView& view,
                                    const std::string& plan) const {
  absl::StatusOr<ResourceName> name = ResourceName::ParseAs(Kind::kPlan, plan);
  if (!name.ok()) return absl::OkStatus();  // refused as not a plan later
  return resources_->CheckAccess(actor, Operation::kRead, *name,
                                 LookupIn(view));
}

absl::Status PlanReports::GetPlanSummary(
    const v1::GetPlanSummaryRequest& request, const Actor& actor,
    v1::PlanSummary* out) const {
  ASSIGN_OR_RETURN(Period period,
                   PeriodOf(request.period_start(), request.period_end()));
  std::unique_ptr<ReadView> view = resources_->NewReadView(actor);
  RETURN_IF_ERROR(CheckRead(actor, *view, request.plan()));
  ASSIGN_OR_RETURN(PlanDocument document,
                   resources_->ReadDocument(*view, request.plan()));
  ASSIGN_OR_RETURN(std::vector<v1::ProgressUpdate> updates,
                   UpdatesOf(*view, request.plan()));
  const absl::Time now = resources_->now();
  *out = SummarisePlan(document, updates, ToUkDay(now), period);
  *out->mutable_as_of() = ToTimestamp(now);
  return absl::OkStatus();
}

absl::Status PlanReports::GetCountySummary(
    const v1::GetCountySummaryRequest& request, const Actor& actor,
    v1::CountySummary* out) const {
  ASSIGN_OR_RETURN(Period period,
                   PeriodOf(request.period_start(), request.period_end()));
  std::unique_ptr<ReadView> view = resources_->NewReadView(actor);
  RETURN_IF_ERROR(CheckRead(actor, *view, request.plan()));
  ASSIGN_OR_RETURN(PlanDocument county,
                   resources_->ReadDocument(*view, request.plan()));
  if (county.plan.level() != v1::COUNTY) {
    return Error(absl::StatusCode::kFailedPrecondition, "NOT_A_COUNTY_PLAN",
                 absl::StrCat(request.plan(), " is not a COUNTY plan"),
                 request.plan());
  }
  // The live district plans whose parent is this county plan.
  std::vector<std::string> names;
  absl::Status failure = absl::OkStatus();
  RETURN_IF_ERROR(
      view->Scan(Cf::kEntities, EntityKeyPrefix(Kind::kPlan, "plans/"), "",
                 [&](absl::string_view, absl::string_view value) {
                   storage::Entity entity;
                   v1::Plan plan;
                   if (!entity.ParseFromArray(value.data(),
                                              static_cast<int>(value.size())) ||
                       !plan.ParseFromString(entity.resource())) {
                     failure = absl::DataLossError("a stored plan is corrupt");
                     return false;
                   }
                   if (!entity.deleted() && plan.parent() == request.plan()) {
                     names.push_back(plan.name());
                   }
                   return true;
                 }));
  RETURN_IF_ERROR(failure);
  // A district the caller may not read is left out (a county plan's OWNERs
  // read them all).
  const std::unique_ptr<ReadableCache> readable =
      resources_->NewReadableCache(actor);
  std::vector<PlanDocument> districts;
  for (const std::string& name : names) {
    if (readable != nullptr) {
      ASSIGN_OR_RETURN(bool may, readable->MayRead(*ResourceName::Parse(name),
                                                   LookupIn(*view)));
      if (!may) continue;
    }
    ASSIGN_OR_RETURN(PlanDocument district,
                     resources_->ReadDocument(*view, name));
    districts.push_back(std::move(district));
  }
  const absl::Time now = resources_->now();
  *out = SummariseCounty(county, districts, ToUkDay(now), period);
  *out->mutable_as_of() = ToTimestamp(now);
  return absl::OkStatus();
}

absl::Status PlanReports::ListChanges(const v1::ListChangesRequest& request,
                                      const Actor& actor,
                                      v1::ListChangesResponse* out) const {
  ASSIGN_OR_RETURN(const uint64_t after, CheckListChanges(request));
  const int page_size =
      request.page_size() == 0 ? 100 : std::min(request.page_size(), 1000);
  const absl::Time since = FromTimestamp(request.since());
  std::unique_ptr<ReadView> view = resources_->NewReadView(actor);
  RETURN_IF_ERROR(CheckRead(actor, *view, request.plan()));
  const std::string prefix =
      absl::StrCat(request.plan(), absl::string_view("\0", 1));
  absl::Status failure = absl::OkStatus();
  uint64_t last = 0;
  bool more = false;
  const auto visit = [&](absl::string_view key, absl::string_view) {
    if (out->changes_size() >= page_size) {
      more = true;
      return false;
    }
    last = DecodeSequenceKey(key.substr(prefix.size()));
    failure = AddRecordsOf(*view, last, since, out);
    return failure.ok();
  };
  RETURN_IF_ERROR(view->Scan(
      Cf::kPlanChanges, prefix,
      after == 0 ? "" : PlanChangeKey(request.plan(), after), visit));
  RETURN_IF_ERROR(failure);
  if (more) out->set_next_page_token(absl::StrCat(last));
  return absl::OkStatus();
}

absl::Status PlanReports::ExportSummary(const v1::ExportSummaryRequest& request,
                                        const Actor& actor,
                                        v1::ExportPlanResponse* out) const {
  if (request.format() != v1::CSV && request.format() != v1::HTML) {
    FieldViolations violations;
    violations.Add("format", "summaries export as CSV or HTML");
    return violations.ToStatus();
  }
  v1::Plan plan;
  RETURN_IF_ERROR(resources_->Get(Kind::kPlan, request.plan(), actor, &plan));
  const absl::CivilDay today = ToUkDay(resources_->now());
  const std::string slug = request.plan().substr(request.plan().rfind('/') + 1);
  const bool html = request.format() == v1::HTML;
  if (plan.level() == v1::COUNTY) {
    v1::GetCountySummaryRequest summary_request;
    summary_request.set_plan(request.plan());
    summary_request.set_period_start(request.period_start());
    summary_request.set_period_end(request.period_end());
    v1::CountySummary summary;
    RETURN_IF_ERROR(GetCountySummary(summary_request, actor, &summary));
    out->set_content(html ? WriteCountyDashboardHtml(summary, today)
                          : WriteCountySummaryCsv(summary));
  } else {
    v1::GetPlanSummaryRequest summary_request;
    summary_request.set_plan(request.plan());
    summary_request.set_period_start(request.period_start());
    summary_request.set_period_end(request.period_end());
    v1::PlanSummary summary;
    RETURN_IF_ERROR(GetPlanSummary(summary_request, actor, &summary));
    out->set_content(html ? WritePlanDashboardHtml(summary, today)
                          : WritePlanSummaryCsv(summary));
  }
  out->set_content_type(html ? "text/html; charset=utf-8"
                             : "text/csv; charset=utf-8");
  out->set_filename(absl::StrCat(slug, "-summary", html ? ".html" : ".csv"));
  return absl::OkStatus();
}

absl::Status PlanReports::ReadChangeLog(
    const v1::ReadChangeLogRequest& request, const Actor& actor,
    absl::FunctionRef<bool(const v1::ChangeLogChunk&)> send) const {
  RETURN_IF_ERROR(CheckChangeLogPlan(request.plan()));
  std::unique_ptr<ReadView> view = resources_->NewReadView(actor);
  if (!request.plan().empty()) {
    RETURN_IF_ERROR(CheckRead(actor, *view, request.plan()));
  }
  // What the caller may not read is sent as its hash only, which is all the
  // chain needs.
  const std::unique_ptr<ReadableCache> readable =
      resources_->NewReadableCache(actor);
  ASSIGN_OR_RETURN(const ChainBound anchor,
                   view->GetChainBound(kMetaChainAnchor));
  ASSIGN_OR_RETURN(const ChainBound head, view->GetChainBound(kMetaChainHead));
  v1::ChangeLogChunk chunk;
  chunk.set_anchor_sequence(anchor.sequence);
  chunk.set_anchor_hash(anchor.hash);
  bool gone = false;
  absl::Status failure = absl::OkStatus();
  const auto visit = [&](absl::string_view key, absl::string_view value) {
    v1::ChangeLogEntry* entry = chunk.add_entries();
    entry->set_sequence(DecodeSequenceKey(key));
    failure = SetEntry(value, request.plan(), readable.get(), *view, entry);
    if (!failure.ok()) return false;
    if (chunk.entries_size() < kChangeLogChunkEntries) return true;
    gone = !send(chunk);
    chunk.Clear();
    return !gone;
  };
  RETURN_IF_ERROR(
      view->Scan(Cf::kChanges, "", SequenceKey(anchor.sequence), visit));
  RETURN_IF_ERROR(failure);
  if (gone) return absl::CancelledError("the client went away");
  chunk.set_head_sequence(head.sequence);
  chunk.set_head_hash(head.hash);
  chunk.set_last(true);
  if (!send(chunk)) return absl::CancelledError("the client went away");
  return absl::OkStatus();
}

}  // namespace plan
