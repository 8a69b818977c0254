#include "libplan/rpc/service_manager.h"

#include <systemd/sd-daemon.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "libplan/util/log.h"

namespace plan {
namespace {

// Sends `state`; a failure is logged, never fatal: the process serves
// whether or not its manager heard.
void Notify(const std::string& state) {
  const int sent = sd_notify(/*unset_environment=*/0, state.c_str());
  if (sent < 0) {
    PLAN_LOG(WARNING) << "cannot notify the service manager: error " << -sent;
  }
}

// A status is one line.
std::string OneLine(absl::string_view status) {
  return absl::StrReplaceAll(status, {{"\n", " "}});
}

}  // namespace

void NotifyReady(absl::string_view status) {
  Notify(absl::StrCat("READY=1\nSTATUS=", OneLine(status)));
}

void NotifyStatus(absl::string_view status) {
  Notify(absl::StrCat("STATUS=", OneLine(status)));
}

void NotifyStopping() { Notify("STOPPING=1\nSTATUS=stopping"); }

}  // namespace plan
