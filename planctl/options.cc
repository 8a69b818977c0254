#include "planctl/options.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "libplan/util/uk_time.h"

// The connection flags are empty by default, so that the environment and
// the profile fill what none gives (FillConnectionDefaults).
ABSL_FLAG(std::string, server, "",
          "Address of the plan service or sync agent (HOST:PORT, or "
          "unix:PATH). Else $PREVENT_SERVER, else the profile's server, "
          "else 127.0.0.1:50051.");
ABSL_FLAG(std::string, organisation, "",
          "Acting organisation recorded on writes (organisations/{org}). "
          "Else $PREVENT_ORGANISATION, else the profile's organisation.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate naming your organisation (with --tls_key and "
          "--tls_ca): connect over TLS. Needed for a --server that is not "
          "loopback. Else $PREVENT_TLS_CERT, else the profile's tls_cert.");
ABSL_FLAG(std::string, tls_key, "",
          "PEM private key of --tls_cert. Else $PREVENT_TLS_KEY, else the "
          "profile's tls_key.");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM certificate of the CA that signs the server's certificate. "
          "Else $PREVENT_TLS_CA, else the profile's tls_ca.");
ABSL_FLAG(bool, json, false, "Print JSON instead of tables.");
ABSL_FLAG(absl::Duration, timeout, planctl::Options().timeout,
          "Deadline of each call.");
ABSL_FLAG(std::string, filter, "", "list, conflicts list: an AIP-160 filter.");
ABSL_FLAG(bool, show_deleted, false, "list: include soft-deleted resources.");
ABSL_FLAG(int, page_size, planctl::Options().page_size,
          "list: resources per call (all pages are read).");
ABSL_FLAG(std::string, etag, "",
          "set, delete, conflicts resolve: only if the resource still has "
          "this etag.");
ABSL_FLAG(std::string, format, "",
          "import: prevent-text or csv (default from the file name); export: "
          "csv, markdown or html.");
ABSL_FLAG(std::string, plan, "", "import: the plan to create or fill.");
ABSL_FLAG(std::string, title, "", "import: the plan's title (for a CSV).");
ABSL_FLAG(bool, dry_run, false,
          "import: show what would be created; write nothing.");
ABSL_FLAG(std::string, output, "", "export: write to this file, not stdout.");
ABSL_FLAG(std::string, rag, "", "progress: RED, AMBER, GREEN or BLUE.");
ABSL_FLAG(std::string, note, "", "progress: the commentary.");
ABSL_FLAG(std::string, period, "",
          "report: narrow to actions whose timescale overlaps START..END "
          "(YYYY-MM..YYYY-MM; either side may be empty).");
ABSL_FLAG(std::string, html, "",
          "report: also write the HTML dashboard to this file.");
ABSL_FLAG(std::string, since, "",
          "changes: changes at or after this UK date (06/12/2026, 6 Dec 2026, "
          "2026-12-06: from its midnight, UK time) or RFC 3339 time.");
ABSL_FLAG(std::string, to, "",
          "admin backup: the backup directory on the plan service's machine, "
          "inside its --backup_root.");
ABSL_FLAG(bool, replace, false,
          "admin users add: replace the user's account (a new password or "
          "organisation).");
ABSL_FLAG(std::optional<int>, candidate, std::nullopt,
          "conflicts resolve: the index of the chosen candidate.");
ABSL_FLAG(std::optional<std::string>, value, std::nullopt,
          "conflicts resolve: a new value for the contested field, written "
          "as in `set` (e.g. GREEN for rag).");

namespace planctl {
namespace {

namespace v1 = prevent::plan::v1;

// The flags that take any text, as given.
Options ReadTextFlags() {
  Options options;
  options.server = absl::GetFlag(FLAGS_server);
  options.organisation = absl::GetFlag(FLAGS_organisation);
  options.tls = {.cert = absl::GetFlag(FLAGS_tls_cert),
                 .key = absl::GetFlag(FLAGS_tls_key),
                 .ca = absl::GetFlag(FLAGS_tls_ca)};
  options.json = absl::GetFlag(FLAGS_json);
  options.filter = absl::GetFlag(FLAGS_filter);
  options.show_deleted = absl::GetFlag(FLAGS_show_deleted);
  options.etag = absl::GetFlag(FLAGS_etag);
  options.format = absl::AsciiStrToLower(absl::GetFlag(FLAGS_format));
  options.plan = absl::GetFlag(FLAGS_plan);
  options.title = absl::GetFlag(FLAGS_title);
  options.dry_run = absl::GetFlag(FLAGS_dry_run);
  options.output = absl::GetFlag(FLAGS_output);
  options.note = absl::GetFlag(FLAGS_note);
  options.html = absl::GetFlag(FLAGS_html);
  options.to = absl::GetFlag(FLAGS_to);
  options.replace = absl::GetFlag(FLAGS_replace);
  return options;
}

absl::Status ReadNumbers(Options& options) {
  options.timeout = absl::GetFlag(FLAGS_timeout);
  if (options.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--timeout must be positive, e.g. 30s (not ",
                     absl::FormatDuration(options.timeout), ")"));
  }
  options.page_size = absl::GetFlag(FLAGS_page_size);
  if (options.page_size < 0) {
    return absl::InvalidArgumentError(
        "--page_size must not be negative (0 leaves it to the server)");
  }
  return absl::OkStatus();
}

absl::Status ReadConflictChoice(Options& options) {
  options.candidate = absl::GetFlag(FLAGS_candidate);
  options.value = absl::GetFlag(FLAGS_value);
  if (options.candidate.has_value() && *options.candidate < 0) {
    return absl::InvalidArgumentError(
        "--candidate is a candidate's index: 0 or more");
  }
  if (options.candidate.has_value() && options.value.has_value()) {
    return absl::InvalidArgumentError(
        "--candidate and --value exclude each other");
  }
  return absl::OkStatus();
}

absl::Status ReadRag(Options& options) {
  const std::string text = absl::GetFlag(FLAGS_rag);
  if (text.empty()) return absl::OkStatus();
  if (!v1::Rag_Parse(absl::AsciiStrToUpper(text), &options.rag) ||
      options.rag == v1::RAG_UNSPECIFIED) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--rag \"", text, "\" is not one of RED, AMBER, GREEN, BLUE"));
  }
  return absl::OkStatus();
}

absl::Status ReadPeriod(Options& options) {
  const std::string period = absl::GetFlag(FLAGS_period);
  if (period.empty()) return absl::OkStatus();
  const size_t dots = period.find("..");
  if (dots == std::string::npos) {
    return absl::InvalidArgumentError(
        "--period is START..END, e.g. 2024-04..2025-03");
  }
  options.period_start = period.substr(0, dots);
  options.period_end = period.substr(dots + 2);
  return absl::OkStatus();
}

absl::Status ReadSince(Options& options) {
  const std::string text = absl::GetFlag(FLAGS_since);
  if (text.empty()) return absl::OkStatus();
  if (const std::optional<absl::CivilDay> day = plan::ParseUkDate(text)) {
    options.since = plan::UkStartOfDay(*day);
    return absl::OkStatus();
  }
  absl::Time since;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &since, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--since \"", text,
                     "\" is not a date (06/12/2026, 6 Dec 2026, 2026-12-06) "
                     "or an RFC 3339 time"));
  }
  options.since = since;
  return absl::OkStatus();
}

// The connection settings, each with its variable and profile key.
struct ConnectionSetting {
  const char* variable;
  const char* key;
  std::string Options::*field;
  std::string plan::TlsFiles::*tls_field;
};

constexpr ConnectionSetting kConnectionSettings[] = {
    {"PREVENT_SERVER", "server", &Options::server, nullptr},
    {"PREVENT_ORGANISATION", "organisation", &Options::organisation, nullptr},
    {"PREVENT_TLS_CERT", "tls_cert", nullptr, &plan::TlsFiles::cert},
    {"PREVENT_TLS_KEY", "tls_key", nullptr, &plan::TlsFiles::key},
    {"PREVENT_TLS_CA", "tls_ca", nullptr, &plan::TlsFiles::ca},
};

std::string& FieldOf(const ConnectionSetting& setting, Options& options) {
  return setting.field != nullptr ? options.*setting.field
                                  : options.tls.*setting.tls_field;
}

// The profile's path, and whether it was named (so must exist).
std::pair<std::string, bool> ProfilePath(const Environment& environment) {
  if (const char* named = environment.get("PREVENT_PROFILE");
      named != nullptr && *named != '\0') {
    return {named, true};
  }
  if (const char* config = environment.get("XDG_CONFIG_HOME");
      config != nullptr && *config != '\0') {
    return {absl::StrCat(config, "/prevent/planctl.conf"), false};
  }
  const char* home = environment.get("HOME");
  if (home == nullptr || *home == '\0') return {"", false};
  return {absl::StrCat(home, "/.config/prevent/planctl.conf"), false};
}

// The profile's `key = value` lines.
absl::StatusOr<std::map<std::string, std::string>> ParseProfile(
    absl::string_view text, absl::string_view path) {
  std::map<std::string, std::string> values;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    const absl::string_view content = absl::StripAsciiWhitespace(line);
    if (content.empty() || content[0] == '#') continue;
    const size_t column =
        line.size() - absl::StripLeadingAsciiWhitespace(line).size() + 1;
    const size_t equals = content.find('=');
    if (equals == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", number, ":", column, ": expected `key = value`"));
    }
    const std::string key(
        absl::StripAsciiWhitespace(content.substr(0, equals)));
    bool known = false;
    for (const ConnectionSetting& setting : kConnectionSettings) {
      known = known || key == setting.key;
    }
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", number, ":", column, ": unknown key \"", key.substr(0, 40),
          "\" (server, organisation, tls_cert, tls_key or tls_ca)"));
    }
    values[key] =
        std::string(absl::StripAsciiWhitespace(content.substr(equals + 1)));
  }
  return values;
}

}  // namespace

Environment SystemEnvironment() {
  return {.get = [](const char* name) { return std::getenv(name); },
          .read = [](const std::string& path) -> absl::StatusOr<std::string> {
            std::ifstream in(path, std::ios::binary);
            if (!in) {
              return absl::NotFoundError(absl::StrCat(path, " cannot be read"));
            }
            std::ostringstream text;
            text << in.rdbuf();
            return text.str();
          }};
}

absl::Status FillConnectionDefaults(const Environment& environment,
                                    Options& options) {
  std::optional<std::map<std::string, std::string>> profile;
  // The profile describes one server: when a flag or PREVENT_SERVER names
  // another, its organisation and TLS files are not for that one (planctl
  // --server=127.0.0.1:50052 on the agent's machine must not present the
  // county's certificate).
  bool server_given = !options.server.empty();
  if (const char* server = environment.get("PREVENT_SERVER");
      server != nullptr && *server != '\0') {
    server_given = true;
  }
  for (const ConnectionSetting& setting : kConnectionSettings) {
    std::string& field = FieldOf(setting, options);
    if (!field.empty()) continue;
    if (const char* value = environment.get(setting.variable);
        value != nullptr && *value != '\0') {
      field = value;
      continue;
    }
    if (!profile.has_value()) {
      profile.emplace();
      const auto [path, named] = ProfilePath(environment);
      if (!path.empty()) {
        absl::StatusOr<std::string> text = environment.read(path);
        if (text.ok()) {
          absl::StatusOr<std::map<std::string, std::string>> parsed =
              ParseProfile(*text, path);
          if (!parsed.ok()) return parsed.status();
          profile = *std::move(parsed);
        } else if (named) {
          return absl::InvalidArgumentError(absl::StrCat(
              "PREVENT_PROFILE=", path, ": ", text.status().message()));
        }
      }
    }
    if (server_given && profile->contains("server")) continue;
    if (auto it = profile->find(setting.key); it != profile->end()) {
      field = it->second;
    }
  }
  if (options.server.empty()) options.server = std::string(kDefaultServer);
  return absl::OkStatus();
}

absl::StatusOr<Options> OptionsFromFlags(const Environment& environment) {
  Options options = ReadTextFlags();
  if (absl::Status filled = FillConnectionDefaults(environment, options);
      !filled.ok()) {
    return filled;
  }
  for (absl::Status (*read)(Options&) :
       {&ReadNumbers, &ReadConflictChoice, &ReadRag, &ReadPeriod, &ReadSince}) {
    if (absl::Status status = read(options); !status.ok()) return status;
  }
  return options;
}

}  // namespace planctl
