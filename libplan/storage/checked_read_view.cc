#include "libplan/storage/checked_read_view.h"

#include <utility>

namespace plan {
namespace {

class Checked final : public ReadView {
 public:
  Checked(std::unique_ptr<ReadView> view, std::function<absl::Status()> check)
      : view_(std::move(view)), check_(std::move(check)) {}

  absl::StatusOr<std::optional<std::string>> Get(
      Cf cf, absl::string_view key) const override {
    return view_->Get(cf, key);
  }

  absl::Status Scan(
      Cf cf, absl::string_view prefix, absl::string_view start_after,
      absl::FunctionRef<bool(absl::string_view key, absl::string_view value)>
          visit) const override {
    absl::Status stopped = absl::OkStatus();
    int visited = 0;
    absl::Status status =
        view_->Scan(cf, prefix, start_after,
                    [&](absl::string_view key, absl::string_view value) {
                      if (!Continue(&visited, &stopped)) return false;
                      return visit(key, value);
                    });
    return stopped.ok() ? status : stopped;
  }

  absl::Status GetSorted(
      Cf cf, absl::Span<const std::string> keys,
      absl::FunctionRef<bool(absl::string_view key, absl::string_view value)>
          visit) const override {
    absl::Status stopped = absl::OkStatus();
    int visited = 0;
    absl::Status status = view_->GetSorted(
        cf, keys, [&](absl::string_view key, absl::string_view value) {
          if (!Continue(&visited, &stopped)) return false;
          return visit(key, value);
        });
    return stopped.ok() ? status : stopped;
  }

  uint64_t sequence() const override { return view_->sequence(); }

 private:
  // Counts one more key; every kKeysPerCheck keys, asks `check_` whether to
  // go on, keeping its error in `stopped` when not.
  bool Continue(int* visited, absl::Status* stopped) const {
    if (++*visited % kKeysPerCheck != 0) return true;
    *stopped = check_();
    return stopped->ok();
  }

  const std::unique_ptr<ReadView> view_;
  const std::function<absl::Status()> check_;
};

}  // namespace

std::unique_ptr<ReadView> CheckedReadView(std::unique_ptr<ReadView> view,
                                          std::function<absl::Status()> check) {
  return std::make_unique<Checked>(std::move(view), std::move(check));
}

}  // namespace plan
