// Setting resource fields from `field=value` words on the command line.
#ifndef PLANCTL_FIELDS_H_
#define PLANCTL_FIELDS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace planctl {

// Sets the field at `path` (a field name, or dotted for a nested field such as
// timescale.start) of `resource` from `value`:
//   strings as given; enums by name, any case (rag=red); booleans true/false;
//   repeated fields comma-separated
//   (lead_organisations=organisations/a,organisations/b); timestamps RFC 3339
//   (report_time=2024-03-31T12:00:00Z) or a UK date, meaning its UK midnight
//   (report_time=31/03/2024; plan::ParseUkDate); timescale as written
//   (timescale="Feb 2024 - March 2025"), from which start, end and ongoing are
//   derived.
// An empty value clears the field. InvalidArgument naming the field and the
// accepted values when `path` or `value` does not fit.
absl::Status SetField(google::protobuf::Message* resource,
                      absl::string_view path, absl::string_view value);

// The names of the fields `field=value` can set on `resource`.
std::string SettableFields(const google::protobuf::Message& resource);

}  // namespace planctl

#endif  // PLANCTL_FIELDS_H_
