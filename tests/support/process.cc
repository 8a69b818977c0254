#include "tests/support/process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace prevent::plan::test_support {
namespace {

// Converts a waitpid(2) status to Wait()'s convention.
int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return status;  // Not reached: we never ask for stopped children.
}

// Owns a posix_spawn_file_actions_t so that every exit path destroys it.
class SpawnFileActions {
 public:
  SpawnFileActions() { ok_ = posix_spawn_file_actions_init(&actions_) == 0; }
  ~SpawnFileActions() {
    if (ok_) posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnFileActions(const SpawnFileActions&) = delete;
  SpawnFileActions& operator=(const SpawnFileActions&) = delete;

  bool ok() const { return ok_; }
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
  bool ok_ = false;
};

}  // namespace

absl::StatusOr<ChildProcess> ChildProcess::Start(
    const std::string& binary, const std::vector<std::string>& args,
    const std::string& log_path, const std::string& stdin_path) {
  if (access(binary.c_str(), X_OK) != 0) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat("cannot execute \"", binary, "\""));
  }

  // Open the log here rather than in the child so that a bad path is reported
  // to the caller instead of disappearing into a failed child.
  const int log_fd =
      open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::ErrnoToStatus(
        errno, absl::StrCat("cannot open log \"", log_path, "\""));
  }

  SpawnFileActions actions;
  int error = actions.ok() ? 0 : ENOMEM;
  if (error == 0) {
    error = posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO,
                                             stdin_path.c_str(), O_RDONLY, 0);
  }
  // dup2 clears FD_CLOEXEC on the target, so only fds 1 and 2 stay open.
  if (error == 0) {
    error =
        posix_spawn_file_actions_adddup2(actions.get(), log_fd, STDOUT_FILENO);
  }
  if (error == 0) {
    error =
        posix_spawn_file_actions_adddup2(actions.get(), log_fd, STDERR_FILENO);
  }

  std::vector<char*> argv;
  argv.reserve(args.size() + 2);
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const std::string& arg : args) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);

  pid_t pid = -1;
  if (error == 0) {
    error = posix_spawn(&pid, binary.c_str(), actions.get(),
                        /*attrp=*/nullptr, argv.data(), environ);
  }
  close(log_fd);
  if (error != 0) {
    return absl::ErrnoToStatus(error,
                               absl::StrCat("posix_spawn \"", binary, "\""));
  }
  return ChildProcess(pid, log_path);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      log_path_(std::move(other.log_path_)),
      status_(std::exchange(other.status_, std::nullopt)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    KillAndReap();
    pid_ = std::exchange(other.pid_, -1);
    log_path_ = std::move(other.log_path_);
    status_ = std::exchange(other.status_, std::nullopt);
  }
  return *this;
}

ChildProcess::~ChildProcess() { KillAndReap(); }

absl::Status ChildProcess::Kill(int signal) {
  if (pid_ <= 0) {
    return absl::FailedPreconditionError("ChildProcess owns no process");
  }
  if (status_.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "process ", pid_, " has already ended with status ", *status_));
  }
  if (kill(pid_, signal) != 0) {
    return absl::ErrnoToStatus(errno,
                               absl::StrCat("kill(", pid_, ", ", signal, ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ChildProcess::Wait(absl::Duration timeout) {
  if (pid_ <= 0) {
    return absl::FailedPreconditionError("ChildProcess owns no process");
  }
  if (status_.has_value()) return *status_;

  const absl::Time deadline = absl::Now() + timeout;
  absl::Duration pause = absl::Milliseconds(1);
  while (true) {
    int status = 0;
    const pid_t result = waitpid(pid_, &status, WNOHANG);
    if (result == pid_) {
      status_ = DecodeWaitStatus(status);
      return *status_;
    }
    if (result < 0 && errno != EINTR) {
      return absl::ErrnoToStatus(errno, absl::StrCat("waitpid(", pid_, ")"));
    }
    const absl::Time now = absl::Now();
    if (now >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("process ", pid_, " still running after ",
                       absl::FormatDuration(timeout)));
    }
    absl::SleepFor(std::min(pause, deadline - now));
    pause = std::min(pause * 2, absl::Milliseconds(50));
  }
}

void ChildProcess::KillAndReap() {
  if (pid_ <= 0 || status_.has_value()) return;
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = DecodeWaitStatus(status);
}

Invocation RunToCompletion(const std::string& binary,
                           const std::vector<std::string>& args,
                           const std::string& log, absl::Duration timeout,
                           const std::string& stdin_path) {
  Invocation run;
  absl::StatusOr<ChildProcess> child =
      ChildProcess::Start(binary, args, log, stdin_path);
  if (!child.ok()) {
    run.output = child.status().ToString();
    return run;
  }
  absl::StatusOr<int> code = child->Wait(timeout);
  std::ifstream in(log);
  std::ostringstream text;
  text << in.rdbuf();
  run.output = text.str();
  if (code.ok()) {
    run.code = *code;
  } else {
    absl::StrAppend(&run.output, "\n(", binary, ": ", code.status().ToString(),
                    ")");
  }
  return run;
}

std::string ReadFileTail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return absl::StrCat("(cannot read ", path, ")");
  const std::streamoff size = in.tellg();
  const std::streamoff start = std::max<std::streamoff>(
      0, size - static_cast<std::streamoff>(max_bytes));
  in.seekg(start);
  std::ostringstream tail;
  if (start > 0) tail << "...";
  tail << in.rdbuf();
  return tail.str();
}

int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), length);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace prevent::plan::test_support
