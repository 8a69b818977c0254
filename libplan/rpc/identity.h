// Who a call acts for (docs/security.md). Nothing a client writes in a
// message decides it:
//   - certificate mode (the plan service with TLS): the organisation is the
//     one the client certificate's URI SAN names,
//     spiffe://<trust domain>/organisations/<id>;
//   - development mode (the plan service in plaintext on loopback): the
//     x-prevent-organisation metadata names it, or the default organisation
//     does; identities are not verified;
//   - fixed mode (a sync agent's local API): always the agent's own;
//   - vouched (any mode, the REST gateway of the same process; see
//     libplan/http/rest_gateway.h): a call whose x-prevent-gateway metadata
//     holds this process's gateway token acts for the organisation
//     x-prevent-organisation names, which the gateway authenticated.
// In every mode, x-prevent-organisation may only repeat the organisation the
// call acts for (PERMISSION_DENIED otherwise), and x-prevent-user, a
// person's name of at most 200 characters, is kept for the record only.
//
//   Authenticator auth({.mode = Authenticator::Mode::kCertificate});
//   absl::StatusOr<Actor> actor = auth.Authenticate(*context);
#ifndef LIBPLAN_RPC_IDENTITY_H_
#define LIBPLAN_RPC_IDENTITY_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"
#include "libplan/service/plan_resources.h"

namespace plan {

inline constexpr char kOrganisationMetadata[] = "x-prevent-organisation";
inline constexpr char kUserMetadata[] = "x-prevent-user";
inline constexpr char kGatewayMetadata[] = "x-prevent-gateway";
inline constexpr size_t kMaxUserLength = 200;

class Authenticator {
 public:
  enum class Mode { kCertificate, kDevelopment, kFixed };
  struct Options {
    Mode mode = Mode::kDevelopment;
    // The trust domain of the SPIFFE ids certificates carry.
    std::string trust_domain = "prevent.local";
    // kDevelopment: the organisation of a call that names none ("" for the
    // service's own). kFixed: the organisation of every call.
    std::string organisation;
    // The secret the REST gateway of this process vouches with (empty: no
    // call is vouched for). Never logged.
    std::string gateway_token{};
  };

  explicit Authenticator(Options options) : options_(std::move(options)) {}

  // The caller of `context` (valid while the call is): its organisation,
  // person, deadline and cancellation. UNAUTHENTICATED when a certificate
  // names no organisation of the trust domain, or more than one;
  // PERMISSION_DENIED when x-prevent-organisation names another
  // organisation; INVALID_ARGUMENT for a bad x-prevent-user;
  // UNAUTHENTICATED for an x-prevent-gateway that is not the token.
  absl::StatusOr<Actor> Authenticate(
      const grpc::ServerContextBase& context) const;

  const Options& options() const { return options_; }

 private:
  absl::StatusOr<std::string> CertifiedOrganisation(
      const grpc::ServerContextBase& context) const;
  // The organisation a call acts for, before checking that `claimed` (its
  // x-prevent-organisation) repeats it.
  absl::StatusOr<std::string> OrganisationOf(
      const grpc::ServerContextBase& context,
      const std::optional<std::string>& claimed) const;

  const Options options_;
};

// The organisation ("organisations/<id>") that `uri` names as a SPIFFE id of
// `trust_domain`, or "" when it names none.
std::string OrganisationOfSpiffeId(absl::string_view uri,
                                   absl::string_view trust_domain);

}  // namespace plan

#endif  // LIBPLAN_RPC_IDENTITY_H_
