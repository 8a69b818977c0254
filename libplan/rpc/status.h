// Conversion of library errors to gRPC statuses: the one place where
// absl::Status meets grpc::Status.
#ifndef LIBPLAN_RPC_STATUS_H_
#define LIBPLAN_RPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace plan {

// The same code and message, with the status's ErrorInfo and BadRequest
// payloads (libplan/util/errors.h) as google.rpc.Status details
// (the `grpc-status-details-bin` trailer). An error with no ErrorInfo gets one
// whose reason is the code's name.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace plan

#endif  // LIBPLAN_RPC_STATUS_H_
