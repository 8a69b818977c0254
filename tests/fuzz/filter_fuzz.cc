// libFuzzer target: Filter::Parse, Check and Matches on arbitrary text must
// never crash, hang or read out of bounds, and every refusal is an
// INVALID_ARGUMENT with a message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "libplan/model/filter.h"
#include "prevent/plan/v1/resources.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<plan::Filter> filter = plan::Filter::Parse(text);
  if (!filter.ok()) {
    if (filter.status().code() != absl::StatusCode::kInvalidArgument ||
        filter.status().message().empty()) {
      std::abort();
    }
    return 0;
  }
  prevent::plan::v1::Action action;
  action.set_name("plans/p/activities/a/actions/x");
  action.set_description("Refer to the Prevent team");
  action.set_rag(prevent::plan::v1::RED);
  action.mutable_timescale()->set_end("2024-03");
  action.mutable_update_time()->set_seconds(1700000000);
  const absl::Status checked =
      filter->Check(*action.GetDescriptor(), {"overdue"});
  if (!checked.ok() && checked.code() != absl::StatusCode::kInvalidArgument) {
    std::abort();
  }
  filter->Matches(action, {{"overdue", true}});
  return 0;
}
