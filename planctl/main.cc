// planctl: the command line for people and scripts. It talks to a plan
// service or a sync agent (the same PlanService API).
//
// Exit codes: 0 done; 2 usage error (nothing sent); 3 refused by the server
// (invalid, not found, conflict, ...); 4 server unreachable or too slow;
// 1 anything else.
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "libplan/model/change_chain.h"
#include "libplan/model/fields.h"
#include "libplan/model/names.h"
#include "libplan/transport/credentials.h"
#include "libplan/util/version.h"
#include "planctl/client.h"
#include "planctl/fields.h"
#include "planctl/options.h"
#include "planctl/output.h"
#include "prevent/plan/v1/admin_service.pb.h"
#include "prevent/plan/v1/agent_service.grpc.pb.h"
#include "prevent/plan/v1/plan_service.pb.h"

namespace planctl {
namespace {

using google::protobuf::Message;
namespace v1 = prevent::plan::v1;

enum ExitCode {
  kOk = 0,
  kFailure = 1,
  kUsage = 2,
  kRefused = 3,
  kUnreachable = 4
};

class Cli;

// One command of planctl: what `help` shows, and what runs it.
struct Command {
  const char* name;
  const char* synopsis;
  const char* help;
  // Runs it with the arguments after its name; returns the exit code.
  int (Cli::*run)(const std::vector<std::string>& args);
};

// The command named `name`, or null.
const Command* FindCommand(absl::string_view name);

std::string Usage();

// A line of stdin, without echoing it when stdin is a terminal.
std::optional<std::string> ReadSecretLine(bool terminal) {
  termios saved{};
  if (terminal && tcgetattr(STDIN_FILENO, &saved) == 0) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  const bool read = static_cast<bool>(std::getline(std::cin, line));
  if (terminal) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << "\n";
  }
  if (!read) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// The new password of `user`: asked for twice at a terminal, else the first
// line of stdin (never a flag, which other users of the machine could see).
absl::StatusOr<std::string> ReadPassword(const std::string& user) {
  const bool terminal = isatty(STDIN_FILENO) != 0;
  if (terminal) std::cerr << "Password for " << user << ": " << std::flush;
  std::optional<std::string> password = ReadSecretLine(terminal);
  if (!password.has_value() || password->empty()) {
    return absl::InvalidArgumentError(
        "give the password on stdin (or type it at the terminal)");
  }
  if (terminal) {
    std::cerr << "Again: " << std::flush;
    if (ReadSecretLine(terminal) != password) {
      return absl::InvalidArgumentError("the two passwords differ");
    }
  }
  return *std::move(password);
}

// The exit code of a call that failed with `status`.
int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return kUnreachable;
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      return kFailure;
    default:
      return kRefused;
  }
}

// The message type name of a kind: "Action", "ProgressUpdate".
std::string TypeName(plan::Kind kind) {
  return plan::InfoOf(kind).descriptor->name();
}

// The plural used in method names: "Activities", "ProgressUpdates".
std::string Plural(plan::Kind kind) {
  const std::string type = TypeName(kind);
  if (absl::EndsWith(type, "y")) {
    return absl::StrCat(type.substr(0, type.size() - 1), "ies");
  }
  return absl::StrCat(type, "s");
}

void SetString(Message* message, absl::string_view field,
               const std::string& value) {
  message->GetReflection()->SetString(
      message, message->GetDescriptor()->FindFieldByName(std::string(field)),
      value);
}

Message* Mutable(Message* message, absl::string_view field) {
  return message->GetReflection()->MutableMessage(
      message, message->GetDescriptor()->FindFieldByName(std::string(field)));
}

// (parent, position, name) of a resource, for listing in document order.
std::tuple<std::string, std::string, std::string> SortKey(const Message& m) {
  const auto* type = m.GetDescriptor();
  const auto* reflection = m.GetReflection();
  const std::string name =
      reflection->GetString(m, type->FindFieldByName("name"));
  const auto* position = type->FindFieldByName("position");
  return {name.substr(0, name.rfind('/', name.rfind('/') - 1)),
          position == nullptr ? "" : reflection->GetString(m, position), name};
}

// Sets FIELD=VALUE words on `resource`, collecting the top-level field
// names into `mask`.
absl::Status ApplyAssignments(const std::vector<std::string>& words,
                              Message* resource,
                              std::vector<std::string>* mask) {
  for (const std::string& word : words) {
    const size_t eq = word.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"", word,
          "\" is not FIELD=VALUE; fields: ", SettableFields(*resource)));
    }
    const std::string path = word.substr(0, eq);
    absl::Status set = SetField(resource, path, word.substr(eq + 1));
    if (!set.ok()) return set;
    const std::string top = path.substr(0, path.find('.'));
    if (std::find(mask->begin(), mask->end(), top) == mask->end()) {
      mask->push_back(top);
    }
  }
  return absl::OkStatus();
}

// The status of a call to the agent, as PlanClient reports its calls.
absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

class Cli {
 public:
  // `out` writes everything the commands say; all must outlive the Cli.
  Cli(PlanClient* client, v1::AgentService::StubInterface* agent,
      const Options& options, Output* out)
      : client_(client), agent_(agent), options_(options), out_(out) {}

  // Every command, in the order help lists them.
  static absl::Span<const Command> Commands();

  int Run(const std::vector<std::string>& args) {
    const Command* command = FindCommand(args[0]);
    if (command == nullptr) {
      return UsageError(absl::StrCat("unknown command \"", args[0], "\""));
    }
    return (this->*command->run)({args.begin() + 1, args.end()});
  }

 private:
  int UsageError(absl::string_view message) {
    out_->UsageError(message);
    return kUsage;
  }

  int Failed(const absl::Status& status) {
    out_->Failure(status);
    return ExitCodeFor(status);
  }

  int Print(const Message& resource) {
    out_->Resource(resource);
    return kOk;
  }

  absl::StatusOr<plan::ResourceName> NameArg(
      const std::vector<std::string>& args, absl::string_view command) {
    if (args.size() != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(command, " takes one resource name"));
    }
    return plan::ResourceName::Parse(args[0]);
  }

  int Get(const std::vector<std::string>& args) {
    absl::StatusOr<plan::ResourceName> name = NameArg(args, "get");
    if (!name.ok()) return UsageError(name.status().message());
    if (name->kind() == plan::Kind::kProgressUpdate) {
      return UsageError("progress updates are listed, not fetched one by one");
    }
    const std::string method = absl::StrCat("Get", TypeName(name->kind()));
    std::unique_ptr<Message> request = client_->NewRequest(method);
    SetString(request.get(), "name", name->str());
    absl::StatusOr<std::unique_ptr<Message>> response =
        client_->Call(method, *request);
    if (!response.ok()) return Failed(response.status());
    return Print(**response);
  }

  // Splits "plans/p/activities" into its kind and parent.
  absl::StatusOr<std::pair<plan::Kind, std::string>> ParseCollection(
      absl::string_view text) {
    const size_t slash = text.rfind('/');
    const absl::string_view collection =
        slash == absl::string_view::npos ? text : text.substr(slash + 1);
    const std::string parent = slash == absl::string_view::npos
                                   ? ""
                                   : std::string(text.substr(0, slash));
    for (plan::Kind kind : plan::kAllKinds) {
      if (plan::InfoOf(kind).collections.back() != collection) continue;
      absl::StatusOr<plan::ListParent> checked =
          plan::ParseListParent(kind, parent);
      if (!checked.ok()) return checked.status();
      return std::make_pair(kind, parent);
    }
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text,
                     "\" is not a collection (organisations, plans, "
                     "plans/P/strands, plans/P/activities, "
                     "plans/P/activities/A/actions, .../actions/X/updates)"));
  }

  int List(const std::vector<std::string>& args) {
    if (args.size() != 1) return UsageError("list takes one collection");
    absl::StatusOr<std::pair<plan::Kind, std::string>> collection =
        ParseCollection(args[0]);
    if (!collection.ok()) {
      return UsageError(collection.status().message());
    }
    const auto [kind, parent] = *collection;
    const std::string method = absl::StrCat("List", Plural(kind));
    std::unique_ptr<Message> request = client_->NewRequest(method);
    const auto* type = request->GetDescriptor();
    const auto* reflection = request->GetReflection();
    if (!parent.empty()) SetString(request.get(), "parent", parent);
    SetString(request.get(), "filter", options_.filter);
    reflection->SetInt32(request.get(), type->FindFieldByName("page_size"),
                         options_.page_size);
    reflection->SetBool(request.get(), type->FindFieldByName("show_deleted"),
                        options_.show_deleted);
    std::vector<std::unique_ptr<Message>> items;
    std::string list_field;
    do {
      absl::StatusOr<std::unique_ptr<Message>> response =
          client_->Call(method, *request);
      if (!response.ok()) return Failed(response.status());
      const auto* response_type = (*response)->GetDescriptor();
      const auto* list = response_type->field(0);
      list_field = list->name();
      const auto* response_reflection = (*response)->GetReflection();
      for (int i = 0; i < response_reflection->FieldSize(**response, list);
           ++i) {
        const Message& item =
            response_reflection->GetRepeatedMessage(**response, list, i);
        items.emplace_back(item.New())->CopyFrom(item);
      }
      SetString(
          request.get(), "page_token",
          response_reflection->GetString(
              **response, response_type->FindFieldByName("next_page_token")));
    } while (
        !reflection->GetString(*request, type->FindFieldByName("page_token"))
             .empty());
    // Document order: by parent, then position, then name.
    std::stable_sort(items.begin(), items.end(),
                     [](const std::unique_ptr<Message>& a,
                        const std::unique_ptr<Message>& b) {
                       return SortKey(*a) < SortKey(*b);
                     });
    out_->List(items, list_field);
    return kOk;
  }

  int Create(const std::vector<std::string>& args) {
    if (args.empty())
      return UsageError("create takes a name and FIELD=VALUE words");
    // NAME (with the id) or COLLECTION (the server picks the id).
    std::string id;
    plan::Kind kind;
    std::string parent;
    if (absl::StatusOr<plan::ResourceName> name =
            plan::ResourceName::Parse(args[0]);
        name.ok()) {
      kind = name->kind();
      id = std::string(name->id());
      if (std::optional<plan::ResourceName> p = name->Parent())
        parent = p->str();
    } else {
      absl::StatusOr<std::pair<plan::Kind, std::string>> collection =
          ParseCollection(args[0]);
      if (!collection.ok()) {
        return UsageError(absl::StrCat("\"", args[0],
                                       "\" is neither a resource name nor a "
                                       "collection"));
      }
      std::tie(kind, parent) = *collection;
    }
    const plan::KindInfo& info = plan::InfoOf(kind);
    const std::string method = absl::StrCat("Create", TypeName(kind));
    std::unique_ptr<Message> request = client_->NewRequest(method);
    if (info.parent.has_value()) SetString(request.get(), "parent", parent);
    SetString(request.get(), absl::StrCat(info.field, "_id"), id);
    std::vector<std::string> mask;
    absl::Status applied =
        ApplyAssignments({args.begin() + 1, args.end()},
                         Mutable(request.get(), info.field), &mask);
    if (!applied.ok()) return UsageError(applied.message());
    absl::StatusOr<std::unique_ptr<Message>> response =
        client_->Call(method, *request);
    if (!response.ok()) return Failed(response.status());
    return Print(**response);
  }

  int Set(const std::vector<std::string>& args) {
    if (args.size() < 2)
      return UsageError("set takes a name and FIELD=VALUE words");
    absl::StatusOr<plan::ResourceName> name =
        plan::ResourceName::Parse(args[0]);
    if (!name.ok()) return UsageError(name.status().message());
    const plan::KindInfo& info = plan::InfoOf(name->kind());
    if (!info.updatable)
      return UsageError("progress updates cannot be changed");
    const std::string method = absl::StrCat("Update", TypeName(name->kind()));
    std::unique_ptr<Message> request = client_->NewRequest(method);
    Message* resource = Mutable(request.get(), info.field);
    SetString(resource, "name", name->str());
    SetString(resource, "etag", options_.etag);
    std::vector<std::string> mask;
    absl::Status applied =
        ApplyAssignments({args.begin() + 1, args.end()}, resource, &mask);
    if (!applied.ok()) return UsageError(applied.message());
    auto* update_mask = static_cast<google::protobuf::FieldMask*>(
        Mutable(request.get(), "update_mask"));
    for (const std::string& path : mask) update_mask->add_paths(path);
    absl::StatusOr<std::unique_ptr<Message>> response =
        client_->Call(method, *request);
    if (!response.ok()) return Failed(response.status());
    return Print(**response);
  }

  int Delete(const std::vector<std::string>& args) {
    return DeleteOrUndelete("delete", args);
  }
  int Undelete(const std::vector<std::string>& args) {
    return DeleteOrUndelete("undelete", args);
  }

  int DeleteOrUndelete(const std::string& command,
                       const std::vector<std::string>& args) {
    absl::StatusOr<plan::ResourceName> name = NameArg(args, command);
    if (!name.ok()) return UsageError(name.status().message());
    if (!plan::InfoOf(name->kind()).updatable) {
      return UsageError("progress updates cannot be deleted");
    }
    const std::string method = absl::StrCat(
        command == "delete" ? "Delete" : "Undelete", TypeName(name->kind()));
    std::unique_ptr<Message> request = client_->NewRequest(method);
    SetString(request.get(), "name", name->str());
    if (command == "delete") {
      SetString(request.get(), "etag", options_.etag);
    }
    absl::StatusOr<std::unique_ptr<Message>> response =
        client_->Call(method, *request);
    if (!response.ok()) return Failed(response.status());
    return Print(**response);
  }

  int Progress(const std::vector<std::string>& args) {
    absl::StatusOr<plan::ResourceName> name = NameArg(args, "progress");
    if (!name.ok() || name->kind() != plan::Kind::kAction) {
      return UsageError("progress takes the name of an action");
    }
    if (options_.note.empty()) return UsageError("--note is required");
    v1::CreateProgressUpdateRequest request;
    request.set_parent(name->str());
    request.mutable_progress_update()->set_note(options_.note);
    request.mutable_progress_update()->set_rag(options_.rag);
    absl::StatusOr<std::unique_ptr<Message>> response =
        client_->Call("CreateProgressUpdate", request);
    if (!response.ok()) return Failed(response.status());
    return Print(**response);
  }

  // The request to import `file` as `options_.format` (by default, as its
  // name suggests), or a usage error.
  absl::StatusOr<v1::ImportPlanRequest> ImportRequest(
      const std::string& file) const {
    if (options_.plan.empty()) {
      return absl::InvalidArgumentError("--plan=plans/ID is required");
    }
    std::string format = options_.format;
    if (format.empty()) {
      format = absl::EndsWithIgnoreCase(file, ".csv") ? "csv" : "prevent-text";
    }
    v1::ImportPlanRequest request;
    if (format == "csv") {
      request.set_format(v1::CSV);
    } else if (format == "prevent-text") {
      request.set_format(v1::PREVENT_TEXT);
    } else {
      return absl::InvalidArgumentError(
          "--format for import is prevent-text or csv");
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      return absl::InvalidArgumentError(absl::StrCat("cannot read ", file));
    }
    std::ostringstream content;
    content << in.rdbuf();
    request.set_content(content.str());
    request.mutable_plan()->set_name(options_.plan);
    request.mutable_plan()->set_title(options_.title);
    request.set_validate_only(options_.dry_run);
    return request;
  }

  int Import(const std::vector<std::string>& args) {
    if (args.size() != 1) return UsageError("import takes one file");
    absl::StatusOr<v1::ImportPlanRequest> request = ImportRequest(args[0]);
    if (!request.ok()) return UsageError(request.status().message());
    absl::StatusOr<std::unique_ptr<Message>> response =
        client_->Call("ImportPlan", *request);
    if (!response.ok()) return Failed(response.status());
    const auto& result = static_cast<const v1::ImportPlanResponse&>(**response);
    out_->Note(RenderImportNotes(args[0], result));
    out_->Answer(result, [&] { return RenderImport(result); });
    return kOk;
  }

  // Writes `content` to `path`, saying so with `what` (its size and type).
  int WriteFile(const std::string& path, const std::string& content,
                absl::string_view what) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out.flush()) {
      out_->Error(absl::StrCat("cannot write ", path));
      return kFailure;
    }
    out_->Info(absl::StrCat("wrote ", path, " (", what, ")\n"));
    return kOk;
  }

  int Export(const std::vector<std::string>& args) {
    if (args.size() != 1) return UsageError("export takes one plan name");
    v1::ExportPlanRequest request;
    request.set_name(args[0]);
    if (options_.format == "csv") {
      request.set_format(v1::CSV);
    } else if (options_.format == "markdown" || options_.format == "md") {
      request.set_format(v1::MARKDOWN);
    } else if (options_.format == "html") {
      request.set_format(v1::HTML);
    } else {
      return UsageError("--format for export is csv, markdown or html");
    }
    absl::StatusOr<std::unique_ptr<Message>> response =
        client_->Call("ExportPlan", request);
    if (!response.ok()) return Failed(response.status());
    const auto& result = static_cast<const v1::ExportPlanResponse&>(**response);
    if (options_.output.empty()) {
      out_->Text(result.content());
      return kOk;
    }
    return WriteFile(options_.output, result.content(),
                     absl::StrCat(result.content().size(), " bytes, ",
                                  result.content_type()));
  }

  // The summary of `plan` (a county's when `county`), narrowed to --period.
  absl::StatusOr<std::unique_ptr<Message>> Summary(bool county,
                                                   const std::string& plan) {
    if (county) {
      v1::GetCountySummaryRequest request;
      request.set_plan(plan);
      request.set_period_start(options_.period_start);
      request.set_period_end(options_.period_end);
      return client_->CallService(kReportService, "GetCountySummary", request);
    }
    v1::GetPlanSummaryRequest request;
    request.set_plan(plan);
    request.set_period_start(options_.period_start);
    request.set_period_end(options_.period_end);
    return client_->CallService(kReportService, "GetPlanSummary", request);
  }

  // Writes the HTML dashboard of `plan` to --html.
  int WriteDashboard(const std::string& plan) {
    v1::ExportSummaryRequest request;
    request.set_plan(plan);
    request.set_format(v1::HTML);
    request.set_period_start(options_.period_start);
    request.set_period_end(options_.period_end);
    absl::StatusOr<std::unique_ptr<Message>> exported =
        client_->CallService(kReportService, "ExportSummary", request);
    if (!exported.ok()) return Failed(exported.status());
    const auto& result = static_cast<const v1::ExportPlanResponse&>(**exported);
    return WriteFile(options_.html, result.content(),
                     absl::StrCat(result.content().size(), " bytes"));
  }

  int Report(const std::vector<std::string>& args) {
    if (args.size() != 2 || (args[0] != "plan" && args[0] != "county")) {
      return UsageError("report takes plan|county and a plan name");
    }
    const bool county = args[0] == "county";
    absl::StatusOr<std::unique_ptr<Message>> summary = Summary(county, args[1]);
    if (!summary.ok()) return Failed(summary.status());
    out_->Answer(**summary, [&] {
      return county ? RenderCountySummary(
                          static_cast<const v1::CountySummary&>(**summary))
                    : RenderPlanSummary(
                          static_cast<const v1::PlanSummary&>(**summary));
    });
    if (options_.html.empty()) return kOk;
    return WriteDashboard(args[1]);
  }

  int Audit(const std::vector<std::string>& args) {
    if (args.empty() || args[0] != "verify" || args.size() > 2) {
      return UsageError("audit takes one subcommand: verify [PLAN]");
    }
    v1::ReadChangeLogRequest request;
    if (args.size() == 2) request.set_plan(args[1]);
    plan::ChainVerifier verifier;
    const absl::Status read = client_->ReadChangeLog(
        request, [&](const v1::ChangeLogChunk& chunk) { verifier.Add(chunk); });
    if (!read.ok()) return Failed(read);
    const absl::Status verified = verifier.Finish();
    if (!verified.ok()) {
      out_->Text(absl::StrCat("FAILED at sequence ", *verifier.bad_sequence(),
                              ": ", verified.message(), "\n"));
      return kFailure;
    }
    out_->Text(absl::StrCat("OK: ", verifier.entries(), " entries, sequence ",
                            verifier.first_sequence(), " to ",
                            verifier.last_sequence(), ", chained\n"));
    return kOk;
  }

  int Admin(const std::vector<std::string>& args) {
    if (!args.empty() && args[0] == "users") return Users(args);
    if (args.size() == 1 && args[0] == "status") {
      absl::StatusOr<std::unique_ptr<Message>> response = client_->CallService(
          kAdminService, "GetServiceStatus", v1::GetServiceStatusRequest());
      if (!response.ok()) return Failed(response.status());
      const auto& status = static_cast<const v1::ServiceStatus&>(**response);
      out_->Answer(status,
                   [&] { return RenderServiceStatus(status, absl::Now()); });
      return kOk;
    }
    if (args.size() != 1 || args[0] != "backup") {
      return UsageError(
          "admin takes a subcommand: status, backup --to=DIR, or users "
          "add|remove|list");
    }
    if (options_.to.empty()) return UsageError("--to is required");
    v1::BackupRequest request;
    request.set_to(options_.to);
    absl::StatusOr<std::unique_ptr<Message>> response =
        client_->CallService(kAdminService, "Backup", request);
    if (!response.ok()) return Failed(response.status());
    const auto& backup = static_cast<const v1::BackupResponse&>(**response);
    out_->Answer(backup, [&] { return RenderBackup(backup); });
    return kOk;
  }

  // replicas: which replicas sync with the plan service, and how far behind.
  int Replicas(const std::vector<std::string>& args) {
    if (!args.empty()) return UsageError("replicas takes no arguments");
    absl::StatusOr<std::unique_ptr<Message>> response = client_->CallService(
        kAdminService, "ListReplicas", v1::ListReplicasRequest());
    if (!response.ok()) return Failed(response.status());
    const auto& replicas =
        static_cast<const v1::ListReplicasResponse&>(**response);
    out_->Answer(replicas,
                 [&] { return RenderReplicas(replicas, absl::Now()); });
    return kOk;
  }

  // admin users add USER ORGANISATION [--replace] | remove USER | list
  int Users(const std::vector<std::string>& args) {
    const std::string verb = args.size() > 1 ? args[1] : "";
    if (verb == "list" && args.size() == 2) {
      absl::StatusOr<std::unique_ptr<Message>> response = client_->CallService(
          kAdminService, "ListUsers", v1::ListUsersRequest());
      if (!response.ok()) return Failed(response.status());
      const auto& users = static_cast<const v1::ListUsersResponse&>(**response);
      out_->Answer(users, [&] { return RenderUsers(users); });
      return kOk;
    }
    if (verb == "remove" && args.size() == 3) {
      v1::RemoveUserRequest request;
      request.set_user(args[2]);
      absl::StatusOr<std::unique_ptr<Message>> response =
          client_->CallService(kAdminService, "RemoveUser", request);
      if (!response.ok()) return Failed(response.status());
      out_->Text(absl::StrCat("Removed the account of ", args[2], "\n"));
      return kOk;
    }
    if (verb == "add" && args.size() == 4) {
      v1::AddUserRequest request;
      request.set_user(args[2]);
      request.set_organisation(args[3]);
      request.set_replace(options_.replace);
      absl::StatusOr<std::string> password = ReadPassword(args[2]);
      if (!password.ok())
        return UsageError(std::string(password.status().message()));
      request.set_password(*std::move(password));
      absl::StatusOr<std::unique_ptr<Message>> response =
          client_->CallService(kAdminService, "AddUser", request);
      if (!response.ok()) return Failed(response.status());
      const auto& user = static_cast<const v1::User&>(**response);
      out_->Answer(user, [&] {
        return absl::StrCat("Account ", user.user(), " acts for ",
                            user.organisation(), "\n");
      });
      return kOk;
    }
    return UsageError(
        "admin users takes: add USER organisations/ORG [--replace] (the "
        "password on stdin), remove USER, or list");
  }

  int Changes(const std::vector<std::string>& args) {
    if (args.size() != 1) return UsageError("changes takes one plan name");
    if (!options_.since.has_value()) return UsageError("--since is required");
    v1::ListChangesRequest request;
    request.set_plan(args[0]);
    request.mutable_since()->set_seconds(absl::ToUnixSeconds(*options_.since));
    request.set_page_size(1000);
    v1::ListChangesResponse all;
    do {
      absl::StatusOr<std::unique_ptr<Message>> response =
          client_->CallService(kReportService, "ListChanges", request);
      if (!response.ok()) return Failed(response.status());
      const auto& page =
          static_cast<const v1::ListChangesResponse&>(**response);
      for (const auto& change : page.changes()) *all.add_changes() = change;
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    out_->Answer(all, [&] { return RenderChanges(all); });
    return kOk;
  }

  int Health(const std::vector<std::string>& /*args*/) {
    absl::StatusOr<std::string> status = client_->Health();
    if (!status.ok()) return Failed(status.status());
    out_->Text(absl::StrCat(*status, "\n"));
    return *status == "SERVING" ? kOk : kRefused;
  }

  // A context for one call to the agent, with the deadline and the acting
  // organisation of every call.
  std::unique_ptr<grpc::ClientContext> AgentContext() const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
    if (!options_.organisation.empty()) {
      context->AddMetadata("x-prevent-organisation", options_.organisation);
    }
    return context;
  }

  // A failed call to the agent; says so when --server is not one.
  int AgentFailed(const grpc::Status& status) {
    if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
      out_->Error(absl::StrCat(options_.server,
                               " serves no AgentService: is it a sync agent?"));
    }
    return Failed(FromGrpc(status));
  }

  int Sync(const std::vector<std::string>& args) {
    if (!args.empty()) return UsageError("sync takes no arguments");
    v1::SyncNowResponse moved;
    const grpc::Status status =
        agent_->SyncNow(AgentContext().get(), v1::SyncNowRequest(), &moved);
    if (!status.ok()) return AgentFailed(status);
    out_->Answer(moved, [&] { return RenderSync(moved); });
    return kOk;
  }

  int SyncStatus(const std::vector<std::string>& args) {
    if (!args.empty()) return UsageError("sync-status takes no arguments");
    v1::SyncStatus state;
    const grpc::Status status = agent_->GetSyncStatus(
        AgentContext().get(), v1::GetSyncStatusRequest(), &state);
    if (!status.ok()) return AgentFailed(status);
    out_->Answer(state, [&] { return RenderSyncStatus(state); });
    return kOk;
  }

  int Conflicts(const std::vector<std::string>& args) {
    if (args.size() == 2 && args[0] == "list") return ListConflicts(args[1]);
    if (args.size() == 2 && args[0] == "resolve") {
      return ResolveConflict(args[1]);
    }
    return UsageError(
        "conflicts list PLAN|ORGANISATION, or conflicts resolve NAME "
        "--candidate=N|--value=V");
  }

  // The conflicts of a plan, or of an organisation.
  int ListConflicts(const std::string& parent) {
    if (!plan::ResourceName::ParseAs(plan::Kind::kPlan, parent).ok() &&
        !plan::ResourceName::ParseAs(plan::Kind::kOrganisation, parent).ok()) {
      return UsageError(absl::StrCat(
          "\"", parent, "\" is not a plan or an organisation name"));
    }
    v1::ListConflictsRequest request;
    request.set_parent(parent);
    request.set_filter(options_.filter);
    request.set_page_size(std::min(options_.page_size, 1000));
    std::vector<std::unique_ptr<Message>> conflicts;
    do {
      absl::StatusOr<std::unique_ptr<Message>> response =
          client_->Call("ListConflicts", request);
      if (!response.ok()) return Failed(response.status());
      const auto& page =
          static_cast<const v1::ListConflictsResponse&>(**response);
      for (const v1::Conflict& conflict : page.conflicts()) {
        conflicts.push_back(std::make_unique<v1::Conflict>(conflict));
      }
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    out_->List(conflicts, "conflicts", [](const Message& conflict) {
      return RenderConflict(static_cast<const v1::Conflict&>(conflict));
    });
    return kOk;
  }

  // Sets the value of `request` (to resolve conflict `name`) from `value`,
  // written as in `set`: encoded as the contested field of the conflict's
  // target. Returns kOk, or the exit code of what failed.
  int SetResolvedValue(const std::string& name, const std::string& value,
                       v1::ResolveConflictRequest* request) {
    // The value is the target's resource with only the contested field
    // set, so the conflict says which type and field to parse it as.
    v1::GetConflictRequest get;
    get.set_name(name);
    absl::StatusOr<std::unique_ptr<Message>> read =
        client_->Call("GetConflict", get);
    if (!read.ok()) return Failed(read.status());
    const auto& conflict = static_cast<const v1::Conflict&>(**read);
    absl::StatusOr<plan::ResourceName> target =
        plan::ResourceName::Parse(conflict.target());
    if (!target.ok()) {
      return Failed(absl::InternalError(
          absl::StrCat("the conflict's target \"", conflict.target(),
                       "\" is not a resource name")));
    }
    const auto* type = plan::InfoOf(target->kind()).descriptor;
    std::unique_ptr<Message> resource(
        google::protobuf::MessageFactory::generated_factory()
            ->GetPrototype(type)
            ->New());
    const auto* field = type->FindFieldByName(conflict.field());
    if (field == nullptr) {
      return Failed(absl::InternalError(absl::StrCat(
          type->name(), " has no field \"", conflict.field(), "\"")));
    }
    absl::Status set = SetField(resource.get(), conflict.field(), value);
    if (!set.ok()) return UsageError(set.message());
    request->set_value(plan::FieldValueBytes(*resource, *field));
    return kOk;
  }

  int ResolveConflict(const std::string& name) {
    absl::StatusOr<plan::ResourceName> parsed = plan::ResourceName::Parse(name);
    if (!parsed.ok() || !plan::IsConflict(parsed->kind())) {
      return UsageError(absl::StrCat("\"", name, "\" is not a conflict name"));
    }
    if (options_.candidate.has_value() == options_.value.has_value()) {
      return UsageError("conflicts resolve takes --candidate=N or --value=V");
    }
    v1::ResolveConflictRequest request;
    request.set_name(name);
    request.set_etag(options_.etag);
    if (options_.candidate.has_value()) {
      request.set_candidate(*options_.candidate);
    } else if (const int code =
                   SetResolvedValue(name, *options_.value, &request);
               code != kOk) {
      return code;
    }
    absl::StatusOr<std::unique_ptr<Message>> response =
        client_->Call("ResolveConflict", request);
    if (!response.ok()) return Failed(response.status());
    const auto& resolved = static_cast<const v1::Conflict&>(**response);
    out_->Answer(resolved, [&] { return RenderConflict(resolved); });
    return kOk;
  }

  PlanClient* client_;
  v1::AgentService::StubInterface* agent_;
  const Options options_;
  Output* out_;
};

absl::Span<const Command> Cli::Commands() {
  static constexpr Command kCommands[] = {
      {"get", "get NAME",
       "Shows one resource, e.g.\n"
       "  planctl get plans/south-staffordshire/activities/channel\n",
       &Cli::Get},
      {"list", "list COLLECTION",
       "Lists a collection, e.g.\n"
       "  planctl list plans\n"
       "  planctl list plans/south-staffordshire/activities\n"
       "  planctl list plans/south-staffordshire/activities/-/actions "
       "--filter='rag = RED AND overdue = true'\n"
       "Flags: --filter, --show_deleted, --page_size.\n",
       &Cli::List},
      {"create", "create NAME|COLLECTION FIELD=VALUE...",
       "Creates a resource with the given id (or a random one when you name "
       "the\n"
       "collection), e.g.\n"
       "  planctl create organisations/entrust display_name=Entrust "
       "kind=EDUCATION\n"
       "  planctl create plans/p/activities/channel title=Channel "
       "strand=plans/p/strands/ideology\n"
       "  planctl create plans/p/activities/channel/actions description='Refer "
       "...' timescale='Feb 2024 - March 2025'\n",
       &Cli::Create},
      {"set", "set NAME FIELD=VALUE...",
       "Updates the named fields only, e.g.\n"
       "  planctl set plans/p/activities/a/actions/x rag=RED\n"
       "Lists are comma-separated; an empty value clears a field. --etag "
       "makes\n"
       "the update conditional.\n",
       &Cli::Set},
      {"delete", "delete NAME",
       "Soft-deletes a resource (undelete restores it). --etag makes it "
       "conditional.\n",
       &Cli::Delete},
      {"undelete", "undelete NAME", "Restores a soft-deleted resource.\n",
       &Cli::Undelete},
      {"progress", "progress ACTION --note=TEXT [--rag=RAG]",
       "Adds a dated progress update to an action, e.g.\n"
       "  planctl progress plans/p/activities/a/actions/x --rag=GREEN "
       "--note='Delivered to 40 staff'\n",
       &Cli::Progress},
      {"import", "import FILE --plan=plans/ID [--format=F] [--dry_run]",
       "Imports a whole plan in one atomic write: the text of a published "
       "plan\n"
       "(prevent-text, e.g. deploy/demo/*.txt) or a CSV. --dry_run shows what\n"
       "would be created and writes nothing. --title names a new plan from a "
       "CSV.\n",
       &Cli::Import},
      {"export", "export PLAN --format=csv|markdown|html [--output=FILE]",
       "Writes a plan as CSV (re-importable), Markdown, or a printable HTML "
       "page.\n",
       &Cli::Export},
      {"health", "health",
       "Asks the server's grpc.health.v1 service; exit 0 when SERVING.\n",
       &Cli::Health},
      {"report", "report plan|county PLAN [--period=START..END] [--html=FILE]",
       "A summary a partnership board can read: RAG counts per strand, "
       "overdue\n"
       "actions, actions by lead organisation; for a county plan, the district "
       "x\n"
       "strand matrix and each district's contribution to the county\n"
       "objectives. --html writes the printable dashboard too.\n",
       &Cli::Report},
      {"changes", "changes PLAN --since=DATE",
       "What changed in a plan since a date (\"since the last board\"): who\n"
       "changed what, from what to what, oldest first.\n",
       &Cli::Changes},
      {"sync", "sync",
       "Asks a sync agent (--server) to sync with the plan service now (push\n"
       "its local edits, then pull) and shows what moved. Exit 4 when the\n"
       "agent or the plan service cannot be reached; the local plan still\n"
       "works. --timeout bounds the wait.\n",
       &Cli::Sync},
      {"sync-status", "sync-status",
       "Shows how a sync agent's replication stands: its plans, schedule, "
       "last\n"
       "success and error, pending local changes, cursor and lag, open\n"
       "conflicts, and changes the plan service refused.\n",
       &Cli::SyncStatus},
      {"conflicts",
       "conflicts list PLAN|ORGANISATION | conflicts resolve NAME "
       "--candidate=N|--value=V",
       "Concurrent edits of one field that could not be merged are kept as\n"
       "conflicts, every candidate with its organisation; the later edit is\n"
       "applied meanwhile. A plan keeps the conflicts of what is in it; an\n"
       "organisation, those of its own record (organisations/ORG/conflicts).\n"
       "  planctl conflicts list plans/south-staffordshire "
       "--filter='state = OPEN'\n"
       "  planctl conflicts list organisations/staffordshire-police\n"
       "  planctl conflicts resolve plans/south-staffordshire/conflicts/ID "
       "--candidate=1\n"
       "  planctl conflicts resolve plans/south-staffordshire/conflicts/ID "
       "--value=AMBER\n"
       "--value is written as in `set`; --etag makes it conditional.\n",
       &Cli::Conflicts},
      {"replicas", "replicas",
       "Lists the replicas (partners' sync agents) that sync with the plan\n"
       "service, the longest unsynced first: organisation, replica id, when "
       "it\n"
       "last synced, how many changes of its plans it lacks and how long "
       "ago\n"
       "the first of them was made, its agent's version, and the last error\n"
       "the service gave it. For administrators and the OWNERs of a county\n"
       "plan (who see the replicas of their county's plans).\n",
       &Cli::Replicas},
      {"audit", "audit verify [PLAN]",
       "Checks the change log's hash chain: every entry must hash to the\n"
       "link the next one holds, and the last to the head. With PLAN, that\n"
       "plan's entries are read whole and the others by their hash. Prints "
       "OK,\n"
       "or the first sequence that fails, and exits 1 then.\n"
       "  planctl audit verify plans/south-staffordshire\n",
       &Cli::Audit},
      {"admin",
       "admin status | admin backup --to=DIR | admin users add USER ORG "
       "[--replace] | admin users remove USER | admin users list",
       "status: the plan service's version, health, store identity, change\n"
       "log (sequence, and the horizon up to which it was trimmed) and sizes\n"
       "(tables, write-ahead log, memtables, keys, free space).\n"
       "backup: backs up the plan service's store online (RocksDB\n"
       "BackupEngine), consistent while writes go on, into DIR on the\n"
       "service's machine, inside the service's --backup_root; backups into\n"
       "one DIR are incremental. Restore with plan-service\n"
       "--restore_from=DIR --data_dir=NEW (docs/operations.md).\n"
       "users: the local accounts people sign in to the web app with. add\n"
       "reads the password (12 characters or more) from the terminal, asked\n"
       "twice, or else the first line of stdin; --replace sets a new one.\n"
       "  planctl admin users add ann@sstaffs.gov.uk "
       "organisations/south-staffordshire-dc\n",
       &Cli::Admin},
  };
  return kCommands;
}

const Command* FindCommand(absl::string_view name) {
  for (const Command& command : Cli::Commands()) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

std::string Usage() {
  std::string out =
      "planctl: read and edit Prevent delivery plans on a plan service or "
      "sync agent.\n\nUsage: planctl [--server=HOST:PORT] "
      "[--organisation=organisations/ID] [--json] COMMAND ARGS\n\nCommands:\n";
  for (const Command& command : Cli::Commands()) {
    absl::StrAppend(&out, "  ", command.synopsis, "\n");
  }
  absl::StrAppend(&out,
                  "\nConnection settings may also come from the environment "
                  "(PREVENT_SERVER,\nPREVENT_ORGANISATION, PREVENT_TLS_CERT, "
                  "PREVENT_TLS_KEY, PREVENT_TLS_CA) or a\nprofile "
                  "(~/.config/prevent/planctl.conf, or PREVENT_PROFILE): "
                  "`key = value`\nlines, keys server, organisation, "
                  "tls_cert, tls_key, tls_ca.\n"
                  "`planctl completion bash` prints bash completion.\n");
  absl::StrAppend(&out,
                  "\n`planctl help COMMAND` explains one. Exit codes: 0 done, "
                  "2 usage error, 3 refused by the server, 4 server "
                  "unreachable, 1 other failure.\n");
  return out;
}

// "planctl SYNOPSIS", then what the command does.
std::string CommandHelp(const Command& command) {
  return absl::StrCat("planctl ", command.synopsis, "\n\n", command.help);
}

// The command `planctl COMMAND ... --help` asks about, or null.
const Command* HelpAskedFor(int argc, char** argv) {
  for (int i = 2; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") return FindCommand(argv[1]);
  }
  return nullptr;
}

// `planctl help [COMMAND]`.
int Help(const std::vector<std::string>& args, Output* out) {
  if (args.size() == 1) {
    out->Text(Usage());
    return kOk;
  }
  const Command* command = FindCommand(args[1]);
  if (command == nullptr) {
    out->UsageError("no such command");
    return kUsage;
  }
  out->Text(CommandHelp(*command));
  return kOk;
}

// `planctl completion bash`: a bash completion script for planctl's
// commands, their subcommands and its flags, made from the same tables as
// its help, so the two cannot drift apart. The Debian package installs it.
int Completion(const std::vector<std::string>& args, Output* out) {
  if (args.size() != 2 || args[1] != "bash") {
    out->UsageError("completion takes one shell: bash");
    return kUsage;
  }
  std::vector<std::string> commands = {"help", "completion"};
  for (const Command& command : Cli::Commands()) {
    commands.push_back(command.name);
  }
  std::vector<std::string> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (!absl::StrContains(flag->Filename(), "planctl/")) continue;
    // A bool flag (its default is true or false) takes no value.
    const std::string fallback = flag->DefaultValue();
    const bool boolean = fallback == "true" || fallback == "false";
    flags.push_back(absl::StrCat("--", name, boolean ? "" : "="));
  }
  std::sort(commands.begin(), commands.end());
  std::sort(flags.begin(), flags.end());
  out->Text(absl::StrCat(
      "# bash completion for planctl: made by `planctl completion bash`.\n"
      "_planctl() {\n"
      "  local cur=${COMP_WORDS[COMP_CWORD]} command= i\n"
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "    # bash splits --server=host:port at = and :; skip the value.\n"
      "    case ${COMP_WORDS[i]}/${COMP_WORDS[i-1]} in\n"
      "      -*/*|=/*|:/*|*/=|*/:) ;;\n"
      "      *) command=${COMP_WORDS[i]}; break ;;\n"
      "    esac\n"
      "  done\n"
      "  if [[ $cur == -* ]]; then\n"
      "    COMPREPLY=($(compgen -W '",
      absl::StrJoin(flags, " "),
      "' -- \"$cur\"))\n"
      "    [[ ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null\n"
      "    return\n"
      "  fi\n"
      "  local words\n"
      "  case $command in\n"
      "    '') words='",
      absl::StrJoin(commands, " "),
      "' ;;\n"
      "    help) words='",
      absl::StrJoin(commands, " "),
      "' ;;\n"
      "    completion) words='bash' ;;\n"
      "    admin) words='backup status users' ;;\n"
      "    conflicts) words='list resolve' ;;\n"
      "    audit) words='verify' ;;\n"
      "    report) words='plan county' ;;\n"
      "    import) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
      "    *) return ;;\n"
      "  esac\n"
      "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
      "}\n"
      "complete -F _planctl planctl\n"));
  return kOk;
}

// --help lists planctl's own flags, under planctl's usage.
void SetUpFlagsHelp() {
  absl::SetProgramUsageMessage(Usage());
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "planctl/");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  usage.version_string = [] {
    return absl::StrCat("planctl ", plan::VersionString(), "\n");
  };
  absl::SetFlagsUsageConfig(usage);
}

// Connects to --server and runs the command `args` names.
int ConnectAndRun(const Options& options, const std::vector<std::string>& args,
                  Output* out) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      plan::ChannelCredentialsFor(options.server, options.tls);
  if (!credentials.ok()) {
    out->UsageError(credentials.status().message());
    return kUsage;
  }
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(options.server, *credentials);
  PlanClient client(channel, {.organisation = options.organisation,
                              .timeout = options.timeout});
  std::unique_ptr<v1::AgentService::Stub> agent =
      v1::AgentService::NewStub(channel);
  return Cli(&client, agent.get(), options, out).Run(args);
}

int Main(int argc, char** argv) {
  // What is said before the flags are read is text.
  Output text(std::cout, std::cerr, Output::Format::kText);
  if (const Command* command = HelpAskedFor(argc, argv)) {
    text.Text(CommandHelp(*command));
    return kOk;
  }
  SetUpFlagsHelp();
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  const std::vector<std::string> args(positional.begin() + 1, positional.end());
  if (args.empty()) {
    text.Info(Usage());
    return kUsage;
  }
  if (args[0] == "help") return Help(args, &text);
  if (args[0] == "completion") return Completion(args, &text);
  const absl::StatusOr<Options> options = OptionsFromFlags();
  if (!options.ok()) {
    text.UsageError(options.status().message());
    return kUsage;
  }
  Output out(std::cout, std::cerr,
             options->json ? Output::Format::kJson : Output::Format::kText);
  return ConnectAndRun(*options, args, &out);
}

}  // namespace
}  // namespace planctl

int main(int argc, char** argv) { return planctl::Main(argc, argv); }
