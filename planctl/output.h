// How planctl shows what it has to say: aligned tables and `field: value`
// lines for people, JSON (proto3 JSON mapping) for scripts. Output writes
// everything a command says; the Render functions make its text.
#ifndef PLANCTL_OUTPUT_H_
#define PLANCTL_OUTPUT_H_

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "prevent/plan/v1/admin_service.pb.h"
#include "prevent/plan/v1/agent_service.pb.h"
#include "prevent/plan/v1/plan_service.pb.h"
#include "prevent/plan/v1/report_service.pb.h"
#include "prevent/plan/v1/resources.pb.h"

namespace planctl {

// The one writer of planctl's output: answers on one stream (stdout),
// notes and errors on another (stderr), answers in the format chosen once
// (tables and lines for people, or JSON). It writes each call's text at
// once and adds no separators of its own.
class Output {
 public:
  enum class Format { kText, kJson };

  // Both streams must outlive the Output.
  Output(std::ostream& out, std::ostream& err, Format format);

  bool json() const { return format_ == Format::kJson; }

  // One resource: RenderResource.
  void Resource(const google::protobuf::Message& resource);
  // Resources of one type: RenderList. For people, "(none)" on the error
  // stream when there are none.
  void List(
      const std::vector<std::unique_ptr<google::protobuf::Message>>& resources,
      const std::string& list_field);
  // The same, each resource shown to people as `text` writes it, one after
  // another, in place of the table.
  void List(
      const std::vector<std::unique_ptr<google::protobuf::Message>>& resources,
      const std::string& list_field,
      absl::FunctionRef<std::string(const google::protobuf::Message&)> text);
  // An answer: `text()` for people, or `answer` as JSON (ending in one
  // newline, as a resource's does).
  void Answer(const google::protobuf::Message& answer,
              absl::FunctionRef<std::string()> text);
  // `text` as it is, in any format: a file's content, a verdict, help.
  void Text(absl::string_view text);
  // `text` as it is, on the error stream, for people only: nothing in JSON,
  // whose answer carries the same.
  void Note(absl::string_view text);
  // `text` as it is, on the error stream, in any format: what was done
  // besides the answer, such as a file written.
  void Info(absl::string_view text);
  // "planctl: <message>" on the error stream.
  void Error(absl::string_view message);
  // Error(message), then where the usage is explained.
  void UsageError(absl::string_view message);
  // A failed call: "planctl: <CODE>: <message>" on the error stream.
  void Failure(const absl::Status& status);

 private:
  std::ostream& out_;
  std::ostream& err_;
  const Format format_;
};

// Rows of cells as aligned columns, one line per row: each cell but a row's
// last is padded with spaces to its column's widest cell (counted in
// characters, not bytes) and two more.
std::string Table(const std::vector<std::vector<std::string>>& rows);

// One resource: `field: value` lines (empty fields left out), or JSON.
std::string RenderResource(const google::protobuf::Message& resource,
                           bool json);

// A list of resources of one type: a table with the columns that matter for
// that type (long text shortened), or a JSON object {"<field>": [...]}.
std::string RenderList(
    const std::vector<std::unique_ptr<google::protobuf::Message>>& resources,
    const std::string& list_field, bool json);

// Reports for people: counts per strand or district as tables, then the
// overdue actions; and the changes since a date, one line each.
std::string RenderPlanSummary(const prevent::plan::v1::PlanSummary& summary);
std::string RenderCountySummary(
    const prevent::plan::v1::CountySummary& summary);
std::string RenderChanges(
    const prevent::plan::v1::ListChangesResponse& changes);

// Any message as JSON, for responses that are not resources.
std::string RenderUsers(const prevent::plan::v1::ListUsersResponse& users);

// A plan service's status (planctl admin status), one `name  value` line
// each, sizes in KiB, MiB or GiB, and how long ago it started as of `now`.
std::string RenderServiceStatus(const prevent::plan::v1::ServiceStatus& status,
                                absl::Time now);

// The replicas that sync with a plan service as a table, the longest
// unsynced first, with how long ago each synced as of `now`.
std::string RenderReplicas(
    const prevent::plan::v1::ListReplicasResponse& replicas, absl::Time now);
std::string RenderJson(const google::protobuf::Message& message);

// A time as "2024-03-31T12:00:00Z", or "-" when unset (zero).
std::string TimeText(const google::protobuf::Timestamp& time);

// One conflict for people: its name, state, target and field, then each
// candidate with the index `conflicts resolve --candidate` takes (the one
// applied meanwhile marked), then the resolution once resolved.
std::string RenderConflict(const prevent::plan::v1::Conflict& conflict);

// What a sync moved, and how a sync agent's replication stands (its lag is
// the service's sequence less its cursor), as `label  value` lines.
std::string RenderSync(const prevent::plan::v1::SyncNowResponse& moved);
std::string RenderSyncStatus(const prevent::plan::v1::SyncStatus& state);

// An import for people: a line of counts ("Created in ..." or "Would
// create in ..."), then, for a dry run, the activities as a table.
std::string RenderImport(const prevent::plan::v1::ImportPlanResponse& result);
// The importer's notes on `file`, one line each ("FILE:LINE: note: ..."),
// then how many more there were than the answer holds.
std::string RenderImportNotes(
    absl::string_view file,
    const prevent::plan::v1::ImportPlanResponse& result);

// A backup, in one line.
std::string RenderBackup(const prevent::plan::v1::BackupResponse& backup);

}  // namespace planctl

#endif  // PLANCTL_OUTPUT_H_
