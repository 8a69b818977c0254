// Which addresses count as loopback, and what the credentials refuse: TLS is
// all three files or none, and plaintext is for loopback only.
#include "libplan/transport/credentials.h"

#include <fstream>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "libplan/util/errors.h"

namespace plan {
namespace {

TEST(IsLoopbackAddressTest, OnlyAddressesThisMachineAloneCanReach) {
  for (const char* address :
       {"127.0.0.1:50051", "127.9.8.7:1", "localhost:50051", "[::1]:50051",
        "unix:/run/prevent/agent.sock", "dns:///localhost:50051",
        "ipv4:127.0.0.1:5"}) {
    EXPECT_TRUE(IsLoopbackAddress(address)) << address;
  }
  for (const char* address :
       {"0.0.0.0:50051", "[::]:50051", "10.0.0.5:50051", "plans.example:443",
        "128.0.0.1:1", "localhost.example:1", "[::2]:1", ":50051", ""}) {
    EXPECT_FALSE(IsLoopbackAddress(address)) << address;
  }
}

TEST(CredentialsTest, PlaintextIsForLoopbackOnly) {
  EXPECT_TRUE(ServerCredentialsFor("127.0.0.1:0", {}).ok());
  EXPECT_TRUE(ChannelCredentialsFor("localhost:50051", {}).ok());
  for (const char* address : {"0.0.0.0:50051", "10.0.0.5:50051"}) {
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> server =
        ServerCredentialsFor(address, {});
    EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(ErrorReason(server.status()), "TLS_REQUIRED");
    for (const char* flag : {"--listen", "--tls_cert", "--tls_key", "--tls_ca"})
      EXPECT_TRUE(absl::StrContains(server.status().message(), flag))
          << server.status();
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> channel =
        ChannelCredentialsFor(address, {});
    EXPECT_EQ(channel.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_TRUE(absl::StrContains(channel.status().message(), "--server"))
        << channel.status();
  }
}

TEST(CredentialsTest, TlsNeedsThreeReadableFilesAndNamesTheMissingOne) {
  const std::string file = ::testing::TempDir() + "/credentials-test.pem";
  std::ofstream(file) << "-----BEGIN CERTIFICATE-----\n";
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> partial =
      ServerCredentialsFor("0.0.0.0:1", {.cert = file, .key = file, .ca = ""});
  EXPECT_EQ(partial.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(partial.status()), "TLS_FILES_INCOMPLETE");
  EXPECT_TRUE(absl::StrContains(partial.status().message(), "--tls_ca"))
      << partial.status();
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> missing =
      ChannelCredentialsFor(
          "10.0.0.5:1",
          {.cert = file, .key = "/nonexistent/key.pem", .ca = file});
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorReason(missing.status()), "TLS_FILE_UNREADABLE");
  EXPECT_TRUE(absl::StrContains(missing.status().message(),
                                "--tls_key=/nonexistent/key.pem"))
      << missing.status();
}

}  // namespace
}  // namespace plan
