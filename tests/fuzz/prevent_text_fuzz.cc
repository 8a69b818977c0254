// libFuzzer target: ParsePreventText on arbitrary bytes must never crash,
// hang or read out of bounds. Every refusal is an INVALID_ARGUMENT whose
// message says where ("line L, column C: why"). Whatever it accepts must be a
// valid document: every resource passes ValidateFields, every name parses as
// its kind and is unique, every reference names a resource of the document,
// and siblings' positions sort in document order.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "libplan/formats/prevent_text.h"
#include "libplan/model/fields.h"
#include "libplan/model/names.h"
#include "libplan/model/validation.h"
#include "libplan/util/errors.h"

namespace {

namespace v1 = prevent::plan::v1;

constexpr char kPlan[] = "plans/fuzz";

[[noreturn]] void Fail(const std::string& why) {
  std::fprintf(stderr, "prevent_text_fuzz: %s\n", why.c_str());
  std::abort();
}

void CheckResource(plan::Kind kind, const google::protobuf::Message& resource,
                   const std::string& name, std::set<std::string>* names) {
  plan::FieldViolations violations;
  plan::ValidateFields(kind, resource,
                       plan::DataFields(*resource.GetDescriptor()), "resource",
                       &violations);
  if (!violations.empty()) {
    Fail(name + ": " + std::string(violations.ToStatus().message()));
  }
  if (!plan::ResourceName::ParseAs(kind, name).ok()) {
    Fail("bad name \"" + name + "\"");
  }
  if (!names->insert(name).second) Fail("duplicate name \"" + name + "\"");
}

void CheckDocument(const plan::PlanDocument& doc) {
  std::set<std::string> names;
  CheckResource(plan::Kind::kPlan, doc.plan, doc.plan.name(), &names);
  if (doc.plan.name() != kPlan) Fail("plan named " + doc.plan.name());
  for (const v1::Organisation& o : doc.organisations) {
    CheckResource(plan::Kind::kOrganisation, o, o.name(), &names);
  }
  for (const std::string& partner : doc.plan.partner_organisations()) {
    if (names.count(partner) == 0) Fail("unknown partner " + partner);
  }
  std::string last;
  for (const v1::Strand& s : doc.strands) {
    CheckResource(plan::Kind::kStrand, s, s.name(), &names);
    if (!absl::StartsWith(s.name(), std::string(kPlan) + "/")) {
      Fail("strand outside the plan: " + s.name());
    }
    if (!(last < s.position())) Fail("strand positions out of order");
    last = s.position();
  }
  if (doc.activities.empty()) Fail("a document with no activities");
  last.clear();
  for (const plan::ActivityEntry& entry : doc.activities) {
    const v1::Activity& activity = entry.activity;
    CheckResource(plan::Kind::kActivity, activity, activity.name(), &names);
    if (!absl::StartsWith(activity.name(), std::string(kPlan) + "/")) {
      Fail("activity outside the plan: " + activity.name());
    }
    if (!(last < activity.position())) Fail("activity positions out of order");
    last = activity.position();
    if (!activity.strand().empty() && names.count(activity.strand()) == 0) {
      Fail("unknown strand " + activity.strand());
    }
    for (const std::string& lead : activity.lead_organisations()) {
      if (names.count(lead) == 0) Fail("unknown lead " + lead);
    }
    std::string last_action;
    for (const v1::Action& action : entry.actions) {
      CheckResource(plan::Kind::kAction, action, action.name(), &names);
      if (!absl::StartsWith(action.name(), activity.name() + "/")) {
        Fail("action " + action.name() + " outside its activity");
      }
      if (!(last_action < action.position())) {
        Fail("action positions out of order in " + activity.name());
      }
      last_action = action.position();
      if (!action.owner_organisation().empty() &&
          names.count(action.owner_organisation()) == 0) {
        Fail("unknown owner " + action.owner_organisation());
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<plan::ParsedPlan> parsed = plan::ParsePreventText(text, kPlan);
  if (!parsed.ok()) {
    if (parsed.status().code() != absl::StatusCode::kInvalidArgument ||
        !absl::StartsWith(parsed.status().message(), "line ") ||
        !absl::StrContains(parsed.status().message(), ", column ")) {
      Fail("refusal is not INVALID_ARGUMENT with a position: " +
           parsed.status().ToString());
    }
    return 0;
  }
  CheckDocument(parsed->document);
  for (const plan::FormatWarning& warning : parsed->warnings) {
    if (warning.line < 1 || warning.message.empty()) {
      Fail("a warning with no line or message");
    }
  }
  return 0;
}
