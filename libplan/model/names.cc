#include "libplan/model/names.h"

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "prevent/plan/v1/resources.pb.h"

namespace plan {
namespace {

namespace v1 = prevent::plan::v1;

const std::vector<KindInfo>& AllInfo() {
  static const auto* info = new std::vector<KindInfo>{
      {Kind::kOrganisation,
       "organisation",
       {"organisations"},
       v1::Organisation::descriptor(),
       std::nullopt,
       true},
      {Kind::kPlan,
       "plan",
       {"plans"},
       v1::Plan::descriptor(),
       std::nullopt,
       true},
      {Kind::kStrand,
       "strand",
       {"plans", "strands"},
       v1::Strand::descriptor(),
       Kind::kPlan,
       true},
      {Kind::kActivity,
       "activity",
       {"plans", "activities"},
       v1::Activity::descriptor(),
       Kind::kPlan,
       true},
      {Kind::kAction,
       "action",
       {"plans", "activities", "actions"},
       v1::Action::descriptor(),
       Kind::kActivity,
       true},
      {Kind::kProgressUpdate,
       "progress_update",
       {"plans", "activities", "actions", "updates"},
       v1::ProgressUpdate::descriptor(),
       Kind::kAction,
       false},
      {Kind::kConflict,
       "conflict",
       {"plans", "conflicts"},
       v1::Conflict::descriptor(),
       Kind::kPlan,
       false},
      {Kind::kMember,
       "member",
       {"plans", "members"},
       v1::Member::descriptor(),
       Kind::kPlan,
       true},
      {Kind::kOrganisationConflict,
       "conflict",
       {"organisations", "conflicts"},
       v1::Conflict::descriptor(),
       Kind::kOrganisation,
       false},
  };
  return *info;
}

absl::Status NotAName(absl::string_view text, absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("\"", text, "\" is not ", expected));
}

std::string Pattern(const KindInfo& info) {
  std::vector<std::string> parts;
  for (absl::string_view c : info.collections) {
    parts.push_back(absl::StrCat(c, "/{id}"));
  }
  return absl::StrJoin(parts, "/");
}

}  // namespace

const KindInfo& InfoOf(Kind kind) { return AllInfo()[static_cast<int>(kind)]; }

bool IsConflict(Kind kind) {
  return kind == Kind::kConflict || kind == Kind::kOrganisationConflict;
}

bool IsPlanless(Kind kind) {
  return InfoOf(kind).collections.front() == "organisations";
}

Kind ConflictKindOf(absl::string_view text) {
  return absl::StartsWith(text, "organisations/") ? Kind::kOrganisationConflict
                                                  : Kind::kConflict;
}

ResourceName ConflictName(const ResourceName& target, absl::string_view id) {
  ResourceName root = target;
  for (std::optional<ResourceName> p = target.Parent(); p.has_value();
       p = p->Parent()) {
    root = *p;
  }
  return ResourceName::Child(
      &root,
      IsPlanless(root.kind()) ? Kind::kOrganisationConflict : Kind::kConflict,
      id);
}

bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > 63) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && !(i > 0 && c == '-')) return false;
  }
  return true;
}

std::string RandomId() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local absl::BitGen gen;
  std::string id(12, ' ');
  for (char& c : id) c = kAlphabet[absl::Uniform(gen, 0u, 36u)];
  return id;
}

absl::StatusOr<ResourceName> ResourceName::Parse(absl::string_view text) {
  const std::vector<absl::string_view> parts = absl::StrSplit(text, '/');
  if (parts.size() % 2 == 0) {
    for (const KindInfo& info : AllInfo()) {
      if (info.collections.size() * 2 != parts.size()) continue;
      bool match = true;
      for (size_t i = 0; i < info.collections.size() && match; ++i) {
        match =
            parts[2 * i] == info.collections[i] && IsValidId(parts[2 * i + 1]);
      }
      if (match) return ResourceName(info.kind, std::string(text));
    }
  }
  return NotAName(text, "a resource name");
}

absl::StatusOr<ResourceName> ResourceName::ParseAs(Kind kind,
                                                   absl::string_view text) {
  absl::StatusOr<ResourceName> name = Parse(text);
  if (!name.ok() || name->kind() != kind) {
    return NotAName(text,
                    absl::StrCat("a name of the form ", Pattern(InfoOf(kind))));
  }
  return name;
}

ResourceName ResourceName::Child(const ResourceName* parent, Kind kind,
                                 absl::string_view id) {
  const KindInfo& info = InfoOf(kind);
  std::string text = parent == nullptr ? "" : absl::StrCat(parent->str(), "/");
  absl::StrAppend(&text, info.collections.back(), "/", id);
  return ResourceName(kind, std::move(text));
}

absl::string_view ResourceName::id() const {
  absl::string_view text = text_;
  return text.substr(text.rfind('/') + 1);
}

std::optional<ResourceName> ResourceName::Parent() const {
  const std::optional<Kind> parent = InfoOf(kind_).parent;
  if (!parent.has_value()) return std::nullopt;
  size_t cut = text_.rfind('/');
  cut = text_.rfind('/', cut - 1);
  return ResourceName(*parent, text_.substr(0, cut));
}

std::string ResourceName::Plan() const {
  if (IsPlanless(kind_)) return "";
  const size_t end = text_.find('/', sizeof("plans/") - 1);
  return end == std::string::npos ? text_ : text_.substr(0, end);
}

absl::StatusOr<ListParent> ParseListParent(Kind child_kind,
                                           absl::string_view parent) {
  const KindInfo& info = InfoOf(child_kind);
  ListParent out;
  if (!info.parent.has_value()) {
    if (!parent.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(info.collections.back(), " have no parent"));
    }
    out.prefix = absl::StrCat(info.collections.back(), "/");
    return out;
  }
  const KindInfo& parent_info = InfoOf(*info.parent);
  const std::string expected =
      absl::StrCat("a name of the form ", Pattern(parent_info));
  const std::vector<absl::string_view> parts = absl::StrSplit(parent, '/');
  if (parts.size() != parent_info.collections.size() * 2) {
    return NotAName(parent, expected);
  }
  // Ids from the first "-" on are wildcards; the named part forms the prefix.
  size_t named = parent_info.collections.size();
  for (size_t i = 0; i < parent_info.collections.size(); ++i) {
    const absl::string_view id = parts[2 * i + 1];
    const bool wildcard = id == "-" && i > 0;
    if (parts[2 * i] != parent_info.collections[i] ||
        (!wildcard && !IsValidId(id)) || (named < i && !wildcard)) {
      return NotAName(parent, expected);
    }
    if (wildcard && named > i) named = i;
  }
  for (size_t i = 0; i < named; ++i) {
    absl::StrAppend(&out.prefix, parts[2 * i], "/", parts[2 * i + 1], "/");
  }
  for (size_t i = named; i < parent_info.collections.size(); ++i) {
    absl::StrAppend(&out.prefix, parent_info.collections[i], "/");
    // A wildcard's collection is the last fixed part of the prefix only when
    // it is the first wildcard; deeper ones cannot be expressed as a prefix.
    break;
  }
  if (named == parent_info.collections.size()) {
    absl::StrAppend(&out.prefix, info.collections.back(), "/");
  }
  std::string ancestor;
  for (size_t i = 0; i < named; ++i) {
    absl::StrAppend(&ancestor, i == 0 ? "" : "/", parts[2 * i], "/",
                    parts[2 * i + 1]);
  }
  absl::StatusOr<ResourceName> name = ResourceName::Parse(ancestor);
  if (!name.ok()) return NotAName(parent, expected);
  out.ancestor = *name;
  return out;
}

}  // namespace plan
