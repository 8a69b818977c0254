// ReadSnapshotRecord must read any bytes a full parse of a storage::Entity
// accepts exactly as that parse does (the same resource, deleted flag and
// per-field service sequences), and may refuse only what it refuses. (It
// may accept more: it does not check UTF-8 in the strings it skips.)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "libplan/storage/records.pb.h"
#include "libplan/storage/snapshot_record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  prevent::plan::storage::Entity entity;
  prevent::plan::v1::SnapshotRecord record;
  const bool parsed = entity.ParseFromString(bytes);
  const bool read = plan::ReadSnapshotRecord(bytes, &record);
  if (parsed && !read) std::abort();
  if (!parsed) return 0;
  if (record.resource() != entity.resource() ||
      record.deleted() != entity.deleted() ||
      static_cast<size_t>(record.field_sequences_size()) !=
          entity.field_versions().size()) {
    std::abort();
  }
  for (const auto& [field, version] : entity.field_versions()) {
    auto it = record.field_sequences().find(field);
    if (it == record.field_sequences().end() ||
        it->second != version.service_sequence()) {
      std::abort();
    }
  }
  return 0;
}
