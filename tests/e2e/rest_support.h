// What the REST end-to-end tests share: one HTTP request with a plain
// client, its answer read back as JSON, and a matcher of the API's error
// body (AIP-193).
#ifndef PLAN_TESTS_E2E_REST_SUPPORT_H_
#define PLAN_TESTS_E2E_REST_SUPPORT_H_

#include <httplib.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace prevent::plan::test_support {

struct Reply {
  int status = 0;
  std::string body;
  std::string content_type;
  httplib::Headers headers;
};

// One request; status 0 when no answer came.
inline Reply Send(httplib::Client& client, const std::string& method,
                  const std::string& path, const std::string& body = "",
                  httplib::Headers headers = {},
                  const std::string& content_type = "application/json") {
  httplib::Result result = [&] {
    if (method == "GET") return client.Get(path, headers);
    if (method == "POST") return client.Post(path, headers, body, content_type);
    if (method == "PATCH") {
      return client.Patch(path, headers, body, content_type);
    }
    if (method == "PUT") return client.Put(path, headers, body, content_type);
    return client.Delete(path, headers, body, content_type);
  }();
  Reply reply;
  if (!result) return reply;
  reply.status = result->status;
  reply.body = result->body;
  reply.content_type = result->get_header_value("Content-Type");
  reply.headers = result->headers;
  return reply;
}

// `text` as a JSON string literal (etags hold quotes).
inline std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

template <typename Message>
Message Parse(const Reply& reply) {
  Message message;
  const auto parsed =
      google::protobuf::util::JsonStringToMessage(reply.body, &message);
  EXPECT_TRUE(parsed.ok()) << parsed.message() << "\n" << reply.body;
  return message;
}

// The AIP-193 error body: {"error": {"code", "message", "status", ...}}.
MATCHER_P2(IsError, http_status, reason, "") {
  *result_listener << "status " << arg.status << ", body " << arg.body;
  return arg.status == http_status &&
         absl::StrContains(arg.body,
                           absl::StrCat("\"code\":", http_status, ",")) &&
         absl::StrContains(arg.body,
                           absl::StrCat("\"reason\":\"", reason, "\"")) &&
         absl::StartsWith(arg.content_type, "application/json");
}

}  // namespace prevent::plan::test_support

#endif  // PLAN_TESTS_E2E_REST_SUPPORT_H_
