#include "libplan/rpc/status.h"

#include <string>

#include "absl/strings/ascii.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "libplan/util/errors.h"

namespace plan {
namespace {

// gRPC sends a status as trailing metadata, and a client refuses metadata
// over 8 KiB (GRPC_ARG_MAX_METADATA_SIZE): it then never sees the status and
// waits for its deadline. The message goes percent-encoded (3 bytes for each
// byte that is not printable ASCII) and the details base64-encoded (4 for 3),
// so each is held to about 3 KiB on the wire.
constexpr size_t kMaxEncodedMessageBytes = 3 << 10;
// A detail larger than this is left out (FieldViolations keeps a BadRequest
// under it).
constexpr size_t kMaxDetailBytes = 2 << 10;
// All the details together (they repeat the message): 4 KiB once
// base64-encoded, which with the message's 3 KiB keeps within 8 KiB.
constexpr size_t kMaxDetailsBytes = 3 << 10;

// `message` cut so that its percent-encoding fits kMaxEncodedMessageBytes.
std::string BoundedMessage(absl::string_view message) {
  std::string out = Truncate(message, kMaxErrorMessageBytes);
  size_t encoded = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(out[i]);
    encoded += (c >= 0x20 && c < 0x7f && c != '%') ? 1 : 3;
    if (encoded > kMaxEncodedMessageBytes) return Truncate(out, i);
  }
  return out;
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // Errors made with libplan/util/errors.h are bounded already; this bounds
  // every other (gRPC sends the status as metadata: an oversized one never
  // reaches the client, which waits for its deadline instead).
  const std::string message = BoundedMessage(status.message());
  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(message);
  bool has_info = false;
  status.ForEachPayload(
      [&](absl::string_view type_url, const absl::Cord& payload) {
        if (payload.size() > kMaxDetailBytes) return;
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
  // The whole trailer within bounds too: the field violations go first.
  if (details.ByteSizeLong() > kMaxDetailsBytes) {
    google::rpc::Status trimmed;
    trimmed.set_code(details.code());
    trimmed.set_message(details.message());
    for (const auto& any : details.details()) {
      if (any.type_url() != kBadRequestTypeUrl) *trimmed.add_details() = any;
    }
    details = std::move(trimmed);
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message,
                      details.SerializeAsString());
}

}  // namespace plan
