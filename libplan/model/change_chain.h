// Checks the change log's hash chain as ReportService.ReadChangeLog sends it
// (docs/security.md): each entry links to the SHA-256 of the one before, the
// first to the anchor, and the head hash is the last entry's. Pure: no I/O.
//
//   ChainVerifier verifier;
//   for (const v1::ChangeLogChunk& chunk : chunks) verifier.Add(chunk);
//   absl::Status verified = verifier.Finish();  // DATA_LOSS at the break
#ifndef LIBPLAN_MODEL_CHANGE_CHAIN_H_
#define LIBPLAN_MODEL_CHANGE_CHAIN_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "prevent/plan/v1/report_service.pb.h"

namespace plan {

class ChainVerifier {
 public:
  // Checks the entries of the next chunk, in order. The first chunk carries
  // the anchor, the last the head.
  void Add(const prevent::plan::v1::ChangeLogChunk& chunk);

  // OK when every link held and the head matched. Otherwise DATA_LOSS
  // (reason CHAIN_BROKEN) naming the first sequence whose stored entry no
  // longer hashes to what the chain recorded for it (altered, or removed),
  // which bad_sequence() also gives.
  absl::Status Finish();

  // The entries checked so far, whole or by their hash.
  uint64_t entries() const { return entries_; }
  // The first and last sequences the chain covered.
  uint64_t first_sequence() const { return anchor_sequence_ + 1; }
  uint64_t last_sequence() const { return last_sequence_; }
  // The first sequence found bad, once Finish has failed.
  std::optional<uint64_t> bad_sequence() const { return bad_sequence_; }

 private:
  // Records the first break: `sequence` is bad, for `why`.
  void Break(uint64_t sequence, std::string why);

  bool started_ = false;
  uint64_t anchor_sequence_ = 0;
  uint64_t last_sequence_ = 0;
  // The SHA-256 the next entry must link to.
  std::string expected_;
  uint64_t entries_ = 0;
  std::optional<uint64_t> head_sequence_;
  std::string head_hash_;
  std::optional<uint64_t> bad_sequence_;
  std::string why_;
};

}  // namespace plan

#endif  // LIBPLAN_MODEL_CHANGE_CHAIN_H_
