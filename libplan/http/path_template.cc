#include "libplan/http/path_template.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace plan {
namespace {

bool IsLiteralChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

bool IsFieldPathChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '.';
}

// A recursive-descent reader of one template, for PathTemplate::Parse.
class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text) {}

  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(
        "path template \"", text_, "\", column ", pos_ + 1, ": ", what));
  }
  bool AtEnd() const { return pos_ == text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  bool Consume(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  std::string Take(bool (*accept)(char)) {
    const size_t start = pos_;
    while (!AtEnd() && accept(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

 private:
  absl::string_view text_;
  size_t pos_ = 0;
};

// Reads one segment: "*", "**" or a literal.
absl::StatusOr<std::string> ReadSegment(Parser& in) {
  if (in.Consume('*')) return std::string(in.Consume('*') ? "**" : "*");
  std::string literal = in.Take(IsLiteralChar);
  if (literal.empty()) return in.Error("expected a segment");
  return literal;
}

// Reads a variable after its "{": its field path, and the segments it
// matches (one "*" when it gives no pattern), through its "}".
absl::StatusOr<std::pair<std::string, std::vector<std::string>>> ReadVariable(
    Parser& in) {
  std::string field_path = in.Take(IsFieldPathChar);
  if (field_path.empty()) return in.Error("expected a field path");
  if (in.Consume('}')) {
    return std::make_pair(std::move(field_path), std::vector<std::string>{"*"});
  }
  if (!in.Consume('=')) return in.Error("expected '=' or '}'");
  std::vector<std::string> segments;
  do {
    if (!segments.empty() && segments.back() == "**") {
      return in.Error("'**' must be the last segment");
    }
    absl::StatusOr<std::string> segment = ReadSegment(in);
    if (!segment.ok()) return segment.status();
    segments.push_back(*std::move(segment));
  } while (in.Consume('/'));
  if (!in.Consume('}')) return in.Error("expected '/' or '}'");
  return std::make_pair(std::move(field_path), std::move(segments));
}

}  // namespace

absl::StatusOr<PathTemplate> PathTemplate::Parse(absl::string_view text) {
  PathTemplate result;
  result.text_ = std::string(text);
  Parser in(text);
  if (!in.Consume('/')) return in.Error("must start with '/'");
  do {
    if (!result.segments_.empty() && result.segments_.back().literal == "**") {
      return in.Error("'**' must be the last segment");
    }
    if (in.Consume('{')) {
      absl::StatusOr<std::pair<std::string, std::vector<std::string>>>
          variable = ReadVariable(in);
      if (!variable.ok()) return variable.status();
      const int index = static_cast<int>(result.variables_.size());
      auto& [field_path, segments] = *variable;
      result.variables_.push_back(
          {std::move(field_path), absl::StrJoin(segments, "/")});
      for (std::string& segment : segments) {
        result.segments_.push_back({std::move(segment), index});
      }
    } else {
      absl::StatusOr<std::string> segment = ReadSegment(in);
      if (!segment.ok()) return segment.status();
      result.segments_.push_back({*std::move(segment), -1});
    }
  } while (in.Consume('/'));
  if (in.Consume(':')) {
    result.verb_ = in.Take(IsLiteralChar);
    if (result.verb_.empty()) return in.Error("expected a verb after ':'");
  }
  if (!in.AtEnd()) return in.Error("unexpected character");
  return result;
}

std::optional<PathTemplate::Bindings> PathTemplate::Match(
    absl::string_view path) const {
  if (!absl::ConsumePrefix(&path, "/")) return std::nullopt;
  if (!verb_.empty()) {
    if (!absl::ConsumeSuffix(&path, absl::StrCat(":", verb_))) {
      return std::nullopt;
    }
  } else if (absl::StrContains(path.substr(path.rfind('/') + 1), ':')) {
    return std::nullopt;
  }
  const std::vector<absl::string_view> parts = absl::StrSplit(path, '/');
  std::vector<std::string> values(variables_.size());
  size_t next = 0;
  for (const Segment& segment : segments_) {
    std::vector<absl::string_view> matched;
    if (segment.literal == "**") {
      while (next < parts.size()) matched.push_back(parts[next++]);
    } else {
      if (next == parts.size()) return std::nullopt;
      const absl::string_view part = parts[next++];
      if (part.empty()) return std::nullopt;
      if (segment.literal != "*" && segment.literal != part) {
        return std::nullopt;
      }
      matched.push_back(part);
    }
    if (segment.variable < 0) continue;
    for (absl::string_view part : matched) {
      std::string& value = values[segment.variable];
      absl::StrAppend(&value, value.empty() ? "" : "/", part);
    }
  }
  if (next != parts.size()) return std::nullopt;
  Bindings bindings;
  bindings.reserve(variables_.size());
  for (size_t i = 0; i < variables_.size(); ++i) {
    bindings.emplace_back(variables_[i].field_path, std::move(values[i]));
  }
  return bindings;
}

namespace {

// The singular of a collection id: "activities" -> "activity",
// "plans" -> "plan".
std::string Singular(absl::string_view collection) {
  if (absl::ConsumeSuffix(&collection, "ies")) {
    return absl::StrCat(collection, "y");
  }
  absl::ConsumeSuffix(&collection, "s");
  return std::string(collection);
}

}  // namespace

std::string PathTemplate::OpenApiPath(
    std::vector<std::string>* parameters) const {
  std::string out;
  std::string previous;  // the literal before the current segment
  for (const Segment& segment : segments_) {
    out += "/";
    const bool wildcard = segment.literal == "*" || segment.literal == "**";
    if (!wildcard) {
      out += segment.literal;
      previous = segment.literal;
      continue;
    }
    std::string name = !previous.empty() ? Singular(previous)
                       : segment.variable >= 0
                           ? variables_[segment.variable].field_path
                           : "segment";
    absl::StrReplaceAll({{".", "_"}}, &name);
    absl::StrAppend(&out, "{", name, "}");
    if (parameters != nullptr) parameters->push_back(std::move(name));
    previous.clear();
  }
  if (!verb_.empty()) absl::StrAppend(&out, ":", verb_);
  return out;
}

}  // namespace plan
