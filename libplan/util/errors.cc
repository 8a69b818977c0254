#include "libplan/util/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "google/rpc/error_details.pb.h"

namespace plan {
namespace {

// The most bytes of violations a BadRequest payload carries.
constexpr size_t kMaxBadRequestBytes = 2000;

}  // namespace

std::string Truncate(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  static constexpr absl::string_view kEllipsis = "\u2026";
  size_t cut = max_bytes > kEllipsis.size() ? max_bytes - kEllipsis.size() : 0;
  // Back to the start of a UTF-8 sequence.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return absl::StrCat(text.substr(0, cut), kEllipsis);
}

absl::Status Error(absl::StatusCode code, absl::string_view reason,
                   absl::string_view message, absl::string_view resource) {
  absl::Status status(code, Truncate(message, kMaxErrorMessageBytes));
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(kErrorDomain);
  if (!resource.empty()) {
    (*info.mutable_metadata())["resource"] =
        Truncate(resource, kMaxViolationBytes);
  }
  status.SetPayload(kErrorInfoTypeUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

std::string ErrorReason(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kErrorInfoTypeUrl);
  if (!payload.has_value()) return "";
  google::rpc::ErrorInfo info;
  if (!info.ParseFromString(std::string(*payload))) return "";
  return info.reason();
}

std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status) {
  std::vector<FieldViolation> out;
  absl::optional<absl::Cord> payload = status.GetPayload(kBadRequestTypeUrl);
  if (!payload.has_value()) return out;
  google::rpc::BadRequest bad_request;
  if (!bad_request.ParseFromString(std::string(*payload))) return out;
  for (const auto& v : bad_request.field_violations()) {
    out.push_back({v.field(), v.description()});
  }
  return out;
}

void FieldViolations::Add(std::string field, std::string description) {
  if (violations_.size() >= kMaxFieldViolations) {
    ++dropped_;
    return;
  }
  if (field.size() > kMaxViolationBytes) {
    field = Truncate(field, kMaxViolationBytes);
  }
  if (description.size() > kMaxViolationBytes) {
    description = Truncate(description, kMaxViolationBytes);
  }
  violations_.push_back({std::move(field), std::move(description)});
}

absl::Status FieldViolations::ToStatus() const {
  if (violations_.empty()) return absl::OkStatus();
  std::string message;
  google::rpc::BadRequest bad_request;
  size_t listed = 0;
  for (const FieldViolation& v : violations_) {
    const std::string item = absl::StrCat(v.field, ": ", v.description);
    // Room for this one and for the "; and N more" after it.
    if (message.size() + item.size() + 32 > kMaxErrorMessageBytes) break;
    absl::StrAppend(&message, message.empty() ? "" : "; ", item);
    ++listed;
  }
  if (listed == 0) {
    message = Truncate(
        absl::StrCat(violations_[0].field, ": ", violations_[0].description),
        kMaxErrorMessageBytes - 32);
    listed = 1;
  }
  if (const size_t more = count() - listed; more > 0) {
    absl::StrAppend(&message, "; and ", more, " more");
  }
  // The details repeat the message's violations, within their own bound
  // (libplan/rpc/status.cc).
  size_t detail_bytes = 0;
  for (const FieldViolation& v : violations_) {
    detail_bytes += v.field.size() + v.description.size() + 8;
    if (detail_bytes > kMaxBadRequestBytes) break;
    auto* out = bad_request.add_field_violations();
    out->set_field(v.field);
    out->set_description(v.description);
  }
  absl::Status status =
      Error(absl::StatusCode::kInvalidArgument, "INVALID_ARGUMENT", message);
  status.SetPayload(kBadRequestTypeUrl,
                    absl::Cord(bad_request.SerializeAsString()));
  return status;
}

}  // namespace plan
