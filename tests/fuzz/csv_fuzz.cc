// libFuzzer target: ParsePlanCsv on arbitrary bytes must never crash, hang or
// read out of bounds. Every refusal is an INVALID_ARGUMENT with a message.
// Whatever it accepts must be a valid document (every resource passes
// ValidateFields, every name parses as its kind, every reference names a
// resource of the document, siblings' positions sort in document order) that
// WritePlanCsv and ParsePlanCsv bring back unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "libplan/formats/csv.h"
#include "libplan/model/fields.h"
#include "libplan/model/names.h"
#include "libplan/model/validation.h"
#include "libplan/util/errors.h"

namespace {

namespace v1 = prevent::plan::v1;

[[noreturn]] void Fail(const std::string& why) {
  std::fprintf(stderr, "csv_fuzz: %s\n", why.c_str());
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

// Siblings' positions must sort in document order.
void CheckOrder(const std::string& position, std::string* last) {
  if (!last->empty() && !(*last < position)) {
    Fail("position \"" + position + "\" does not sort after \"" + *last + "\"");
  }
  *last = position;
}

void CheckDocument(const plan::PlanDocument& doc) {
  std::set<std::string> names;
  std::string last_strand, last_activity;
  for (const v1::Organisation& o : doc.organisations) {
    CheckResource(plan::Kind::kOrganisation, o, o.name(), &names);
  }
  for (const v1::Strand& s : doc.strands) {
    CheckResource(plan::Kind::kStrand, s, s.name(), &names);
    CheckOrder(s.position(), &last_strand);
  }
  for (const plan::ActivityEntry& entry : doc.activities) {
    const v1::Activity& activity = entry.activity;
    CheckResource(plan::Kind::kActivity, activity, activity.name(), &names);
    CheckOrder(activity.position(), &last_activity);
    std::string last_action;
    if (!activity.strand().empty() && names.count(activity.strand()) == 0) {
      Fail("unknown strand " + activity.strand());
    }
    for (const std::string& lead : activity.lead_organisations()) {
      if (names.count(lead) == 0) Fail("unknown lead " + lead);
    }
    for (const v1::Action& action : entry.actions) {
      CheckResource(plan::Kind::kAction, action, action.name(), &names);
      CheckOrder(action.position(), &last_action);
      if (action.name().rfind(activity.name() + "/", 0) != 0) {
        Fail("action " + action.name() + " outside its activity");
      }
      if (!action.owner_organisation().empty() &&
          names.count(action.owner_organisation()) == 0) {
        Fail("unknown owner " + action.owner_organisation());
      }
    }
  }
}

bool SameDocument(const plan::PlanDocument& a, const plan::PlanDocument& b) {
  const auto same = [](const google::protobuf::Message& x,
                       const google::protobuf::Message& y) {
    return plan::SerializeDeterministic(x) == plan::SerializeDeterministic(y);
  };
  if (!same(a.plan, b.plan) ||
      a.organisations.size() != b.organisations.size() ||
      a.strands.size() != b.strands.size() ||
      a.activities.size() != b.activities.size()) {
    return false;
  }
  for (size_t i = 0; i < a.organisations.size(); ++i) {
    if (!same(a.organisations[i], b.organisations[i])) return false;
  }
  for (size_t i = 0; i < a.strands.size(); ++i) {
    if (!same(a.strands[i], b.strands[i])) return false;
  }
  for (size_t i = 0; i < a.activities.size(); ++i) {
    const plan::ActivityEntry& x = a.activities[i];
    const plan::ActivityEntry& y = b.activities[i];
    if (!same(x.activity, y.activity) || x.actions.size() != y.actions.size()) {
      return false;
    }
    for (size_t k = 0; k < x.actions.size(); ++k) {
      if (!same(x.actions[k], y.actions[k])) return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  v1::Plan plan;
  plan.set_name("plans/fuzz");
  plan.set_title("Fuzz plan");
  absl::StatusOr<plan::ParsedPlan> parsed = plan::ParsePlanCsv(text, plan);
  if (!parsed.ok()) {
    if (parsed.status().code() != absl::StatusCode::kInvalidArgument ||
        parsed.status().message().empty()) {
      Fail("refusal is not INVALID_ARGUMENT: " + parsed.status().ToString());
    }
    return 0;
  }
  CheckDocument(parsed->document);
  const std::string written = plan::WritePlanCsv(parsed->document);
  absl::StatusOr<plan::ParsedPlan> again = plan::ParsePlanCsv(written, plan);
  if (!again.ok()) {
    Fail("its own output is refused: " + again.status().ToString() + "\n" +
         written);
  }
  if (!SameDocument(parsed->document, again->document)) {
    Fail("round trip changed the document:\n" + written);
  }
  return 0;
}
