// absl::Time and google.protobuf.Timestamp, to microseconds (what every
// time the API carries is kept to).
//
//   *change.mutable_log_time() = ToTimestamp(absl::Now());
//   const absl::Time since = FromTimestamp(request.since());
#ifndef LIBPLAN_UTIL_TIMESTAMP_H_
#define LIBPLAN_UTIL_TIMESTAMP_H_

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace plan {

// `time`, truncated to microseconds.
google::protobuf::Timestamp ToTimestamp(absl::Time time);

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp);

}  // namespace plan

#endif  // LIBPLAN_UTIL_TIMESTAMP_H_
