#include "libplan/model/fields.h"

#include <memory>
#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "prevent/plan/v1/resources.pb.h"

namespace plan {
namespace {

namespace v1 = prevent::plan::v1;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::util::MessageDifferencer;

const FieldDescriptor& FieldOf(const Message& message, const char* name) {
  const FieldDescriptor* field = message.GetDescriptor()->FindFieldByName(name);
  EXPECT_NE(field, nullptr) << name;
  return *field;
}

v1::Activity FullActivity() {
  v1::Activity activity;
  activity.set_name("plans/p/activities/a");
  activity.set_title("Channel panel");
  activity.add_lead_organisations("organisations/police");
  activity.add_lead_organisations("organisations/council");
  activity.add_duty_areas(v1::DutyArea());
  activity.add_duty_areas(static_cast<v1::DutyArea>(2));
  activity.set_position("m");
  activity.mutable_create_time()->set_seconds(1700000000);
  return activity;
}

// A message of `from`'s type holding only `field`, the way it was computed
// before CopyField went field by field: the whole message, with every other
// field cleared.
std::unique_ptr<Message> OnlyField(const Message& from,
                                   const FieldDescriptor& field) {
  std::unique_ptr<Message> only(from.New());
  only->CopyFrom(from);
  std::vector<const FieldDescriptor*> fields;
  from.GetReflection()->ListFields(from, &fields);
  for (const FieldDescriptor* other : fields) {
    if (other != &field) only->GetReflection()->ClearField(only.get(), other);
  }
  return only;
}

TEST(CopyFieldTest, CopiesEachKindOfFieldAndNothingElse) {
  const v1::Activity from = FullActivity();
  for (const char* name : {"title", "lead_organisations", "duty_areas",
                           "position", "create_time", "county_activity"}) {
    v1::Activity to;
    to.set_title("kept unless copied");
    to.add_lead_organisations("organisations/replaced-unless-copied");
    CopyField(from, FieldOf(from, name), &to);
    v1::Activity expected;
    expected.set_title("kept unless copied");
    expected.add_lead_organisations("organisations/replaced-unless-copied");
    expected.GetReflection()->ClearField(&expected, &FieldOf(from, name));
    expected.MergeFrom(*OnlyField(from, FieldOf(from, name)));
    EXPECT_TRUE(MessageDifferencer::Equals(to, expected))
        << name << ": " << to.ShortDebugString() << " against "
        << expected.ShortDebugString();
  }
}

TEST(CopyFieldTest, ClearsTheFieldWhenTheSourceHasNoValue) {
  v1::Activity to = FullActivity();
  CopyField(v1::Activity(), FieldOf(to, "lead_organisations"), &to);
  EXPECT_EQ(to.lead_organisations_size(), 0);
  CopyField(v1::Activity(), FieldOf(to, "title"), &to);
  EXPECT_EQ(to.title(), "");
  CopyField(v1::Activity(), FieldOf(to, "create_time"), &to);
  EXPECT_FALSE(to.has_create_time());
  EXPECT_EQ(to.position(), "m");
}

TEST(CopyFieldTest, CopiesANestedMessageWhole) {
  v1::Action from;
  from.mutable_timescale()->set_text("Ongoing");
  from.mutable_timescale()->set_ongoing(true);
  v1::Action to;
  to.mutable_timescale()->set_start("2024-01");
  CopyField(from, FieldOf(from, "timescale"), &to);
  EXPECT_TRUE(MessageDifferencer::Equals(to.timescale(), from.timescale()))
      << to.ShortDebugString();
}

TEST(FieldValueBytesTest, IsTheEncodingOfAMessageHoldingOnlyTheField) {
  const v1::Activity from = FullActivity();
  for (int i = 0; i < from.GetDescriptor()->field_count(); ++i) {
    const FieldDescriptor& field = *from.GetDescriptor()->field(i);
    EXPECT_EQ(FieldValueBytes(from, field),
              SerializeDeterministic(*OnlyField(from, field)))
        << field.name();
  }
  EXPECT_EQ(FieldValueBytes(from, FieldOf(from, "county_activity")), "");
}

}  // namespace
}  // namespace plan

namespace plan {
namespace {

// ListChanges shows every field a change touched: a conflict's candidates and
// resolution too. Reading the repeated message field as strings once killed
// the service with a protobuf FATAL.
TEST(DisplayValueTest, ShowsEveryFieldOfAConflict) {
  prevent::plan::v1::Conflict conflict;
  conflict.set_field("rag");
  conflict.add_candidates()->set_display_value("RED");
  conflict.add_candidates()->set_display_value("GREEN");
  conflict.mutable_resolution()->set_display_value("AMBER");
  conflict.set_state(prevent::plan::v1::Conflict::RESOLVED);
  const std::string bytes = conflict.SerializeAsString();
  const google::protobuf::Descriptor& type = *conflict.GetDescriptor();
  EXPECT_EQ(DisplayValue(type, *type.FindFieldByName("candidates"), bytes),
            "RED, GREEN");
  EXPECT_EQ(DisplayValue(type, *type.FindFieldByName("resolution"), bytes),
            "AMBER");
  EXPECT_EQ(DisplayValue(type, *type.FindFieldByName("state"), bytes),
            "RESOLVED");
  EXPECT_EQ(DisplayValue(type, *type.FindFieldByName("field"), bytes), "rag");
  EXPECT_EQ(
      DisplayValue(type, *type.FindFieldByName("provisional_winner"), bytes),
      "0");
}

TEST(DisplayValueTest, ShowsEveryFieldOfEveryResource) {
  for (const google::protobuf::Descriptor* type :
       {prevent::plan::v1::Organisation::descriptor(),
        prevent::plan::v1::Plan::descriptor(),
        prevent::plan::v1::Strand::descriptor(),
        prevent::plan::v1::Activity::descriptor(),
        prevent::plan::v1::Action::descriptor(),
        prevent::plan::v1::ProgressUpdate::descriptor(),
        prevent::plan::v1::Conflict::descriptor()}) {
    for (int i = 0; i < type->field_count(); ++i) {
      // Must not crash, for a value set or not.
      DisplayValue(*type, *type->field(i), "");
    }
  }
}

}  // namespace
}  // namespace plan
