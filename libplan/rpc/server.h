// Server settings shared by the plan service and the sync agent.
#ifndef LIBPLAN_RPC_SERVER_H_
#define LIBPLAN_RPC_SERVER_H_

#include <string>

#include "grpcpp/server_builder.h"

namespace plan {

struct ServerOptions {
  // Largest request or response message, in bytes (gRPC's default receive
  // limit). Pages and batches are kept well under it.
  int max_message_bytes = 4 << 20;
  // Keepalive pings on idle connections, so dead peers are noticed.
  int keepalive_time_ms = 60000;
  int keepalive_timeout_ms = 20000;
};

// Applies `options` to `builder` and turns on grpc.health.v1 health checking
// and server reflection. Call before registering services.
void ConfigureServerBuilder(const ServerOptions& options,
                            grpc::ServerBuilder* builder);

// The acting organisation a request names in its `x-prevent-organisation`
// metadata, or "".
std::string ActingOrganisation(const grpc::ServerContext& context);

}  // namespace plan

#endif  // LIBPLAN_RPC_SERVER_H_
