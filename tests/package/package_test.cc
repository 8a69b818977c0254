// The Debian packages that `cpack -G DEB` built in the build directory
// (deploy/CMakeLists.txt), unpacked into a scratch root: what they declare,
// what they hold, and the installed service started as its systemd unit
// would start it, with the installed configuration.
//
// This machine runs no systemd, and installing into the real system from a
// test would change the machine, so the unit is played here: its ExecStart
// is run with every absolute path moved under the scratch root, with
// NOTIFY_SOCKET set, as systemd sets it for a Type=notify unit. The listen
// port is the one change to the installed configuration: port 0 in place of
// 50051, so the test never takes a port another process may hold.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_for.h"

namespace prevent::plan::test_support {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kVersion = PLAN_VERSION;

std::string Deb(const std::string& package) {
  return absl::StrCat(PLAN_PACKAGE_DIR, "/", package, "_", kVersion,
                      "_amd64.deb");
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool Exists(const std::string& path) {
  struct stat status;
  return ::stat(path.c_str(), &status) == 0;
}

// A datagram socket standing in for systemd's notification socket.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path.copy(address.sun_path, sizeof(address.sun_path) - 1);
    bound_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&address),
                                sizeof(address)) == 0;
  }
  ~NotifySocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool bound() const { return bound_; }

  // Every message received within `timeout` until one holds `wanted`,
  // joined by "|".
  std::string ReceiveUntil(absl::string_view wanted, absl::Duration timeout) {
    std::string received;
    const absl::Time deadline = absl::Now() + timeout;
    while (!absl::StrContains(received, wanted) && absl::Now() < deadline) {
      timeval wait{.tv_sec = 0, .tv_usec = 200000};
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
      char buffer[4096];
      const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n > 0) absl::StrAppend(&received, std::string(buffer, n), "|");
    }
    return received;
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

class PackageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<TempDir> dir = TempDir::Create("package-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    scratch_ = new TempDir(*std::move(dir));
    root_ = new std::string(scratch_->Subpath("root"));
    for (const std::string package :
         {"prevent-plan-service", "prevent-sync-agent", "planctl"}) {
      ASSERT_TRUE(Exists(Deb(package)))
          << Deb(package) << " is missing: run `cpack -G DEB` in the build "
          << "directory first (deploy/dev.sh build does)";
      const Invocation unpacked =
          RunToCompletion("/usr/bin/dpkg-deb", {"-x", Deb(package), *root_},
                          scratch_->Subpath("dpkg.log"));
      ASSERT_EQ(unpacked.code, 0) << unpacked.output;
    }
  }
  static void TearDownTestSuite() {
    delete root_;
    delete scratch_;
  }

  static std::string Root(absl::string_view path) {
    return absl::StrCat(*root_, path);
  }
  // A new log file for each run: RunToCompletion's output is its log's.
  static std::string Log(absl::string_view name) {
    static int runs = 0;
    return scratch_->Subpath(absl::StrCat(name, "-", ++runs, ".log"));
  }

  // The installed unit's ExecStart, split into words, with each absolute
  // path moved under the scratch root.
  static std::vector<std::string> ExecStart(const std::string& unit) {
    const std::string text = ReadFile(Root("/lib/systemd/system/" + unit));
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      if (absl::ConsumePrefix(&line, "ExecStart=")) {
        std::vector<std::string> words = absl::StrSplit(line, ' ');
        for (std::string& word : words) word = Relocated(word);
        return words;
      }
    }
    return {};
  }

  // `text` with every absolute path the packages use moved under the root.
  static std::string Relocated(absl::string_view text) {
    return absl::StrReplaceAll(text, {{"/usr/", Root("/usr/")},
                                      {"/etc/prevent", Root("/etc/prevent")},
                                      {"/var/lib/", Root("/var/lib/")}});
  }

  static TempDir* scratch_;
  static std::string* root_;
};

TempDir* PackageTest::scratch_ = nullptr;
std::string* PackageTest::root_ = nullptr;

TEST_F(PackageTest, ControlNamesTheLibrariesAndTheSystemUserTool) {
  const Invocation service = RunToCompletion(
      "/usr/bin/dpkg-deb", {"-f", Deb("prevent-plan-service")}, Log("control"));
  ASSERT_EQ(service.code, 0) << service.output;
  EXPECT_THAT(service.output, HasSubstr("Package: prevent-plan-service"));
  EXPECT_THAT(service.output, HasSubstr(absl::StrCat("Version: ", kVersion)));
  // From dpkg-shlibdeps: the libraries the binary links.
  EXPECT_THAT(service.output, HasSubstr("librocksdb"));
  EXPECT_THAT(service.output, HasSubstr("libgrpc++"));
  EXPECT_THAT(service.output, HasSubstr("libsystemd0"));
  EXPECT_THAT(service.output, HasSubstr("adduser"));
  const Invocation agent = RunToCompletion(
      "/usr/bin/dpkg-deb", {"-f", Deb("prevent-sync-agent")}, Log("control"));
  EXPECT_THAT(agent.output, HasSubstr("librocksdb"));
  EXPECT_THAT(agent.output, HasSubstr("adduser"));
  const Invocation planctl = RunToCompletion(
      "/usr/bin/dpkg-deb", {"-f", Deb("planctl")}, Log("control"));
  EXPECT_THAT(planctl.output, HasSubstr("libgrpc++"));
  // planctl holds no store.
  EXPECT_THAT(planctl.output, Not(HasSubstr("librocksdb")));
}

TEST_F(PackageTest, FilesAreWhereTheUnitsAndConfigurationSay) {
  for (const char* path : {
           "/usr/bin/plan-service",
           "/usr/bin/sync-agent",
           "/usr/bin/planctl",
           "/usr/share/bash-completion/completions/planctl",
           "/etc/prevent/plan-service.flags",
           "/etc/prevent/sync-agent.flags",
           "/lib/systemd/system/prevent-plan-service.service",
           "/lib/systemd/system/prevent-sync-agent.service",
           "/lib/systemd/system/prevent-sync-agent-once.service",
           "/lib/systemd/system/prevent-sync-agent.timer",
           "/usr/share/doc/prevent-plan-service/operations.md",
           "/usr/share/doc/prevent-sync-agent/operations.md",
       }) {
    EXPECT_TRUE(Exists(Root(path))) << path;
  }
  // The data lives in each unit's state directory.
  EXPECT_THAT(ReadFile(Root("/etc/prevent/plan-service.flags")),
              HasSubstr("--data_dir=/var/lib/prevent-plan-service/data"));
  EXPECT_THAT(ReadFile(Root("/etc/prevent/sync-agent.flags")),
              HasSubstr("--data_dir=/var/lib/prevent-sync-agent/data"));
}

TEST_F(PackageTest, ConfigurationIsKeptAcrossUpgradesAndUsersAreMade) {
  for (const std::string component : {"plan-service", "sync-agent"}) {
    const std::string package = "prevent-" + component;
    const std::string control = scratch_->Subpath("control-" + component);
    const Invocation extracted = RunToCompletion(
        "/usr/bin/dpkg-deb", {"-e", Deb(package), control}, Log("control"));
    ASSERT_EQ(extracted.code, 0) << extracted.output;
    EXPECT_EQ(ReadFile(control + "/conffiles"),
              absl::StrCat("/etc/prevent/", component, ".flags\n"));
    const std::string postinst = ReadFile(control + "/postinst");
    EXPECT_THAT(postinst, HasSubstr("adduser --system"));
    EXPECT_THAT(postinst, HasSubstr(package));
    for (const char* script : {"/postinst", "/prerm", "/postrm"}) {
      struct stat status;
      ASSERT_EQ(::stat((control + script).c_str(), &status), 0) << script;
      EXPECT_TRUE(status.st_mode & S_IXUSR) << script;
      const Invocation parsed =
          RunToCompletion("/bin/sh", {"-n", control + script}, Log("control"));
      EXPECT_EQ(parsed.code, 0) << script << ": " << parsed.output;
    }
  }
}

TEST_F(PackageTest, UnitsAreHardenedAndVerify) {
  for (const char* unit :
       {"prevent-plan-service.service", "prevent-sync-agent.service",
        "prevent-sync-agent-once.service"}) {
    const std::string text =
        ReadFile(Root(absl::StrCat("/lib/systemd/system/", unit)));
    for (const char* line :
         {"NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
          "PrivateTmp=yes", "ReadWritePaths=/var/lib/prevent-"}) {
      EXPECT_THAT(text, HasSubstr(line)) << unit;
    }
    EXPECT_THAT(text, Not(HasSubstr("DynamicUser"))) << unit;
  }
  EXPECT_THAT(
      ReadFile(Root("/lib/systemd/system/prevent-plan-service.service")),
      HasSubstr("Type=notify"));
  EXPECT_THAT(ReadFile(Root("/lib/systemd/system/prevent-sync-agent.service")),
              HasSubstr("Type=notify"));
  // The scratch root stands for a Debian system with systemd: it gets
  // systemd's own targets and slices, which the units are ordered against.
  for (const auto& entry :
       std::filesystem::directory_iterator("/lib/systemd/system")) {
    const std::string name = entry.path().filename();
    if (absl::EndsWith(name, ".target") || absl::EndsWith(name, ".slice")) {
      std::filesystem::copy_file(entry.path(),
                                 Root("/lib/systemd/system/" + name),
                                 std::filesystem::copy_options::skip_existing);
    }
  }
  const Invocation verified =
      RunToCompletion("/usr/bin/systemd-analyze",
                      {"verify", absl::StrCat("--root=", *root_),
                       "/lib/systemd/system/prevent-plan-service.service",
                       "/lib/systemd/system/prevent-sync-agent.service",
                       "/lib/systemd/system/prevent-sync-agent-once.service",
                       "/lib/systemd/system/prevent-sync-agent.timer"},
                      Log("verify"));
  EXPECT_EQ(verified.code, 0) << verified.output;
  // Not even a warning (an unknown or misspelt key is only a warning).
  EXPECT_EQ(verified.output, "");
}

TEST_F(PackageTest, EveryProgramPrintsItsVersionAndCommit) {
  for (const char* program : {"plan-service", "sync-agent", "planctl"}) {
    const Invocation version = RunToCompletion(
        Root(absl::StrCat("/usr/bin/", program)), {"--version"}, Log(program));
    EXPECT_EQ(version.code, 0) << version.output;
    EXPECT_THAT(version.output,
                HasSubstr(absl::StrCat(program, " ", kVersion, " (commit ")))
        << version.output;
  }
}

TEST_F(PackageTest, BashCompletesCommandsSubcommandsAndFlags) {
  const std::string script =
      Root("/usr/share/bash-completion/completions/planctl");
  ASSERT_TRUE(Exists(script));
  // COMPREPLY after completing the words of `line`, the last one partial.
  const auto complete = [&](const std::string& line) {
    const Invocation run = RunToCompletion(
        "/bin/bash",
        {"-c", absl::StrCat("source ", script, "; COMP_WORDS=(", line,
                            "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); "
                            "_planctl; "
                            "echo \"${COMPREPLY[*]}\"")},
        Log("complete"));
    EXPECT_EQ(run.code, 0) << run.output;
    return std::string(absl::StripAsciiWhitespace(run.output));
  };
  EXPECT_EQ(complete("planctl rep"), "replicas report");
  EXPECT_EQ(complete("planctl --json conf"), "conflicts");
  EXPECT_EQ(complete("planctl admin u"), "users");
  // bash splits --server=127.0.0.1:50051 into five words.
  EXPECT_EQ(complete("planctl --server = 127.0.0.1 : 50051 admin s"), "status");
  EXPECT_EQ(complete("planctl list --serv"), "--server=");
  EXPECT_EQ(complete("planctl list --show_del"), "--show_deleted");
}

TEST_F(PackageTest, InstalledServiceStartsAsItsUnitWould) {
  std::vector<std::string> command = ExecStart("prevent-plan-service.service");
  ASSERT_GE(command.size(), 2u);
  EXPECT_EQ(command[0], Root("/usr/bin/plan-service"));
  // The installed configuration, its paths under the scratch root (the
  // data directory is the unit's StateDirectory, which systemd makes).
  const std::string flags = scratch_->Subpath("plan-service.flags");
  std::ofstream(flags) << Relocated(
      ReadFile(Root("/etc/prevent/plan-service.flags")));
  std::filesystem::create_directories(Root("/var/lib/prevent-plan-service"));
  command[1] = "--flagfile=" + flags;
  const std::string port_file = scratch_->Subpath("port");
  command.push_back("--listen=127.0.0.1:0");
  command.push_back("--port_file=" + port_file);

  NotifySocket notify(scratch_->Subpath("notify"));
  ASSERT_TRUE(notify.bound());
  ASSERT_EQ(::setenv("NOTIFY_SOCKET", scratch_->Subpath("notify").c_str(), 1),
            0);
  absl::StatusOr<ChildProcess> service = ChildProcess::Start(
      command[0], std::vector<std::string>(command.begin() + 1, command.end()),
      Log("plan-service"));
  ::unsetenv("NOTIFY_SOCKET");
  ASSERT_TRUE(service.ok()) << service.status();
  const std::string ready = notify.ReceiveUntil("READY=1", absl::Seconds(60));
  ASSERT_THAT(ready, HasSubstr("READY=1")) << ReadFileTail(service->log_path());
  EXPECT_THAT(ready, HasSubstr("STATUS=serving 127.0.0.1:0 port="));
  EXPECT_TRUE(Exists(Root("/var/lib/prevent-plan-service/data/CURRENT")));
  EXPECT_TRUE(Exists(Root("/var/lib/prevent-plan-service/backups")));

  // The installed planctl reaches it.
  const std::string port =
      std::string(absl::StripAsciiWhitespace(ReadFile(port_file)));
  const Invocation listed = RunToCompletion(
      Root("/usr/bin/planctl"),
      {absl::StrCat("--server=127.0.0.1:", port), "list", "plans"},
      Log("planctl"));
  EXPECT_EQ(listed.code, 0) << listed.output;

  ASSERT_TRUE(service->Kill(SIGTERM).ok());
  EXPECT_THAT(notify.ReceiveUntil("STOPPING=1", absl::Seconds(30)),
              HasSubstr("STOPPING=1"));
  absl::StatusOr<int> code = service->Wait(absl::Seconds(30));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << ReadFileTail(service->log_path());
  EXPECT_THAT(ReadFile(service->log_path()),
              HasSubstr(absl::StrCat("version=", kVersion)));
}

TEST_F(PackageTest, InstalledAgentSaysWhatItsConfigurationLacks) {
  std::vector<std::string> command = ExecStart("prevent-sync-agent.service");
  ASSERT_GE(command.size(), 2u);
  const Invocation started = RunToCompletion(
      command[0], std::vector<std::string>(command.begin() + 1, command.end()),
      Log("sync-agent"));
  EXPECT_EQ(started.code, 2) << started.output;
  EXPECT_THAT(started.output, HasSubstr("--organisation is required"));
  EXPECT_EQ(std::count(started.output.begin(), started.output.end(), '\n'), 1)
      << started.output;
}

TEST_F(PackageTest, BadStartsStopWithOneClearLine) {
  const std::string service = Root("/usr/bin/plan-service");
  // A missing configuration file.
  const Invocation missing = RunToCompletion(
      service, {"--flagfile=" + Root("/etc/prevent/nonexistent.flags")},
      Log("bad"));
  EXPECT_NE(missing.code, 0);
  EXPECT_THAT(missing.output, HasSubstr("nonexistent.flags"));
  // A data directory that cannot be made: its parent is a file.
  const Invocation unwritable = RunToCompletion(
      service,
      {"--listen=127.0.0.1:0",
       "--data_dir=" + Root("/etc/prevent/plan-service.flags/data")},
      Log("bad"));
  EXPECT_EQ(unwritable.code, 1) << unwritable.output;
  EXPECT_THAT(unwritable.output, HasSubstr("cannot open store"));
  // A port another process holds: refused before the store is made.
  const int holder = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(::listen(holder, 1), 0);
  ASSERT_EQ(
      ::getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const Invocation in_use = RunToCompletion(
      service,
      {absl::StrCat("--listen=127.0.0.1:", ntohs(address.sin_port)),
       "--data_dir=" + scratch_->Subpath("in-use")},
      Log("bad"));
  ::close(holder);
  EXPECT_EQ(in_use.code, 1) << in_use.output;
  EXPECT_THAT(in_use.output, HasSubstr("the port is in use"));
  EXPECT_FALSE(Exists(scratch_->Subpath("in-use")));
  // A bad log format.
  const Invocation format = RunToCompletion(
      service, {"--log_format=xml", "--data_dir=" + scratch_->Subpath("x")},
      Log("bad"));
  EXPECT_EQ(format.code, 2) << format.output;
  EXPECT_THAT(format.output, HasSubstr("--log_format"));
  EXPECT_FALSE(Exists(scratch_->Subpath("x")));
}

}  // namespace
}  // namespace prevent::plan::test_support
