#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "proxy/filters/http/jwt_authn/claims_checker.h"
#include "proxy/filters/http/jwt_authn/jwt_provider.h"

namespace meshproxy::filters::jwt_authn {

// A JwtRequirement, translated: which providers' tokens a request needs.
struct Requirement {
  enum class Kind : uint8_t {
    kNone,                  // requires_type not set: everything passes
    kProvider,              // provider_name, or provider_and_audiences (audiences set)
    kAny,                   // requires_any
    kAll,                   // requires_all
    kAllowMissing,          // allow_missing: no token passes, an invalid one fails
    kAllowMissingOrFailed,  // allow_missing_or_failed: always passes; valid tokens still count
  };
  Kind kind = Kind::kNone;
  const JwtProviderConfig* provider = nullptr;               // kProvider
  std::shared_ptr<const AudienceChecker> audiences;          // kProvider: overrides the provider's
  std::vector<std::shared_ptr<const Requirement>> children;  // kAny, kAll
};

}  // namespace meshproxy::filters::jwt_authn
