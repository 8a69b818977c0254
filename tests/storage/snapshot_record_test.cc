#include "libplan/storage/snapshot_record.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libplan/storage/records.pb.h"

namespace plan {
namespace {

namespace storage = prevent::plan::storage;
namespace v1 = prevent::plan::v1;

TEST(ReadSnapshotRecordTest, ReadsWhatAFullParseWouldGive) {
  storage::Entity entity;
  entity.set_resource("resource bytes \x01\x02");
  entity.set_deleted(true);
  for (int i = 0; i < 7; ++i) {
    storage::Version& version =
        (*entity.mutable_field_versions())[absl::StrCat("field", i)];
    version.set_hlc(1000 + i);
    version.set_replica_id("r0123456789abc");
    version.set_change_id(absl::StrCat("r0123456789abc:", i));
    version.set_sequence(40 + i);
    version.set_organisation("organisations/staffordshire-police");
    version.set_service_sequence(i == 3 ? 0 : 900 + i);
  }
  *entity.mutable_lifecycle_version() = entity.field_versions().at("field2");
  entity.set_service_known(true);
  entity.set_service_resource("other");
  const std::string bytes = entity.SerializeAsString();

  v1::SnapshotRecord record;
  record.set_name("plans/p");
  record.set_resource("stale");
  (*record.mutable_field_sequences())["stale"] = 1;
  ASSERT_TRUE(ReadSnapshotRecord(bytes, &record));
  EXPECT_EQ(record.name(), "plans/p");
  EXPECT_EQ(record.resource(), entity.resource());
  EXPECT_TRUE(record.deleted());
  ASSERT_EQ(record.field_sequences_size(), 7);
  for (const auto& [field, version] : entity.field_versions()) {
    EXPECT_EQ(record.field_sequences().at(field), version.service_sequence())
        << field;
  }

  // Defaults (absent fields) read as defaults.
  ASSERT_TRUE(
      ReadSnapshotRecord(storage::Entity().SerializeAsString(), &record));
  EXPECT_EQ(record.resource(), "");
  EXPECT_FALSE(record.deleted());
  EXPECT_EQ(record.field_sequences_size(), 0);
}

// Every prefix of an entity's bytes (most of them corrupt, some valid
// shorter entities) reads exactly as a full parse does.
TEST(ReadSnapshotRecordTest, AgreesWithAFullParseOnEveryPrefix) {
  storage::Entity entity;
  entity.set_resource(std::string(100, 'x'));
  entity.set_deleted(true);
  (*entity.mutable_field_versions())["rag"].set_service_sequence(5);
  (*entity.mutable_field_versions())["rag"].set_change_id("r1:2");
  (*entity.mutable_field_versions())["description"].set_service_sequence(300);
  const std::string bytes = entity.SerializeAsString();
  int valid = 0;
  for (size_t cut = 0; cut <= bytes.size(); ++cut) {
    const std::string prefix = bytes.substr(0, cut);
    storage::Entity parsed;
    v1::SnapshotRecord record;
    const bool ok = parsed.ParseFromString(prefix);
    ASSERT_EQ(ReadSnapshotRecord(prefix, &record), ok) << cut;
    if (!ok) continue;
    ++valid;
    EXPECT_EQ(record.resource(), parsed.resource()) << cut;
    EXPECT_EQ(record.deleted(), parsed.deleted()) << cut;
    ASSERT_EQ(record.field_sequences_size(), parsed.field_versions_size());
    for (const auto& [field, version] : parsed.field_versions()) {
      EXPECT_EQ(record.field_sequences().at(field), version.service_sequence());
    }
  }
  EXPECT_GE(valid, 4);  // empty, resource, +deleted, +each map entry
  v1::SnapshotRecord record;
  EXPECT_FALSE(ReadSnapshotRecord("\xff\xff\xff", &record));
}

// A map entry may repeat its value; a parse merges the repeats, so a later
// empty value does not clear the sequence an earlier one set.
TEST(ReadSnapshotRecordTest, MergesARepeatedMapValueAsAParseDoes) {
  const std::string bytes("\x12\x09\x0a\x01\x61\x12\x02\x30\x05\x12\x00", 11);
  storage::Entity parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  ASSERT_EQ(parsed.field_versions().at("a").service_sequence(), 5u);
  v1::SnapshotRecord record;
  ASSERT_TRUE(ReadSnapshotRecord(bytes, &record));
  EXPECT_EQ(record.field_sequences().at("a"), 5u);
}

}  // namespace
}  // namespace plan
