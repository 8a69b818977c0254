#include "libplan/rpc/status.h"

#include <string>

#include "absl/strings/ascii.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "libplan/util/errors.h"

namespace plan {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(std::string(status.message()));
  bool has_info = false;
  status.ForEachPayload(
      [&](absl::string_view type_url, const absl::Cord& payload) {
        auto* any = details.add_details();
        any->set_type_url(std::string(type_url));
        any->set_value(std::string(payload));
        has_info = has_info || type_url == kErrorInfoTypeUrl;
      });
  if (!has_info) {
    google::rpc::ErrorInfo info;
    info.set_reason(
        absl::AsciiStrToUpper(absl::StatusCodeToString(status.code())));
    info.set_domain(kErrorDomain);
    details.add_details()->PackFrom(info);
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()),
                      details.SerializeAsString());
}

}  // namespace plan
