#include "libplan/model/validation.h"

#include <functional>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "libplan/util/utf8.h"
#include "prevent/plan/v1/resources.pb.h"

namespace plan {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

enum class Rule {
  kShortText,  // at most kMaxTitleLength characters
  kLongText,   // at most kMaxTextLength characters
  kPosition,
  kMonth,
  kEnum,
  kOrganisation,    // a reference to organisations/{org}
  kPlan,            // a reference to plans/{plan}
  kStrand,          // a reference to a strand of the same plan
  kCountyActivity,  // a reference to an activity of another (county) plan
  kTimescale,
  kTimestamp,
};

struct FieldRule {
  Kind kind;
  absl::string_view field;
  Rule rule;
  bool required;
};

constexpr FieldRule kRules[] = {
    {Kind::kOrganisation, "display_name", Rule::kShortText, true},
    {Kind::kOrganisation, "kind", Rule::kEnum, false},
    {Kind::kPlan, "title", Rule::kShortText, true},
    {Kind::kPlan, "area", Rule::kShortText, false},
    {Kind::kPlan, "level", Rule::kEnum, false},
    {Kind::kPlan, "parent", Rule::kPlan, false},
    {Kind::kPlan, "period_start", Rule::kMonth, false},
    {Kind::kPlan, "period_end", Rule::kMonth, false},
    {Kind::kPlan, "partner_organisations", Rule::kOrganisation, false},
    {Kind::kStrand, "title", Rule::kShortText, true},
    {Kind::kStrand, "description", Rule::kLongText, false},
    {Kind::kStrand, "position", Rule::kPosition, false},
    {Kind::kActivity, "strand", Rule::kStrand, false},
    {Kind::kActivity, "title", Rule::kShortText, true},
    {Kind::kActivity, "lead_officer", Rule::kShortText, false},
    {Kind::kActivity, "lead_organisations", Rule::kOrganisation, false},
    {Kind::kActivity, "duty_areas", Rule::kEnum, false},
    {Kind::kActivity, "position", Rule::kPosition, false},
    {Kind::kActivity, "county_activity", Rule::kCountyActivity, false},
    {Kind::kAction, "description", Rule::kLongText, true},
    {Kind::kAction, "timescale", Rule::kTimescale, false},
    {Kind::kAction, "rag", Rule::kEnum, false},
    {Kind::kAction, "owner_organisation", Rule::kOrganisation, false},
    {Kind::kAction, "position", Rule::kPosition, false},
    {Kind::kProgressUpdate, "report_time", Rule::kTimestamp, false},
    {Kind::kProgressUpdate, "organisation", Rule::kOrganisation, false},
    {Kind::kProgressUpdate, "rag", Rule::kEnum, false},
    {Kind::kProgressUpdate, "note", Rule::kLongText, true},
    {Kind::kMember, "role", Rule::kEnum, true},
};

const FieldRule* RuleFor(Kind kind, absl::string_view field) {
  for (const FieldRule& rule : kRules) {
    if (rule.kind == kind && rule.field == field) return &rule;
  }
  return nullptr;
}

std::string CheckReference(absl::string_view value, Kind kind) {
  absl::StatusOr<ResourceName> name = ResourceName::ParseAs(kind, value);
  return name.ok() ? "" : std::string(name.status().message());
}

// The most elements the set `field` may hold: every value of an enum once,
// or the bound for a set of references.
size_t MaxSetSize(const FieldDescriptor& field) {
  if (field.cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    return static_cast<size_t>(field.enum_type()->value_count() - 1);
  }
  if (field.name() == "lead_organisations") return kMaxLeadOrganisations;
  return kMaxPartnerOrganisations;
}

class Validator {
 public:
  Validator(Kind kind, const Message& resource, absl::string_view prefix,
            FieldViolations* violations)
      : kind_(kind),
        resource_(resource),
        prefix_(prefix),
        violations_(violations) {}

  void Check(const FieldDescriptor& field) {
    const FieldRule* rule = RuleFor(kind_, field.name());
    if (rule == nullptr) return;
    const std::string path = absl::StrCat(prefix_, ".", field.name());
    const auto* reflection = resource_.GetReflection();
    if (field.is_repeated()) {
      std::set<std::string> seen;
      const int size = reflection->FieldSize(resource_, &field);
      // Checked first, and alone: a set far over its bound gets one
      // violation, not one per element.
      if (const size_t most = MaxSetSize(field);
          static_cast<size_t>(size) > most) {
        violations_->Add(
            path, absl::StrCat("has ", size, " elements; at most ", most));
        return;
      }
      for (int i = 0; i < size; ++i) {
        const std::string element = absl::StrCat(path, "[", i, "]");
        std::string value;
        if (field.cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
          const int number =
              reflection->GetRepeatedEnumValue(resource_, &field, i);
          CheckEnum(field, number, element);
          value = absl::StrCat(number);
        } else {
          value = reflection->GetRepeatedString(resource_, &field, i);
          CheckString(*rule, value, element);
        }
        if (!seen.insert(value).second) {
          violations_->Add(element, "duplicates an earlier element of the set");
        }
      }
      return;
    }
    switch (rule->rule) {
      case Rule::kEnum: {
        const int number = reflection->GetEnumValue(resource_, &field);
        if (rule->required && number == 0)
          violations_->Add(path, "is required");
        CheckEnum(field, number, path);
        return;
      }
      case Rule::kTimescale:
        CheckTimescale(reflection->GetMessage(resource_, &field), path);
        return;
      case Rule::kTimestamp:
        CheckTimestamp(reflection->GetMessage(resource_, &field), path);
        return;
      default: {
        const std::string value = reflection->GetString(resource_, &field);
        if (rule->required && value.empty()) {
          violations_->Add(path, "is required");
          return;
        }
        CheckString(*rule, value, path);
        if (kind_ == Kind::kPlan && !period_checked_ &&
            (field.name() == "period_start" || field.name() == "period_end")) {
          period_checked_ = true;
          CheckOrder("period_start", "period_end");
        }
      }
    }
  }

 private:
  void CheckString(const FieldRule& rule, const std::string& value,
                   const std::string& path) {
    std::string problem;
    switch (rule.rule) {
      case Rule::kShortText:
        problem = CheckText(value, kMaxTitleLength);
        break;
      case Rule::kLongText:
        problem = CheckText(value, kMaxTextLength);
        break;
      case Rule::kPosition:
        if (value.size() > kMaxPositionLength) {
          problem = absl::StrCat("is longer than ", kMaxPositionLength,
                                 " characters");
        }
        for (char c : value) {
          if (c < 0x21 || c > 0x7e) {
            problem = "must be printable ASCII with no spaces";
            break;
          }
        }
        break;
      case Rule::kMonth:
        if (!value.empty() && !IsValidMonth(value)) {
          problem = absl::StrCat("\"", value, "\" is not a month (YYYY-MM)");
        }
        break;
      case Rule::kOrganisation:
        if (!value.empty())
          problem = CheckReference(value, Kind::kOrganisation);
        break;
      case Rule::kPlan:
        if (!value.empty()) {
          problem = CheckReference(value, Kind::kPlan);
          if (problem.empty() && value == OwnName()) {
            problem = "a plan cannot be its own parent";
          }
        }
        break;
      case Rule::kStrand:
        if (!value.empty()) {
          problem = CheckReference(value, Kind::kStrand);
          absl::StatusOr<ResourceName> own = ResourceName::Parse(OwnName());
          if (problem.empty() && own.ok() &&
              ResourceName::Parse(value)->Plan() != own->Plan()) {
            problem = absl::StrCat("\"", value, "\" is not a strand of ",
                                   own->Plan());
          }
        }
        break;
      case Rule::kCountyActivity:
        if (!value.empty()) {
          problem = CheckReference(value, Kind::kActivity);
          absl::StatusOr<ResourceName> own = ResourceName::Parse(OwnName());
          if (problem.empty() && own.ok() &&
              ResourceName::Parse(value)->Plan() == own->Plan()) {
            problem =
                "must be an activity of the county plan, not of this plan";
          }
        }
        break;
      default:
        break;
    }
    if (!problem.empty()) violations_->Add(path, problem);
  }

  void CheckEnum(const FieldDescriptor& field, int number,
                 const std::string& path) {
    if (field.enum_type()->FindValueByNumber(number) == nullptr) {
      violations_->Add(path, absl::StrCat(number, " is not a ",
                                          field.enum_type()->name(), " value"));
    }
  }

  void CheckTimescale(const Message& message, const std::string& path) {
    const auto& timescale =
        static_cast<const prevent::plan::v1::Timescale&>(message);
    if (std::string problem = CheckText(timescale.text(), kMaxTitleLength);
        !problem.empty()) {
      violations_->Add(path + ".text", problem);
    }
    bool months_ok = true;
    for (const auto& [name, value] :
         {std::pair<const char*, const std::string&>{"start",
                                                     timescale.start()},
          {"end", timescale.end()}}) {
      if (!value.empty() && !IsValidMonth(value)) {
        violations_->Add(
            absl::StrCat(path, ".", name),
            absl::StrCat("\"", value, "\" is not a month (YYYY-MM)"));
        months_ok = false;
      }
    }
    if (months_ok && !timescale.start().empty() && !timescale.end().empty() &&
        timescale.start() > timescale.end()) {
      violations_->Add(path + ".end", absl::StrCat("\"", timescale.end(),
                                                   "\" is before start \"",
                                                   timescale.start(), "\""));
    }
  }

  void CheckTimestamp(const Message& message, const std::string& path) {
    const auto* reflection = message.GetReflection();
    const auto* descriptor = message.GetDescriptor();
    const int64_t seconds =
        reflection->GetInt64(message, descriptor->FindFieldByName("seconds"));
    const int32_t nanos =
        reflection->GetInt32(message, descriptor->FindFieldByName("nanos"));
    // 0001-01-01 to 9999-12-31, as google.protobuf.Timestamp allows.
    if (seconds < -62135596800 || seconds > 253402300799 || nanos < 0 ||
        nanos > 999999999) {
      violations_->Add(path, "is not a valid time");
    }
  }

  void CheckOrder(const char* first, const char* second) {
    const auto* descriptor = resource_.GetDescriptor();
    const auto* reflection = resource_.GetReflection();
    const std::string a =
        reflection->GetString(resource_, descriptor->FindFieldByName(first));
    const std::string b =
        reflection->GetString(resource_, descriptor->FindFieldByName(second));
    if (IsValidMonth(a) && IsValidMonth(b) && a > b) {
      violations_->Add(
          absl::StrCat(prefix_, ".", second),
          absl::StrCat("\"", b, "\" is before ", first, " \"", a, "\""));
    }
  }

  std::string OwnName() const {
    const auto* field = resource_.GetDescriptor()->FindFieldByName("name");
    return resource_.GetReflection()->GetString(resource_, field);
  }

  Kind kind_;
  const Message& resource_;
  absl::string_view prefix_;
  FieldViolations* violations_;
  bool period_checked_ = false;
};

}  // namespace

std::string CheckText(absl::string_view text, size_t max_chars) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++chars) {
    const size_t length = Utf8CharLength(text, i);
    if (length == 0) return absl::StrCat("is not valid UTF-8 (byte ", i, ")");
    if (text[i] == '\0') return "contains a NUL character";
    i += length;
  }
  if (chars > max_chars) {
    return absl::StrCat("is ", chars, " characters long; at most ", max_chars,
                        " are allowed");
  }
  return "";
}

bool IsValidMonth(absl::string_view month) {
  if (month.size() != 7 || month[4] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6}) {
    if (month[i] < '0' || month[i] > '9') return false;
  }
  const int mm = (month[5] - '0') * 10 + (month[6] - '0');
  return mm >= 1 && mm <= 12;
}

size_t DropRepeatsFromSets(const std::vector<const FieldDescriptor*>& fields,
                           Message* resource) {
  const auto* reflection = resource->GetReflection();
  size_t removed = 0;
  for (const FieldDescriptor* field : fields) {
    if (!field->is_repeated()) continue;
    const int size = reflection->FieldSize(*resource, field);
    // Whether element `i` is the first of its value.
    std::function<bool(int)> first;
    absl::flat_hash_set<int> numbers;
    absl::flat_hash_set<std::string> strings;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_ENUM:
        first = [&](int i) {
          return numbers
              .insert(reflection->GetRepeatedEnumValue(*resource, field, i))
              .second;
        };
        break;
      case FieldDescriptor::CPPTYPE_STRING:
        first = [&](int i) {
          return strings
              .insert(reflection->GetRepeatedString(*resource, field, i))
              .second;
        };
        break;
      default:
        continue;  // not a set
    }
    int kept = 0;
    for (int i = 0; i < size; ++i) {
      if (!first(i)) continue;
      if (kept != i) reflection->SwapElements(resource, field, kept, i);
      ++kept;
    }
    for (int i = kept; i < size; ++i) reflection->RemoveLast(resource, field);
    removed += static_cast<size_t>(size - kept);
  }
  return removed;
}

void ValidateFields(Kind kind, const Message& resource,
                    const std::vector<const FieldDescriptor*>& fields,
                    absl::string_view prefix, FieldViolations* violations) {
  Validator validator(kind, resource, prefix, violations);
  for (const FieldDescriptor* field : fields) validator.Check(*field);
}

std::vector<Reference> ReferencesOf(
    Kind kind, const Message& resource,
    const std::vector<const FieldDescriptor*>& fields,
    absl::string_view prefix) {
  std::vector<Reference> references;
  const auto* reflection = resource.GetReflection();
  for (const FieldDescriptor* field : fields) {
    const FieldRule* rule = RuleFor(kind, field->name());
    if (rule == nullptr) continue;
    Kind target;
    switch (rule->rule) {
      case Rule::kOrganisation:
        target = Kind::kOrganisation;
        break;
      case Rule::kPlan:
        target = Kind::kPlan;
        break;
      case Rule::kStrand:
        target = Kind::kStrand;
        break;
      case Rule::kCountyActivity:
        target = Kind::kActivity;
        break;
      default:
        continue;
    }
    const std::string path = absl::StrCat(prefix, ".", field->name());
    const auto add = [&](std::string value, std::string field_path) {
      if (ResourceName::ParseAs(target, value).ok()) {
        references.push_back({std::move(field_path), std::move(value), target});
      }
    };
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(resource, field); ++i) {
        add(reflection->GetRepeatedString(resource, field, i),
            absl::StrCat(path, "[", i, "]"));
      }
    } else {
      add(reflection->GetString(resource, field), path);
    }
  }
  return references;
}

std::vector<Reference> ImpliedReferences(const ResourceName& name) {
  if (name.kind() != Kind::kMember) return {};
  return {{"member_id", absl::StrCat("organisations/", name.id()),
           Kind::kOrganisation}};
}

}  // namespace plan
