#include "libplan/rpc/identity.h"

#include <openssl/crypto.h>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "grpc/grpc_security_constants.h"
#include "libplan/model/names.h"
#include "libplan/model/validation.h"
#include "libplan/util/errors.h"

namespace plan {
namespace {

// The value of metadata `key`, or nullopt.
std::optional<std::string> Metadata(const grpc::ServerContextBase& context,
                                    absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return std::nullopt;
  return std::string(it->second.data(), it->second.size());
}

}  // namespace

std::string OrganisationOfSpiffeId(absl::string_view uri,
                                   absl::string_view trust_domain) {
  if (!absl::ConsumePrefix(&uri, "spiffe://") ||
      !absl::ConsumePrefix(&uri, trust_domain) ||
      !absl::ConsumePrefix(&uri, "/organisations/") || !IsValidId(uri)) {
    return "";
  }
  return absl::StrCat("organisations/", uri);
}

absl::StatusOr<std::string> Authenticator::CertifiedOrganisation(
    const grpc::ServerContextBase& context) const {
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  std::set<std::string> organisations;
  if (auth != nullptr) {
    for (const grpc::string_ref& uri :
         auth->FindPropertyValues(GRPC_PEER_URI_PROPERTY_NAME)) {
      const std::string organisation = OrganisationOfSpiffeId(
          absl::string_view(uri.data(), uri.size()), options_.trust_domain);
      if (!organisation.empty()) organisations.insert(organisation);
    }
  }
  if (organisations.size() == 1) return *organisations.begin();
  const std::string wanted =
      absl::StrCat("spiffe://", options_.trust_domain, "/organisations/<id>");
  if (organisations.empty()) {
    return Error(absl::StatusCode::kUnauthenticated, "NO_ORGANISATION_IN_CERT",
                 absl::StrCat("the client certificate names no organisation: "
                              "it needs a URI SAN ",
                              wanted));
  }
  return Error(
      absl::StatusCode::kUnauthenticated, "MANY_ORGANISATIONS_IN_CERT",
      absl::StrCat("the client certificate names ", organisations.size(),
                   " organisations (", absl::StrJoin(organisations, ", "),
                   "); it must name one, as ", wanted));
}

absl::StatusOr<std::string> Authenticator::OrganisationOf(
    const grpc::ServerContextBase& context,
    const std::optional<std::string>& claimed) const {
  const std::optional<std::string> gateway =
      Metadata(context, kGatewayMetadata);
  if (gateway.has_value()) {
    const std::string& token = options_.gateway_token;
    if (token.empty() || gateway->size() != token.size() ||
        CRYPTO_memcmp(gateway->data(), token.data(), token.size()) != 0) {
      return Error(absl::StatusCode::kUnauthenticated, "BAD_GATEWAY_TOKEN",
                   absl::StrCat(kGatewayMetadata,
                                " is for this server's own REST gateway"));
    }
  }
  // The development mode and the gateway take the organisation named.
  const bool takes_claim =
      gateway.has_value() || options_.mode == Mode::kDevelopment;
  if (takes_claim && claimed.has_value() && !claimed->empty()) {
    if (!ResourceName::ParseAs(Kind::kOrganisation, *claimed).ok()) {
      return Error(
          absl::StatusCode::kInvalidArgument, "BAD_ORGANISATION_METADATA",
          absl::StrCat(kOrganisationMetadata, " must be organisations/<id>"));
    }
    return *claimed;
  }
  if (gateway.has_value()) {
    return Error(absl::StatusCode::kInvalidArgument,
                 "BAD_ORGANISATION_METADATA",
                 absl::StrCat("a vouched call must name its organisation in ",
                              kOrganisationMetadata));
  }
  if (options_.mode == Mode::kCertificate) {
    return CertifiedOrganisation(context);
  }
  return options_.organisation;
}

absl::StatusOr<Actor> Authenticator::Authenticate(
    const grpc::ServerContextBase& context) const {
  Actor actor;
  actor.deadline = absl::FromChrono(context.deadline());
  actor.cancelled = [&context] { return context.IsCancelled(); };
  const std::optional<std::string> claimed =
      Metadata(context, kOrganisationMetadata);
  absl::StatusOr<std::string> organisation = OrganisationOf(context, claimed);
  if (!organisation.ok()) return organisation.status();
  actor.organisation = *std::move(organisation);
  if (claimed.has_value() && !claimed->empty() &&
      *claimed != actor.organisation) {
    return Error(
        absl::StatusCode::kPermissionDenied, "NOT_YOUR_ORGANISATION",
        absl::StrCat("this call acts for ",
                     actor.organisation.empty()
                         ? std::string("the server's organisation")
                         : actor.organisation,
                     "; ", kOrganisationMetadata, " may only repeat it"));
  }
  if (std::optional<std::string> user = Metadata(context, kUserMetadata);
      user.has_value()) {
    const std::string problem = CheckText(*user, kMaxUserLength);
    if (!problem.empty()) {
      return Error(absl::StatusCode::kInvalidArgument, "BAD_USER_METADATA",
                   absl::StrCat(kUserMetadata, " ", problem));
    }
    actor.user = *std::move(user);
  }
  return actor;
}

}  // namespace plan
