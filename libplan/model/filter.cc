#include "libplan/model/filter.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "libplan/util/status_macros.h"

namespace plan {
namespace filter_internal {

enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kHas };

// The value of a comparison. Its text is read in every way a field could need
// once, at parse time; which reading applies depends on the field's type.
struct Value {
  std::string text;
  std::optional<int64_t> as_int64;
  std::optional<uint64_t> as_uint64;
  std::optional<double> as_double;  // never NaN
  std::optional<bool> as_bool;
  // RFC 3339 text as google.protobuf.Timestamp's (seconds, nanos).
  std::optional<std::pair<int64_t, int64_t>> as_time;
};

struct Node {
  enum class Kind { kAnd, kOr, kNot, kCompare };
  Kind kind = Kind::kCompare;
  // kAnd and kOr: two or more terms; kNot: the one negated term.
  std::vector<Node> children;
  // kCompare only: `path op value`, with the 1-based columns of each part.
  std::vector<std::string> path;
  Op op = Op::kEq;
  Value value;
  int field_column = 0;
  int op_column = 0;
  int value_column = 0;
};

}  // namespace filter_internal

namespace {

using filter_internal::Node;
using filter_internal::Op;
using filter_internal::Value;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr absl::string_view kTimestampType = "google.protobuf.Timestamp";

bool IsIdentifierStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IsIdentifierChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }
bool IsOperatorChar(char c) {
  return c == '=' || c == '!' || c == '<' || c == '>' || c == ':';
}
bool IsOrdering(Op op) {
  return op == Op::kLt || op == Op::kLe || op == Op::kGt || op == Op::kGe;
}

absl::string_view OpText(Op op) {
  switch (op) {
    case Op::kEq:
      return "=";
    case Op::kNe:
      return "!=";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
    case Op::kHas:
      return ":";
  }
  return "?";
}

// Shows untrusted text inside an error message: quoted, escaped, cut short.
std::string Quote(absl::string_view text) {
  constexpr size_t kMaxShown = 40;
  return absl::StrCat("\"", absl::CHexEscape(text.substr(0, kMaxShown)),
                      text.size() > kMaxShown ? "...\"" : "\"");
}

absl::Status ErrorAtColumn(int column, absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat("column ", column, ": ", message));
}

Value MakeValue(std::string text) {
  Value value;
  int64_t i;
  if (absl::SimpleAtoi(text, &i)) value.as_int64 = i;
  uint64_t u;
  if (absl::SimpleAtoi(text, &u)) value.as_uint64 = u;
  double d;
  if (absl::SimpleAtod(text, &d) && !std::isnan(d)) value.as_double = d;
  if (text == "true") value.as_bool = true;
  if (text == "false") value.as_bool = false;
  absl::Time t;
  std::string error;
  // ParseTime also accepts "infinite-future" and "infinite-past"; they are
  // not RFC 3339.
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &error) &&
      t != absl::InfiniteFuture() && t != absl::InfinitePast()) {
    const int64_t seconds = absl::ToUnixSeconds(t);  // rounds down
    value.as_time = {
        seconds, absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))};
  }
  value.text = std::move(text);
  return value;
}

// Joins two or more terms with AND or OR; one term stands alone.
Node Combine(Node::Kind kind, std::vector<Node> terms) {
  if (terms.size() == 1) return std::move(terms.front());
  Node node;
  node.kind = kind;
  node.children = std::move(terms);
  return node;
}

// Recursive descent over the grammar in plan_service.proto. Each Parse*
// method starts at pos_ (skipping leading whitespace) and leaves pos_ just
// after what it parsed. `after` names the token just before, for messages.
class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text) {}

  // The whole text as a tree, or null when it is only whitespace.
  absl::StatusOr<std::shared_ptr<const Node>> ParseFilter() {
    SkipSpace();
    if (AtEnd()) return nullptr;
    ASSIGN_OR_RETURN(Node root, ParseOr(0, ""));
    SkipSpace();
    if (!AtEnd()) {
      // ParseOr stops early only at a ')'.
      return ErrorAt(pos_, absl::StrCat("unexpected ", Describe(pos_),
                                        " with no matching '('"));
    }
    return std::make_shared<const Node>(std::move(root));
  }

 private:
  absl::StatusOr<Node> ParseOr(int depth, absl::string_view after) {
    std::vector<Node> terms;
    ASSIGN_OR_RETURN(Node first, ParseAnd(depth, after));
    terms.push_back(std::move(first));
    while (true) {
      SkipSpace();
      if (!AtKeyword("OR")) break;
      pos_ += 2;
      ASSIGN_OR_RETURN(Node next, ParseAnd(depth, "OR"));
      terms.push_back(std::move(next));
    }
    return Combine(Node::Kind::kOr, std::move(terms));
  }

  absl::StatusOr<Node> ParseAnd(int depth, absl::string_view after) {
    std::vector<Node> terms;
    ASSIGN_OR_RETURN(Node first, ParseUnary(depth, after));
    terms.push_back(std::move(first));
    while (true) {
      SkipSpace();
      if (AtEnd() || Peek() == ')' || AtKeyword("OR")) break;
      absl::string_view joiner = "";  // juxtaposition means AND too
      if (AtKeyword("AND")) {
        pos_ += 3;
        joiner = "AND";
      }
      ASSIGN_OR_RETURN(Node next, ParseUnary(depth, joiner));
      terms.push_back(std::move(next));
    }
    return Combine(Node::Kind::kAnd, std::move(terms));
  }

  absl::StatusOr<Node> ParseUnary(int depth, absl::string_view after) {
    SkipSpace();
    bool negate = false;
    if (Peek() == '-') {
      ++pos_;
      negate = true;
      after = "'-'";
    } else if (AtKeyword("NOT")) {
      pos_ += 3;
      negate = true;
      after = "NOT";
    }
    ASSIGN_OR_RETURN(Node primary, ParsePrimary(depth, after));
    if (!negate) return primary;
    Node node;
    node.kind = Node::Kind::kNot;
    node.children.push_back(std::move(primary));
    return node;
  }

  absl::StatusOr<Node> ParsePrimary(int depth, absl::string_view after) {
    SkipSpace();
    if (Peek() != '(') return ParseComparison(after);
    const size_t open = pos_;
    if (depth >= Filter::kMaxDepth) {
      return ErrorAt(open, absl::StrCat("parentheses nested deeper than ",
                                        Filter::kMaxDepth));
    }
    ++pos_;
    ASSIGN_OR_RETURN(Node inner, ParseOr(depth + 1, "'('"));
    SkipSpace();
    if (Peek() != ')') {
      return ErrorAt(pos_,
                     absl::StrCat("expected ')' to close the '(' at "
                                  "column ",
                                  Column(open), ", found ", Describe(pos_)));
    }
    ++pos_;
    return inner;
  }

  absl::StatusOr<Node> ParseComparison(absl::string_view after) {
    SkipSpace();
    Node node;
    node.field_column = Column(pos_);
    const size_t field_start = pos_;
    if (!IsIdentifierStart(Peek()) || AtKeyword("AND") || AtKeyword("OR") ||
        AtKeyword("NOT")) {
      return ErrorAt(pos_, absl::StrCat("expected a comparison",
                                        after.empty() ? "" : " after ", after,
                                        ", found ", Describe(pos_)));
    }
    while (true) {
      const size_t start = pos_;
      while (IsIdentifierChar(Peek())) ++pos_;
      node.path.emplace_back(text_.substr(start, pos_ - start));
      if (Peek() != '.') break;
      ++pos_;
      if (!IsIdentifierStart(Peek())) {
        return ErrorAt(pos_, absl::StrCat("expected a field name after '.', "
                                          "found ",
                                          Describe(pos_)));
      }
    }
    const absl::string_view field =
        text_.substr(field_start, pos_ - field_start);

    SkipSpace();
    node.op_column = Column(pos_);
    constexpr std::pair<absl::string_view, Op> kOps[] = {
        {"<=", Op::kLe}, {"<", Op::kLt}, {">=", Op::kGe}, {">", Op::kGt},
        {"!=", Op::kNe}, {"=", Op::kEq}, {":", Op::kHas}};
    bool found_op = false;
    for (const auto& [op_text, op] : kOps) {
      if (text_.substr(pos_, op_text.size()) == op_text) {
        node.op = op;
        pos_ += op_text.size();
        found_op = true;
        break;
      }
    }
    if (!found_op) {
      return ErrorAt(pos_,
                     absl::StrCat("expected an operator (=, !=, <, <=, "
                                  ">, >=, :) after field ",
                                  Quote(field), ", found ", Describe(pos_)));
    }

    SkipSpace();
    node.value_column = Column(pos_);
    if (Peek() == '"') {
      ASSIGN_OR_RETURN(std::string text, ParseQuoted());
      node.value = MakeValue(std::move(text));
      return node;
    }
    if (AtEnd() || Peek() == '(' || Peek() == ')' || IsOperatorChar(Peek()) ||
        AtKeyword("AND") || AtKeyword("OR") || AtKeyword("NOT")) {
      return ErrorAt(pos_,
                     absl::StrCat("expected a value after '", OpText(node.op),
                                  "', found ", Describe(pos_)));
    }
    const size_t start = pos_;
    while (!AtEnd() && !absl::ascii_isspace(Peek()) && Peek() != '(' &&
           Peek() != ')' && Peek() != '"') {
      ++pos_;
    }
    node.value = MakeValue(std::string(text_.substr(start, pos_ - start)));
    return node;
  }

  // A double-quoted string starting at pos_, with \" and \\ unescaped.
  absl::StatusOr<std::string> ParseQuoted() {
    const size_t open = pos_;
    ++pos_;
    std::string text;
    while (true) {
      if (AtEnd()) return ErrorAt(open, "string has no closing '\"'");
      const char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return text;
      }
      if (c == '\\') {
        if (pos_ + 1 >= text_.size()) {
          return ErrorAt(open, "string has no closing '\"'");
        }
        const char escaped = text_[pos_ + 1];
        if (escaped != '"' && escaped != '\\') {
          return ErrorAt(pos_, absl::StrCat("unknown escape '\\",
                                            absl::CHexEscape({&escaped, 1}),
                                            "' in string (only \\\" and \\\\ "
                                            "are allowed)"));
        }
        text.push_back(escaped);
        pos_ += 2;
        continue;
      }
      text.push_back(c);
      ++pos_;
    }
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  // The byte at pos_, or NUL at the end (callers never look for NUL).
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }

  void SkipSpace() {
    while (!AtEnd() && absl::ascii_isspace(text_[pos_])) ++pos_;
  }

  // Whether the keyword `word` starts at pos_ as a whole word.
  bool AtKeyword(absl::string_view word) const {
    if (text_.substr(pos_, word.size()) != word) return false;
    const size_t next = pos_ + word.size();
    return next >= text_.size() ||
           (!IsIdentifierChar(text_[next]) && text_[next] != '.');
  }

  // 1-based column of byte `pos`, counting UTF-8 characters.
  int Column(size_t pos) const {
    const absl::string_view before = text_.substr(0, pos);
    return 1 + static_cast<int>(
                   std::count_if(before.begin(), before.end(), [](char c) {
                     return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
                   }));
  }

  // What is at `pos`, for "found ..." in messages.
  std::string Describe(size_t pos) const {
    if (pos >= text_.size()) return "the end of the filter";
    const char c = text_[pos];
    if (IsIdentifierStart(c)) {
      size_t end = pos;
      while (end < text_.size() && IsIdentifierChar(text_[end])) ++end;
      return Quote(text_.substr(pos, end - pos));
    }
    const unsigned char byte = static_cast<unsigned char>(c);
    if (byte >= 0x80) return "a non-ASCII character";
    if (!absl::ascii_isprint(c)) {
      return absl::StrFormat("control character 0x%02X", byte);
    }
    return absl::StrCat("'", absl::string_view(&c, 1), "'");
  }

  absl::Status ErrorAt(size_t pos, absl::string_view message) const {
    return ErrorAtColumn(Column(pos), message);
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

// How a field's values are compared.
enum class LeafType { kString, kInt64, kUint64, kDouble, kBool, kEnum, kTime };

// The comparison type of `field`, or nullopt for a message other than
// Timestamp (which has no value to compare).
std::optional<LeafType> LeafTypeOf(const FieldDescriptor& field) {
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
      return LeafType::kInt64;
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      return LeafType::kUint64;
    case FieldDescriptor::CPPTYPE_FLOAT:
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return LeafType::kDouble;
    case FieldDescriptor::CPPTYPE_BOOL:
      return LeafType::kBool;
    case FieldDescriptor::CPPTYPE_ENUM:
      return LeafType::kEnum;
    case FieldDescriptor::CPPTYPE_STRING:
      return LeafType::kString;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      if (field.message_type()->full_name() == kTimestampType) {
        return LeafType::kTime;
      }
      return std::nullopt;
  }
  return std::nullopt;
}

bool IsOrdered(LeafType type) {
  return type != LeafType::kBool && type != LeafType::kEnum;
}

absl::string_view TypeName(LeafType type) {
  switch (type) {
    case LeafType::kBool:
      return "boolean";
    case LeafType::kEnum:
      return "enum";
    default:
      return "scalar";
  }
}

// "a Rag", "an OrganisationKind".
std::string WithArticle(absl::string_view noun) {
  const bool vowel =
      !noun.empty() &&
      absl::string_view("AEIOUaeiou").find(noun[0]) != absl::string_view::npos;
  return absl::StrCat(vowel ? "an " : "a ", noun);
}

// Checks the operator and value of `node` against a leaf of type `type`.
// `field` is the path as written; `enum_type` is set for enums.
absl::Status CheckLeaf(const Node& node, absl::string_view field, LeafType type,
                       bool repeated,
                       const google::protobuf::EnumDescriptor* enum_type) {
  if (IsOrdering(node.op) && (repeated || !IsOrdered(type))) {
    return ErrorAtColumn(
        node.op_column,
        absl::StrCat("operator '", OpText(node.op), "' does not apply to ",
                     repeated ? "repeated" : TypeName(type), " field ",
                     Quote(field), "; use =, != or :"));
  }
  const Value& value = node.value;
  auto bad_value = [&](absl::string_view what) {
    return ErrorAtColumn(node.value_column,
                         absl::StrCat(Quote(value.text), " is not ", what,
                                      " (field ", Quote(field), ")"));
  };
  switch (type) {
    case LeafType::kString:
      return absl::OkStatus();
    case LeafType::kInt64:
      return value.as_int64 ? absl::OkStatus() : bad_value("an integer");
    case LeafType::kUint64:
      return value.as_uint64 ? absl::OkStatus()
                             : bad_value("a non-negative integer");
    case LeafType::kDouble:
      return value.as_double ? absl::OkStatus() : bad_value("a number");
    case LeafType::kBool:
      return value.as_bool ? absl::OkStatus() : bad_value("true or false");
    case LeafType::kTime:
      return value.as_time ? absl::OkStatus()
                           : bad_value(
                                 "an RFC 3339 timestamp such as "
                                 "\"2024-01-01T00:00:00Z\"");
    case LeafType::kEnum: {
      if (enum_type->FindValueByName(value.text) != nullptr) {
        return absl::OkStatus();
      }
      std::vector<std::string> names;
      for (int i = 0; i < enum_type->value_count(); ++i) {
        names.push_back(enum_type->value(i)->name());
      }
      return ErrorAtColumn(
          node.value_column,
          absl::StrCat(Quote(value.text), " is not ",
                       WithArticle(enum_type->name()), " (one of ",
                       absl::StrJoin(names, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckComparison(const Node& node, const Descriptor& descriptor,
                             const std::vector<std::string>& computed_fields) {
  const std::string field = absl::StrJoin(node.path, ".");
  if (node.path.size() == 1 &&
      std::find(computed_fields.begin(), computed_fields.end(), node.path[0]) !=
          computed_fields.end()) {
    return CheckLeaf(node, field, LeafType::kBool, /*repeated=*/false, nullptr);
  }
  const Descriptor* message_type = &descriptor;
  const FieldDescriptor* leaf = nullptr;
  for (size_t i = 0; i < node.path.size(); ++i) {
    leaf = message_type->FindFieldByName(node.path[i]);
    if (leaf == nullptr) {
      return ErrorAtColumn(node.field_column,
                           absl::StrCat("unknown field ", Quote(field)));
    }
    if (i + 1 < node.path.size()) {
      if (leaf->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
          leaf->is_repeated()) {
        return ErrorAtColumn(
            node.field_column,
            absl::StrCat("unknown field ", Quote(field), ": ",
                         Quote(absl::StrJoin(node.path.begin(),
                                             node.path.begin() + i + 1, ".")),
                         " has no fields"));
      }
      message_type = leaf->message_type();
    }
  }
  const std::optional<LeafType> type = LeafTypeOf(*leaf);
  if (!type) {
    std::string example;
    if (leaf->message_type()->field_count() > 0) {
      example = absl::StrCat(
          ", e.g. ", Quote(absl::StrCat(
                         field, ".", leaf->message_type()->field(0)->name())));
    }
    return ErrorAtColumn(
        node.field_column,
        absl::StrCat("field ", Quote(field),
                     " is a message; compare one of its fields", example));
  }
  return CheckLeaf(node, field, *type, leaf->is_repeated(), leaf->enum_type());
}

absl::Status CheckNode(const Node& node, const Descriptor& descriptor,
                       const std::vector<std::string>& computed_fields) {
  if (node.kind == Node::Kind::kCompare) {
    return CheckComparison(node, descriptor, computed_fields);
  }
  for (const Node& child : node.children) {
    RETURN_IF_ERROR(CheckNode(child, descriptor, computed_fields));
  }
  return absl::OkStatus();
}

template <typename T>
int ThreeWay(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

bool Apply(Op op, int comparison) {
  switch (op) {
    case Op::kEq:
    case Op::kHas:
      return comparison == 0;
    case Op::kNe:
      return comparison != 0;
    case Op::kLt:
      return comparison < 0;
    case Op::kLe:
      return comparison <= 0;
    case Op::kGt:
      return comparison > 0;
    case Op::kGe:
      return comparison >= 0;
  }
  return false;
}

// One value of a field: element `index` of a repeated field, or the field
// itself when `index` is -1. Each getter must match the field's C++ type
// (Int64 reads int32 and int64 fields, UInt64 uint32 and uint64, Double float
// and double).
class FieldValue {
 public:
  FieldValue(const Message& message, const FieldDescriptor& field, int index)
      : message_(message),
        field_(field),
        index_(index),
        reflection_(*message.GetReflection()) {}

  // The returned reference may point into `*scratch`, which must outlive it.
  const std::string& String(std::string* scratch) const {
    return repeated()
               ? reflection_.GetRepeatedStringReference(message_, &field_,
                                                        index_, scratch)
               : reflection_.GetStringReference(message_, &field_, scratch);
  }
  int64_t Int64() const {
    if (Is32Bit()) {
      return repeated()
                 ? reflection_.GetRepeatedInt32(message_, &field_, index_)
                 : reflection_.GetInt32(message_, &field_);
    }
    return repeated() ? reflection_.GetRepeatedInt64(message_, &field_, index_)
                      : reflection_.GetInt64(message_, &field_);
  }
  uint64_t UInt64() const {
    if (Is32Bit()) {
      return repeated()
                 ? reflection_.GetRepeatedUInt32(message_, &field_, index_)
                 : reflection_.GetUInt32(message_, &field_);
    }
    return repeated() ? reflection_.GetRepeatedUInt64(message_, &field_, index_)
                      : reflection_.GetUInt64(message_, &field_);
  }
  double Double() const {
    if (Is32Bit()) {
      return repeated()
                 ? reflection_.GetRepeatedFloat(message_, &field_, index_)
                 : reflection_.GetFloat(message_, &field_);
    }
    return repeated() ? reflection_.GetRepeatedDouble(message_, &field_, index_)
                      : reflection_.GetDouble(message_, &field_);
  }
  bool Bool() const {
    return repeated() ? reflection_.GetRepeatedBool(message_, &field_, index_)
                      : reflection_.GetBool(message_, &field_);
  }
  int EnumNumber() const {
    return repeated()
               ? reflection_.GetRepeatedEnumValue(message_, &field_, index_)
               : reflection_.GetEnumValue(message_, &field_);
  }
  const Message& SubMessage() const {
    return repeated()
               ? reflection_.GetRepeatedMessage(message_, &field_, index_)
               : reflection_.GetMessage(message_, &field_);
  }

 private:
  bool repeated() const { return index_ >= 0; }
  // int32, uint32 and float fields have 32-bit accessors.
  bool Is32Bit() const {
    return field_.cpp_type() == FieldDescriptor::CPPTYPE_INT32 ||
           field_.cpp_type() == FieldDescriptor::CPPTYPE_UINT32 ||
           field_.cpp_type() == FieldDescriptor::CPPTYPE_FLOAT;
  }

  const Message& message_;
  const FieldDescriptor& field_;
  const int index_;
  const Reflection& reflection_;
};

// Bytewise, as std::string compares them (as unsigned char): -1, 0 or 1.
int CompareString(const FieldValue& actual, const Value& value) {
  std::string scratch;
  const int c = actual.String(&scratch).compare(value.text);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// Nullopt when the field holds NaN, which is unordered.
std::optional<int> CompareDouble(const FieldValue& actual, double value) {
  const double number = actual.Double();
  if (std::isnan(number)) return std::nullopt;
  return ThreeWay(number, value);
}

// 0 or 1 (equal or not); nullopt when `value` names no value of the field's
// enum.
std::optional<int> CompareEnum(
    const FieldValue& actual, const google::protobuf::EnumDescriptor& enum_type,
    const Value& value) {
  const google::protobuf::EnumValueDescriptor* wanted =
      enum_type.FindValueByName(value.text);
  if (wanted == nullptr) return std::nullopt;
  return actual.EnumNumber() == wanted->number() ? 0 : 1;
}

// Compares a google.protobuf.Timestamp's (seconds, nanos) with `value`;
// nullopt when `timestamp` lacks int64 field 1 or int32 field 2.
std::optional<int> CompareTimestamp(const Message& timestamp,
                                    const std::pair<int64_t, int64_t>& value) {
  const Descriptor& type_descriptor = *timestamp.GetDescriptor();
  const FieldDescriptor* seconds = type_descriptor.FindFieldByNumber(1);
  const FieldDescriptor* nanos = type_descriptor.FindFieldByNumber(2);
  if (seconds == nullptr || nanos == nullptr ||
      seconds->cpp_type() != FieldDescriptor::CPPTYPE_INT64 ||
      nanos->cpp_type() != FieldDescriptor::CPPTYPE_INT32) {
    return std::nullopt;
  }
  const Reflection& ts = *timestamp.GetReflection();
  const std::pair<int64_t, int64_t> actual = {ts.GetInt64(timestamp, seconds),
                                              ts.GetInt32(timestamp, nanos)};
  return ThreeWay(actual, value);
}

// Compares `field` of `message` (element `index` when repeated, else -1)
// with `value`: negative, zero or positive as the field is less than, equal
// to or greater than it (for unordered types only zero or not). Nullopt when
// `value` has no reading of the field's type.
std::optional<int> CompareField(const Message& message,
                                const FieldDescriptor& field, LeafType type,
                                int index, const Value& value) {
  const FieldValue actual(message, field, index);
  switch (type) {
    case LeafType::kString:
      return CompareString(actual, value);
    case LeafType::kInt64:
      if (!value.as_int64) return std::nullopt;
      return ThreeWay(actual.Int64(), *value.as_int64);
    case LeafType::kUint64:
      if (!value.as_uint64) return std::nullopt;
      return ThreeWay(actual.UInt64(), *value.as_uint64);
    case LeafType::kDouble:
      if (!value.as_double) return std::nullopt;
      return CompareDouble(actual, *value.as_double);
    case LeafType::kBool:
      if (!value.as_bool) return std::nullopt;
      return actual.Bool() == *value.as_bool ? 0 : 1;
    case LeafType::kEnum:
      return CompareEnum(actual, *field.enum_type(), value);
    case LeafType::kTime:
      if (!value.as_time) return std::nullopt;
      return CompareTimestamp(actual.SubMessage(), *value.as_time);
  }
  return std::nullopt;
}

bool MatchesComparison(const Node& node, const Message& message,
                       const absl::flat_hash_map<std::string, bool>& computed) {
  if (node.path.size() == 1) {
    const auto it = computed.find(node.path[0]);
    if (it != computed.end()) {
      if (!node.value.as_bool || IsOrdering(node.op)) return false;
      return Apply(node.op, it->second == *node.value.as_bool ? 0 : 1);
    }
  }
  const Message* holder = &message;
  const FieldDescriptor* leaf = nullptr;
  for (size_t i = 0; i < node.path.size(); ++i) {
    leaf = holder->GetDescriptor()->FindFieldByName(node.path[i]);
    if (leaf == nullptr) return false;
    if (i + 1 < node.path.size()) {
      if (leaf->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
          leaf->is_repeated()) {
        return false;
      }
      // An unset message reads as its default instance.
      holder = &holder->GetReflection()->GetMessage(*holder, leaf);
    }
  }
  const std::optional<LeafType> type = LeafTypeOf(*leaf);
  if (!type) return false;
  if (IsOrdering(node.op) && (leaf->is_repeated() || !IsOrdered(*type))) {
    return false;
  }
  if (!leaf->is_repeated()) {
    const std::optional<int> c =
        CompareField(*holder, *leaf, *type, -1, node.value);
    return c.has_value() && Apply(node.op, *c);
  }
  const int size = holder->GetReflection()->FieldSize(*holder, leaf);
  bool has_equal = false;
  for (int i = 0; i < size && !has_equal; ++i) {
    const std::optional<int> c =
        CompareField(*holder, *leaf, *type, i, node.value);
    if (!c.has_value()) return false;
    has_equal = *c == 0;
  }
  return node.op == Op::kNe ? !has_equal : has_equal;
}

bool MatchesNode(const Node& node, const Message& message,
                 const absl::flat_hash_map<std::string, bool>& computed) {
  switch (node.kind) {
    case Node::Kind::kAnd:
      for (const Node& child : node.children) {
        if (!MatchesNode(child, message, computed)) return false;
      }
      return true;
    case Node::Kind::kOr:
      for (const Node& child : node.children) {
        if (MatchesNode(child, message, computed)) return true;
      }
      return false;
    case Node::Kind::kNot:
      return !MatchesNode(node.children.front(), message, computed);
    case Node::Kind::kCompare:
      return MatchesComparison(node, message, computed);
  }
  return false;
}

}  // namespace

absl::StatusOr<Filter> Filter::Parse(absl::string_view text) {
  if (text.size() > kMaxLength) {
    return absl::InvalidArgumentError(absl::StrCat("filter is ", text.size(),
                                                   " bytes long; at most ",
                                                   kMaxLength, " are allowed"));
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const Node> root,
                   Parser(text).ParseFilter());
  return Filter(std::move(root));
}

absl::Status Filter::Check(
    const google::protobuf::Descriptor& descriptor,
    const std::vector<std::string>& computed_fields) const {
  if (root_ == nullptr) return absl::OkStatus();
  return CheckNode(*root_, descriptor, computed_fields);
}

bool Filter::Matches(
    const google::protobuf::Message& message,
    const absl::flat_hash_map<std::string, bool>& computed) const {
  if (root_ == nullptr) return true;
  return MatchesNode(*root_, message, computed);
}

}  // namespace plan
