// planctl's flags as one value: read once, after absl::ParseCommandLine,
// checked, and handed to the commands, which read no flag themselves.
//
//   std::vector<char*> args = absl::ParseCommandLine(argc, argv);
//   absl::StatusOr<Options> options = OptionsFromFlags();
//   if (!options.ok()) ...  // usage error: the message names the flag
#ifndef PLANCTL_OPTIONS_H_
#define PLANCTL_OPTIONS_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libplan/transport/credentials.h"
#include "prevent/plan/v1/resources.pb.h"

namespace planctl {

// Each field is its flag's value; the defaults here are the flags'
// defaults. A flag a command does not use is ignored by it, but is checked
// all the same.
// The server planctl calls when neither a flag, the environment nor a
// profile names one.
inline constexpr absl::string_view kDefaultServer = "127.0.0.1:50051";

struct Options {
  // --server: the plan service or sync agent, HOST:PORT or unix:PATH.
  std::string server = std::string(kDefaultServer);
  // --organisation: the acting organisation sent with every call
  // (organisations/ID); empty sends none.
  std::string organisation;
  // --tls_cert, --tls_key, --tls_ca: the PEM files of a TLS connection;
  // all empty is plaintext, which only a loopback --server accepts.
  plan::TlsFiles tls;
  // --json: JSON for scripts instead of tables for people.
  bool json = false;
  // --timeout: the deadline of each call; positive.
  absl::Duration timeout = absl::Seconds(30);

  // --filter (list, conflicts list): an AIP-160 filter; empty for all.
  std::string filter;
  // --show_deleted (list): include soft-deleted resources.
  bool show_deleted = false;
  // --page_size (list, conflicts list): resources asked for per call, all
  // pages being read; 0 leaves it to the server; never negative.
  int page_size = 500;
  // --etag (set, delete, conflicts resolve): write only if the resource
  // still has this etag; empty writes unconditionally.
  std::string etag;

  // --format, in lower case. import: prevent-text or csv, empty to tell by
  // the file name; export: csv, markdown (or md) or html. Which formats a
  // command takes is for the command to check.
  std::string format;
  // --plan (import): the plan to create or fill.
  std::string plan;
  // --title (import): the title of a plan made from a CSV.
  std::string title;
  // --dry_run (import): show what would be created, write nothing.
  bool dry_run = false;
  // --output (export): the file to write; empty writes to stdout.
  std::string output;

  // --rag (progress): the update's status; RAG_UNSPECIFIED when not given.
  // Given by name, in any case: RED, AMBER, GREEN or BLUE.
  prevent::plan::v1::Rag rag = prevent::plan::v1::RAG_UNSPECIFIED;
  // --note (progress): the update's commentary.
  std::string note;

  // --period=START..END (report): the two sides, each YYYY-MM or empty
  // (both empty when --period is not given).
  std::string period_start;
  std::string period_end;
  // --html (report): also write the HTML dashboard to this file.
  std::string html;
  // --since (changes): a UK date (its midnight, UK time; see
  // plan::ParseUkDate) or an RFC 3339 time; nullopt when not given.
  std::optional<absl::Time> since;
  // --to (admin backup): the backup directory on the service's machine.
  std::string to;
  // --replace (admin users add): replace an existing account.
  bool replace = false;

  // --candidate and --value (conflicts resolve): the index of the chosen
  // candidate (0 or more), or a new value written as in `set`. At most one
  // of them is given.
  std::optional<int> candidate;
  std::optional<std::string> value;
};

// Where the connection settings come from when no flag gives them
// (docs/operations.md, "planctl's profile"): the environment, then a
// profile file, then the defaults above.
//
//   environment        profile key    flag
//   PREVENT_SERVER       server         --server
//   PREVENT_ORGANISATION organisation   --organisation
//   PREVENT_TLS_CERT     tls_cert       --tls_cert
//   PREVENT_TLS_KEY      tls_key        --tls_key
//   PREVENT_TLS_CA       tls_ca         --tls_ca
//
// The profile is the file PREVENT_PROFILE names, else
// $XDG_CONFIG_HOME/prevent/planctl.conf (~/.config/... when unset), if it
// exists: `key = value` lines, with blank lines and # comments. A profile
// that names a server gives nothing when a flag or PREVENT_SERVER names the
// server: its organisation and TLS files are for its own server.
struct Environment {
  // Looks a variable up: its value, or null when unset.
  std::function<const char*(const char*)> get;
  // Reads a file whole: NOT_FOUND when it does not exist.
  std::function<absl::StatusOr<std::string>(const std::string&)> read;
};

// The process's environment and file system.
Environment SystemEnvironment();

// Fills the connection settings of `options` that no flag gave from
// `environment` as above. INVALID_ARGUMENT naming the profile's path, line
// and column for a line that is not `key = value` or names an unknown key,
// and the path when PREVENT_PROFILE names a file that cannot be read.
absl::Status FillConnectionDefaults(const Environment& environment,
                                    Options& options);

// The flags as absl::ParseCommandLine set them, checked. InvalidArgument
// naming the flag when a value does not fit: a --timeout that is not
// positive, a negative --page_size or --candidate, a --rag that is no
// status, a --period without "..", a --since that is neither a date nor a
// time, or both --candidate and --value.
// The connection settings no flag gives are filled by
// FillConnectionDefaults(environment).
absl::StatusOr<Options> OptionsFromFlags(
    const Environment& environment = SystemEnvironment());

}  // namespace planctl

#endif  // PLANCTL_OPTIONS_H_
