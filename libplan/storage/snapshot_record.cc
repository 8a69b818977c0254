#include "libplan/storage/snapshot_record.h"

#include <climits>
#include <cstdint>
#include <string>

#include "google/protobuf/io/coded_stream.h"
#include "libplan/storage/records.pb.h"

namespace plan {

namespace storage = prevent::plan::storage;
namespace v1 = prevent::plan::v1;

namespace {

using google::protobuf::io::CodedInputStream;

constexpr int kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kStartGroup = 3,
              kEndGroup = 4, kFixed32 = 5;
int FieldNumber(uint32_t tag) { return static_cast<int>(tag >> 3); }
int WireType(uint32_t tag) { return static_cast<int>(tag & 7); }

// Skips the value of a field with `tag`, as a parser skips unknown fields.
bool SkipValue(CodedInputStream& in, uint32_t tag, int depth = 0) {
  uint64_t varint;
  uint32_t length;
  switch (WireType(tag)) {
    case kVarint:
      return in.ReadVarint64(&varint);
    case kFixed64:
      return in.Skip(8);
    case kLengthDelimited:
      return in.ReadVarint32(&length) && length <= INT32_MAX &&
             in.Skip(static_cast<int>(length));
    case kStartGroup:
      if (depth >= 100) return false;
      while (const uint32_t inner = in.ReadTag()) {
        if (WireType(inner) == kEndGroup) {
          return FieldNumber(inner) == FieldNumber(tag);
        }
        if (!SkipValue(in, inner, depth + 1)) return false;
      }
      return false;
    case kFixed32:
      return in.Skip(4);
    default:
      return false;
  }
}

// Reads a length-delimited submessage with `read_field` called for each of
// its fields (returning false on malformed input).
template <typename ReadField>
bool ReadMessage(CodedInputStream& in, ReadField read_field) {
  uint32_t length;
  if (!in.ReadVarint32(&length)) return false;
  // A limit past the enclosing one would be clamped to it, so a truncated
  // message must be caught here.
  const int left = in.BytesUntilLimit();
  if (left >= 0 && length > static_cast<uint32_t>(left)) return false;
  const CodedInputStream::Limit limit = in.PushLimit(static_cast<int>(length));
  while (const uint32_t tag = in.ReadTag()) {
    if (!read_field(tag)) return false;
  }
  if (!in.ConsumedEntireMessage()) return false;
  in.PopLimit(limit);
  return true;
}

}  // namespace

bool ReadSnapshotRecord(absl::string_view entity_bytes,
                        v1::SnapshotRecord* record) {
  record->clear_resource();
  record->clear_deleted();
  record->clear_field_sequences();
  CodedInputStream in(reinterpret_cast<const uint8_t*>(entity_bytes.data()),
                      static_cast<int>(entity_bytes.size()));
  while (const uint32_t tag = in.ReadTag()) {
    const int number = FieldNumber(tag);
    if (number == storage::Entity::kResourceFieldNumber &&
        WireType(tag) == kLengthDelimited) {
      uint32_t length;
      if (!in.ReadVarint32(&length) ||
          !in.ReadString(record->mutable_resource(),
                         static_cast<int>(length))) {
        return false;
      }
    } else if (number == storage::Entity::kDeletedFieldNumber &&
               WireType(tag) == kVarint) {
      uint64_t deleted;
      if (!in.ReadVarint64(&deleted)) return false;
      record->set_deleted(deleted != 0);
    } else if (number == storage::Entity::kFieldVersionsFieldNumber &&
               WireType(tag) == kLengthDelimited) {
      // A map entry: key = 1 (the field), value = 2 (its Version).
      std::string field;
      uint64_t sequence = 0;
      const bool read = ReadMessage(in, [&](uint32_t entry_tag) {
        if (FieldNumber(entry_tag) == 1 &&
            WireType(entry_tag) == kLengthDelimited) {
          uint32_t length;
          return in.ReadVarint32(&length) &&
                 in.ReadString(&field, static_cast<int>(length));
        }
        if (FieldNumber(entry_tag) == 2 &&
            WireType(entry_tag) == kLengthDelimited) {
          // A repeated value merges into the one before, as in a parse.
          return ReadMessage(in, [&](uint32_t version_tag) {
            if (FieldNumber(version_tag) ==
                    storage::Version::kServiceSequenceFieldNumber &&
                WireType(version_tag) == kVarint) {
              return in.ReadVarint64(&sequence);
            }
            return SkipValue(in, version_tag);
          });
        }
        return SkipValue(in, entry_tag);
      });
      if (!read) return false;
      (*record->mutable_field_sequences())[field] = sequence;
    } else if (!SkipValue(in, tag)) {
      return false;
    }
  }
  return in.ConsumedEntireMessage();
}

}  // namespace plan
