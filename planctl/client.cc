#include "planctl/client.h"

#include <future>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"

namespace planctl {
namespace {

using google::protobuf::Message;

const google::protobuf::MethodDescriptor* FindMethod(
    absl::string_view service_name, absl::string_view name) {
  const auto* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          std::string(service_name));
  return service == nullptr ? nullptr
                            : service->FindMethodByName(std::string(name));
}

std::unique_ptr<Message> NewMessage(const google::protobuf::Descriptor* type) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(type)
          ->New());
}

// The server's message, and each bad field it named.
std::string Describe(const grpc::Status& status) {
  std::string message = status.error_message();
  google::rpc::Status details;
  if (details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      google::rpc::ErrorInfo info;
      if (any.UnpackTo(&info) && !info.reason().empty()) {
        absl::StrAppend(&message, " [", info.reason(), "]");
      }
    }
  }
  return message;
}

}  // namespace

PlanClient::PlanClient(std::shared_ptr<grpc::Channel> channel,
                       ClientOptions options)
    : channel_(std::move(channel)), options_(std::move(options)) {}

std::unique_ptr<Message> PlanClient::NewRequest(
    absl::string_view method) const {
  const auto* descriptor = FindMethod(kPlanService, method);
  return descriptor == nullptr ? nullptr : NewMessage(descriptor->input_type());
}

absl::StatusOr<std::string> PlanClient::CallRaw(const std::string& path,
                                                const std::string& request) {
  grpc::GenericStub stub(channel_);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  if (!options_.organisation.empty()) {
    context.AddMetadata("x-prevent-organisation", options_.organisation);
  }
  grpc::Slice slice(request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, path, grpc::StubOptions(), &request_buffer,
                 &response_buffer,
                 [&done](grpc::Status status) { done.set_value(status); });
  const grpc::Status status = done.get_future().get();
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        Describe(status));
  }
  std::vector<grpc::Slice> slices;
  if (!response_buffer.Dump(&slices).ok()) {
    return absl::InternalError("unreadable response");
  }
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return bytes;
}

absl::Status PlanClient::ReadChangeLog(
    const prevent::plan::v1::ReadChangeLogRequest& request,
    absl::FunctionRef<void(const prevent::plan::v1::ChangeLogChunk&)> chunk) {
  auto stub = prevent::plan::v1::ReportService::NewStub(channel_);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  if (!options_.organisation.empty()) {
    context.AddMetadata("x-prevent-organisation", options_.organisation);
  }
  std::unique_ptr<grpc::ClientReader<prevent::plan::v1::ChangeLogChunk>>
      reader = stub->ReadChangeLog(&context, request);
  prevent::plan::v1::ChangeLogChunk read;
  while (reader->Read(&read)) chunk(read);
  const grpc::Status status = reader->Finish();
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        Describe(status));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Message>> PlanClient::Call(
    absl::string_view method, const Message& request) {
  return CallService(kPlanService, method, request);
}

absl::StatusOr<std::unique_ptr<Message>> PlanClient::CallService(
    absl::string_view service, absl::string_view method,
    const Message& request) {
  const auto* descriptor = FindMethod(service, method);
  if (descriptor == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("no method ", method));
  }
  absl::StatusOr<std::string> bytes = CallRaw(
      absl::StrCat("/", service, "/", method), request.SerializeAsString());
  if (!bytes.ok()) return bytes.status();
  std::unique_ptr<Message> response = NewMessage(descriptor->output_type());
  if (!response->ParseFromString(*bytes)) {
    return absl::InternalError(
        absl::StrCat("unreadable ", method, " response"));
  }
  return response;
}

absl::StatusOr<std::string> PlanClient::Health() {
  // grpc.health.v1: an empty HealthCheckRequest asks for the whole server;
  // the response's field 1 is the ServingStatus enum.
  absl::StatusOr<std::string> bytes =
      CallRaw("/grpc.health.v1.Health/Check", "");
  if (!bytes.ok()) return bytes.status();
  int status = 0;
  if (bytes->size() == 2 && (*bytes)[0] == '\x08') status = (*bytes)[1];
  static constexpr const char* kNames[] = {"UNKNOWN", "SERVING", "NOT_SERVING",
                                           "SERVICE_UNKNOWN"};
  return std::string(status >= 0 && status <= 3 ? kNames[status] : "UNKNOWN");
}

}  // namespace planctl
