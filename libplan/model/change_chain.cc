#include "libplan/model/change_chain.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "libplan/util/errors.h"
#include "libplan/util/sha256.h"
#include "prevent/plan/v1/sync_service.pb.h"

namespace plan {

namespace v1 = prevent::plan::v1;

void ChainVerifier::Break(uint64_t sequence, std::string why) {
  if (bad_sequence_.has_value()) return;
  bad_sequence_ = sequence;
  why_ = std::move(why);
}

void ChainVerifier::Add(const v1::ChangeLogChunk& chunk) {
  if (!started_) {
    started_ = true;
    anchor_sequence_ = chunk.anchor_sequence();
    last_sequence_ = anchor_sequence_;
    expected_ = chunk.anchor_hash();
  }
  for (const v1::ChangeLogEntry& entry : chunk.entries()) {
    ++entries_;
    if (entry.sequence() != last_sequence_ + 1) {
      Break(last_sequence_ + 1,
            absl::StrCat("entry ", last_sequence_ + 1,
                         " is missing (the next is ", entry.sequence(), ")"));
    }
    std::string hash, link;
    if (!entry.entry().empty()) {
      v1::Change change;
      if (!change.ParseFromString(entry.entry())) {
        Break(entry.sequence(),
              absl::StrCat("entry ", entry.sequence(), " is unreadable"));
      }
      hash = Sha256(entry.entry());
      link = change.prev_hash();
    } else {
      hash = entry.hash();
      link = entry.prev_hash();
    }
    if (link != expected_) {
      // The entry before no longer hashes to what this one recorded: it was
      // altered (or this link was).
      const uint64_t bad = entry.sequence() - 1;
      Break(bad == anchor_sequence_ ? entry.sequence() : bad,
            absl::StrCat("entry ", bad, " does not hash to the link entry ",
                         entry.sequence(), " holds"));
    }
    expected_ = std::move(hash);
    last_sequence_ = entry.sequence();
  }
  if (chunk.last()) {
    head_sequence_ = chunk.head_sequence();
    head_hash_ = chunk.head_hash();
  }
}

absl::Status ChainVerifier::Finish() {
  if (!head_sequence_.has_value()) {
    Break(last_sequence_, "the log ended without its head");
  } else if (*head_sequence_ != last_sequence_) {
    Break(last_sequence_ + 1,
          absl::StrCat("the head is entry ", *head_sequence_,
                       ", the last read ", last_sequence_));
  } else if (head_hash_ != expected_) {
    Break(last_sequence_,
          absl::StrCat("entry ", last_sequence_, " does not hash to the head"));
  }
  if (!bad_sequence_.has_value()) return absl::OkStatus();
  return Error(absl::StatusCode::kDataLoss, "CHAIN_BROKEN",
               absl::StrCat("the change log fails at sequence ", *bad_sequence_,
                            ": ", why_));
}

}  // namespace plan
