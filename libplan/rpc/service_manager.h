// What a daemon tells its service manager (systemd's sd_notify protocol), so
// a Type=notify unit is "active" only once the process serves, and
// `systemctl status` shows how it stands. Each call does nothing when the
// process was not started by a service manager (NOTIFY_SOCKET unset).
#ifndef LIBPLAN_RPC_SERVICE_MANAGER_H_
#define LIBPLAN_RPC_SERVICE_MANAGER_H_

#include "absl/strings/string_view.h"

namespace plan {

// The process serves: READY=1, with `status` as its one-line status.
void NotifyReady(absl::string_view status);

// The process's one-line status changed (STATUS=).
void NotifyStatus(absl::string_view status);

// The process is shutting down: STOPPING=1.
void NotifyStopping();

}  // namespace plan

#endif  // LIBPLAN_RPC_SERVICE_MANAGER_H_
