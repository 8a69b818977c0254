#include "planctl/output.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "libplan/util/uk_time.h"
#include "prevent/plan/v1/resources.pb.h"

namespace planctl {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
namespace v1 = prevent::plan::v1;

constexpr size_t kMaxCellChars = 60;

// Characters (code points) in UTF-8 text.
size_t Width(absl::string_view text) {
  size_t chars = 0;
  for (char c : text) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return chars;
}

// `text` on one line, cut to `max` characters with an ellipsis.
std::string Cell(absl::string_view text, size_t max = kMaxCellChars) {
  std::string line =
      absl::StrReplaceAll(text, {{"\r", ""}, {"\n", " "}, {"\t", " "}});
  if (Width(line) <= max) return line;
  size_t bytes = 0;
  for (size_t chars = 0; bytes < line.size() && chars < max - 1; ++chars) {
    ++bytes;
    while (bytes < line.size() &&
           (static_cast<unsigned char>(line[bytes]) & 0xC0) == 0x80) {
      ++bytes;
    }
  }
  return line.substr(0, bytes) + "…";
}

std::string FormatTimestamp(const Message& message) {
  const auto& ts = static_cast<const google::protobuf::Timestamp&>(message);
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                          absl::FromUnixSeconds(ts.seconds()),
                          absl::UTCTimeZone());
}

// The value of `field` as text (repeated values joined by ", ").
std::string ValueText(const Message& message, const FieldDescriptor& field) {
  const auto* reflection = message.GetReflection();
  const auto one = [&](int index) -> std::string {
    switch (field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        return index < 0
                   ? reflection->GetString(message, &field)
                   : reflection->GetRepeatedString(message, &field, index);
      case FieldDescriptor::CPPTYPE_ENUM:
        return index < 0 ? reflection->GetEnum(message, &field)->name()
                         : reflection->GetRepeatedEnum(message, &field, index)
                               ->name();
      case FieldDescriptor::CPPTYPE_BOOL:
        return reflection->GetBool(message, &field) ? "true" : "false";
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        const Message& nested = reflection->GetMessage(message, &field);
        if (field.message_type() == google::protobuf::Timestamp::descriptor()) {
          return FormatTimestamp(nested);
        }
        std::vector<std::string> parts;
        const auto* descriptor = nested.GetDescriptor();
        for (int i = 0; i < descriptor->field_count(); ++i) {
          const FieldDescriptor* f = descriptor->field(i);
          if (!nested.GetReflection()->HasField(nested, f)) continue;
          parts.push_back(absl::StrCat(f->name(), "=", ValueText(nested, *f)));
        }
        return absl::StrJoin(parts, " ");
      }
      default:
        return "";
    }
  };
  if (!field.is_repeated()) return one(-1);
  std::vector<std::string> values;
  for (int i = 0; i < reflection->FieldSize(message, &field); ++i) {
    values.push_back(one(i));
  }
  return absl::StrJoin(values, ", ");
}

std::string Field(const Message& message, absl::string_view name) {
  const FieldDescriptor* field =
      message.GetDescriptor()->FindFieldByName(std::string(name));
  if (field == nullptr) return "";
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
      !message.GetReflection()->HasField(message, field)) {
    return "";
  }
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM &&
      !field->is_repeated() &&
      message.GetReflection()->GetEnumValue(message, field) == 0) {
    return "";
  }
  return ValueText(message, *field);
}

// The columns shown for each resource type.
std::vector<std::string> ColumnsFor(const google::protobuf::Descriptor& type) {
  const std::string& name = type.name();
  if (name == "Organisation") return {"name", "display_name", "kind"};
  if (name == "Plan") return {"name", "title", "level", "period"};
  if (name == "Strand") return {"name", "title", "position"};
  if (name == "Activity") return {"name", "title", "lead_organisations"};
  if (name == "Action") return {"name", "rag", "timescale", "description"};
  if (name == "ProgressUpdate") {
    return {"name", "report_time", "organisation", "rag", "note"};
  }
  if (name == "Member") return {"name", "role"};
  return {"name"};
}

std::string ColumnValue(const Message& message, const std::string& column) {
  if (column == "period") {
    const std::string start = Field(message, "period_start");
    const std::string end = Field(message, "period_end");
    return start.empty() && end.empty() ? "" : absl::StrCat(start, "..", end);
  }
  if (column == "timescale") {
    const FieldDescriptor* field =
        message.GetDescriptor()->FindFieldByName("timescale");
    const auto& timescale = static_cast<const prevent::plan::v1::Timescale&>(
        message.GetReflection()->GetMessage(message, field));
    return timescale.text();
  }
  std::string value = Field(message, column);
  if (column == "name" && !Field(message, "delete_time").empty()) {
    absl::StrAppend(&value, " (deleted)");
  }
  return value;
}

}  // namespace

std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], Width(row[i]));
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&line, row[i]);
      if (i + 1 < row.size()) line.append(widths[i] - Width(row[i]) + 2, ' ');
    }
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::string RenderJson(const Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

std::string RenderResource(const Message& resource, bool json) {
  if (json) return RenderJson(resource);
  std::string out;
  const auto* descriptor = resource.GetDescriptor();
  size_t width = 0;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    width = std::max(width, descriptor->field(i)->name().size());
  }
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    const std::string value = Field(resource, field->name());
    if (value.empty()) continue;
    absl::StrAppend(&out, field->name(), ":",
                    std::string(width + 2 - field->name().size(), ' '), value,
                    "\n");
  }
  return out;
}

std::string RenderList(const std::vector<std::unique_ptr<Message>>& resources,
                       const std::string& list_field, bool json) {
  if (json) {
    std::vector<std::string> items;
    for (const auto& resource : resources)
      items.push_back(RenderJson(*resource));
    return absl::StrCat("{\"", list_field, "\": [", absl::StrJoin(items, ","),
                        "]}\n");
  }
  if (resources.empty()) return "";
  const std::vector<std::string> columns =
      ColumnsFor(*resources.front()->GetDescriptor());
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header;
  for (const std::string& column : columns) {
    header.push_back(absl::AsciiStrToUpper(column));
  }
  rows.push_back(header);
  for (const auto& resource : resources) {
    std::vector<std::string> row;
    for (const std::string& column : columns) {
      // A name is never cut: it is what people paste into the next command.
      row.push_back(Cell(ColumnValue(*resource, column),
                         column == "name" ? std::numeric_limits<size_t>::max()
                                          : kMaxCellChars));
    }
    rows.push_back(std::move(row));
  }
  return Table(rows);
}

namespace {

std::vector<std::string> CountsRow(std::string label,
                                   const prevent::plan::v1::RagCounts& c) {
  return {std::move(label),          absl::StrCat(c.red()),
          absl::StrCat(c.amber()),   absl::StrCat(c.green()),
          absl::StrCat(c.blue()),    absl::StrCat(c.unset()),
          absl::StrCat(c.overdue()), absl::StrCat(c.total())};
}

const std::vector<std::string> kCountsHeader = {
    "", "RED", "AMBER", "GREEN", "COMPLETE", "NOT SET", "OVERDUE", "TOTAL"};

std::string OverdueTable(
    const google::protobuf::RepeatedPtrField<prevent::plan::v1::OverdueAction>&
        overdue) {
  if (overdue.empty()) return "No overdue actions.\n";
  std::vector<std::vector<std::string>> rows = {
      {"OVERDUE ACTION", "ACTIVITY", "ENDS", "RAG"}};
  for (const auto& action : overdue) {
    rows.push_back({Cell(action.description()),
                    Cell(action.activity_title(), 40), action.timescale().end(),
                    action.rag() == prevent::plan::v1::RAG_UNSPECIFIED
                        ? "not set"
                        : prevent::plan::v1::Rag_Name(action.rag())});
  }
  return Table(rows);
}

}  // namespace

std::string RenderPlanSummary(const prevent::plan::v1::PlanSummary& summary) {
  std::vector<std::vector<std::string>> rows = {kCountsHeader};
  for (const auto& strand : summary.strands()) {
    rows.push_back(CountsRow(strand.title(), strand.counts()));
  }
  rows.push_back(CountsRow("All strands", summary.totals()));
  return absl::StrCat(summary.title(), "\n\n", Table(rows), "\n",
                      OverdueTable(summary.overdue()));
}

std::string RenderCountySummary(
    const prevent::plan::v1::CountySummary& summary) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"DISTRICT"};
  for (const std::string& title : summary.strand_titles()) {
    header.push_back(absl::AsciiStrToUpper(title));
  }
  header.push_back("TOTAL (R/A/G/C)");
  rows.push_back(header);
  const auto cell = [](const prevent::plan::v1::RagCounts& c) {
    return absl::StrCat(
        c.red(), "/", c.amber(), "/", c.green(), "/", c.blue(),
        c.overdue() > 0 ? absl::StrCat(" (", c.overdue(), " late)") : "");
  };
  for (const auto& district : summary.districts()) {
    std::vector<std::string> row = {district.title()};
    for (const auto& counts : district.strands()) row.push_back(cell(counts));
    row.push_back(cell(district.totals()));
    rows.push_back(row);
  }
  return absl::StrCat(
      summary.title(),
      "\n\nRAG counts red/amber/green/complete by district and strand:\n",
      Table(rows), "\n", OverdueTable(summary.overdue()));
}

std::string RenderChanges(
    const prevent::plan::v1::ListChangesResponse& changes) {
  if (changes.changes().empty()) return "No changes.\n";
  std::vector<std::vector<std::string>> rows = {
      {"TIME", "ORGANISATION", "CHANGE", "RESOURCE", "FIELD", "FROM", "TO"}};
  for (const auto& change : changes.changes()) {
    rows.push_back(
        {plan::UkTimeLabel(absl::FromUnixSeconds(change.time().seconds())),
         change.organisation(), change.operation(), Cell(change.target(), 70),
         change.field(), Cell(change.old_value(), 30),
         Cell(change.new_value(), 30)});
  }
  return Table(rows);
}

std::string TimeText(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "-";
  return plan::UkTimeLabel(absl::FromUnixSeconds(time.seconds()));
}

std::string RenderConflict(const v1::Conflict& conflict) {
  std::string out = absl::StrCat(
      conflict.name(), "  ", v1::Conflict::State_Name(conflict.state()), "  ",
      conflict.target(), "  ", conflict.field(), "\n");
  size_t width = 0;
  for (const auto& candidate : conflict.candidates()) {
    width = std::max(width, candidate.display_value().size());
  }
  for (int i = 0; i < conflict.candidates_size(); ++i) {
    const auto& candidate = conflict.candidates(i);
    std::string value = candidate.display_value();
    value.resize(width, ' ');
    absl::StrAppend(&out, "  [", i, "] ", value, "  ", candidate.organisation(),
                    "  ", TimeText(candidate.edit_time()));
    if (conflict.state() == v1::Conflict::OPEN &&
        i == conflict.provisional_winner()) {
      absl::StrAppend(&out, "  (applied meanwhile)");
    }
    absl::StrAppend(&out, "\n");
  }
  if (conflict.state() == v1::Conflict::RESOLVED) {
    absl::StrAppend(&out, "  resolved: ", conflict.resolution().display_value(),
                    "  ", conflict.resolution().organisation(), "  ",
                    TimeText(conflict.resolution().edit_time()), "\n");
  }
  return out;
}

namespace {

// `label` padded to a column, then `value`.
std::string Line(absl::string_view label, absl::string_view value) {
  std::string line(label);
  line.resize(std::max<size_t>(line.size() + 2, 18), ' ');
  return absl::StrCat(line, value, "\n");
}

}  // namespace

std::string RenderSync(const v1::SyncNowResponse& moved) {
  return absl::StrCat(
      Line("pushed",
           absl::StrCat(moved.pushed(), " (applied ", moved.applied(),
                        ", merged ", moved.merged(), ", conflicts ",
                        moved.conflicts(), ", rejected ", moved.rejected(),
                        ", duplicates ", moved.duplicates(), ")")),
      Line("pulled", absl::StrCat(moved.pulled())),
      Line("snapshot", moved.snapshot() ? "yes" : "no"),
      Line("cursor", absl::StrCat(moved.cursor())));
}

std::string RenderSyncStatus(const v1::SyncStatus& state) {
  const uint64_t lag = state.service_sequence() > state.cursor()
                           ? state.service_sequence() - state.cursor()
                           : 0;
  std::string out = absl::StrCat(
      Line("organisation", state.organisation()),
      Line("plans", absl::StrJoin(state.plans(), ", ")),
      Line("server", state.server()), Line("replica", state.replica_id()),
      Line("schedule", state.schedule()),
      Line("next sync", TimeText(state.next_sync())),
      Line("last success", TimeText(state.last_success())),
      Line("last attempt", TimeText(state.last_attempt())),
      Line("last error", state.last_error().empty() ? "-" : state.last_error()),
      Line("pending changes", absl::StrCat(state.pending_changes())));
  absl::StrAppend(
      &out,
      Line("cursor",
           absl::StrCat(state.cursor(), " (service ", state.service_sequence(),
                        ", lag ", lag, ")")),
      Line("open conflicts", absl::StrCat(state.open_conflicts())),
      Line("clock offset", absl::StrCat(state.clock_offset_ms(), " ms")));
  if (state.has_last_store_recovery()) {
    const v1::StoreRecovery& recovery = state.last_store_recovery();
    absl::StrAppend(
        &out, Line("store went back",
                   absl::StrCat(TimeText(recovery.time()), ": epoch ",
                                recovery.old_epoch(), " -> ",
                                recovery.new_epoch(), ", ", recovery.repushed(),
                                " accepted edits pushed again")));
  }
  if (state.rejected_size() > 0) absl::StrAppend(&out, "rejected changes:\n");
  for (const auto& rejected : state.rejected()) {
    absl::StrAppend(&out, "  ", TimeText(rejected.time()), "  ",
                    rejected.target(), "  ", rejected.reason(), "\n");
  }
  return out;
}

std::string RenderImport(const v1::ImportPlanResponse& result) {
  std::string out = absl::StrCat(
      result.validate_only() ? "Would create" : "Created", " in ",
      result.plan().name(), ": ", result.organisation_count(),
      " organisations, ", result.strand_count(), " strands, ",
      result.activity_count(), " activities, ", result.action_count(),
      " actions (", result.warning_count(), " notes)\n");
  if (!result.validate_only()) return out;
  std::vector<std::unique_ptr<Message>> activities;
  for (const auto& activity : result.activities()) {
    activities.push_back(std::make_unique<v1::Activity>(activity));
  }
  absl::StrAppend(&out, RenderList(activities, "activities", false));
  return out;
}

std::string RenderImportNotes(absl::string_view file,
                              const v1::ImportPlanResponse& result) {
  std::string out;
  for (const auto& warning : result.warnings()) {
    absl::StrAppend(&out, file, ":", warning.line(),
                    ": note: ", warning.message(), "\n");
  }
  if (result.warnings_size() < result.warning_count()) {
    absl::StrAppend(&out, file, ": and ",
                    result.warning_count() - result.warnings_size(),
                    " more notes\n");
  }
  return out;
}

std::string RenderBackup(const v1::BackupResponse& backup) {
  return absl::StrCat("Backup ", backup.backup_id(), " in ", backup.directory(),
                      ": every change up to ", backup.sequence(), ", ",
                      backup.files(), " files, ", backup.bytes(),
                      " bytes (epoch ", backup.epoch(), ")\n");
}

std::string RenderUsers(const v1::ListUsersResponse& users) {
  if (users.users().empty()) return "(no accounts)\n";
  std::string text = absl::StrCat(
      absl::StrFormat("%-40s %-50s %s\n", "USER", "ORGANISATION", "SINCE"));
  for (const v1::User& user : users.users()) {
    absl::StrAppend(
        &text,
        absl::StrFormat("%-40s %-50s %s\n", user.user(), user.organisation(),
                        plan::UkTimeLabel(absl::FromUnixSeconds(
                            user.create_time().seconds()))));
  }
  return text;
}

namespace {

// How long `span` is, to the two largest units: "3d 4h", "2h 5m", "40s".
std::string Age(absl::Duration span) {
  const int64_t seconds = std::max<int64_t>(absl::ToInt64Seconds(span), 0);
  const int64_t days = seconds / 86400, hours = seconds % 86400 / 3600,
                minutes = seconds % 3600 / 60;
  if (days > 0) return absl::StrCat(days, "d ", hours, "h");
  if (hours > 0) return absl::StrCat(hours, "h ", minutes, "m");
  if (minutes > 0) return absl::StrCat(minutes, "m ", seconds % 60, "s");
  return absl::StrCat(seconds, "s");
}

// `bytes` for people: "512 B", "1.5 KiB", "12.3 MiB", "80.1 GiB".
std::string Bytes(uint64_t bytes) {
  if (bytes < 1024) return absl::StrCat(bytes, " B");
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  return absl::StrFormat("%.1f %s", value, units[unit]);
}

}  // namespace

std::string RenderServiceStatus(const v1::ServiceStatus& status,
                                absl::Time now) {
  const absl::Time started =
      absl::FromUnixSeconds(status.start_time().seconds());
  return Table({
      {"version", status.version()},
      {"health", status.health()},
      {"started", absl::StrCat(plan::UkTimeLabel(started), " (",
                               Age(now - started), " ago)")},
      {"replica", status.replica_id()},
      {"epoch", status.epoch()},
      {"sequence", absl::StrCat(status.sequence())},
      {"horizon",
       status.horizon() == 0
           ? std::string("0 (the whole change log is kept)")
           : absl::StrCat(status.horizon(), " (changes up to it are trimmed)")},
      {"tables", Bytes(status.table_bytes())},
      {"wal", Bytes(status.wal_bytes())},
      {"memtables", Bytes(status.memtable_bytes())},
      {"keys", absl::StrCat("about ", status.estimated_keys())},
      {"free", Bytes(status.free_bytes())},
  });
}

std::string RenderReplicas(const v1::ListReplicasResponse& replicas,
                           absl::Time now) {
  if (replicas.replicas().empty()) return "(no replica has synced yet)\n";
  std::vector<std::vector<std::string>> rows = {
      {"ORGANISATION", "REPLICA", "LAST SYNC", "LAG", "BEHIND BY", "AGENT",
       "LAST ERROR"}};
  for (const v1::Replica& replica : replicas.replicas()) {
    const std::string synced =
        replica.has_last_sync_time()
            ? absl::StrCat(Age(now - absl::FromUnixSeconds(
                                         replica.last_sync_time().seconds())),
                           " ago")
            : "never";
    const std::string behind = replica.lag_changes() == 0 ? "-"
                               : replica.has_lag()
                                   ? Age(absl::Seconds(replica.lag().seconds()))
                                   : "?";  // its first change is trimmed
    std::string error = "-";
    if (!replica.last_error().empty()) {
      // On one line and bounded; the whole text is in --json.
      error = absl::StrCat(
          Cell(replica.last_error()), " (",
          Age(now - absl::FromUnixSeconds(replica.last_error_time().seconds())),
          " ago)");
    }
    rows.push_back(
        {replica.organisation(), replica.replica_id(), synced,
         absl::StrCat(replica.lag_changes()), behind,
         replica.agent_version().empty() ? "-" : Cell(replica.agent_version()),
         error});
  }
  return absl::StrCat(Table(rows), "log sequence ", replicas.sequence(), "\n");
}

Output::Output(std::ostream& out, std::ostream& err, Format format)
    : out_(out), err_(err), format_(format) {}

void Output::Resource(const Message& resource) {
  out_ << RenderResource(resource, json());
}

void Output::List(const std::vector<std::unique_ptr<Message>>& resources,
                  const std::string& list_field) {
  out_ << RenderList(resources, list_field, json());
  if (resources.empty()) Note("(none)\n");
}

void Output::List(const std::vector<std::unique_ptr<Message>>& resources,
                  const std::string& list_field,
                  absl::FunctionRef<std::string(const Message&)> text) {
  if (json()) {
    out_ << RenderList(resources, list_field, true);
    return;
  }
  for (const auto& resource : resources) out_ << text(*resource);
  if (resources.empty()) Note("(none)\n");
}

void Output::Answer(const Message& answer,
                    absl::FunctionRef<std::string()> text) {
  if (json()) {
    out_ << RenderJson(answer);
  } else {
    out_ << text();
  }
}

void Output::Text(absl::string_view text) { out_ << text; }

void Output::Note(absl::string_view text) {
  if (!json()) err_ << text;
}

void Output::Info(absl::string_view text) { err_ << text; }

void Output::Error(absl::string_view message) {
  err_ << "planctl: " << message << "\n";
}

void Output::UsageError(absl::string_view message) {
  Error(message);
  err_ << "(planctl help for usage)\n";
}

void Output::Failure(const absl::Status& status) {
  Error(absl::StrCat(absl::StatusCodeToString(status.code()), ": ",
                     status.message()));
}

}  // namespace planctl
