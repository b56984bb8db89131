#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/filters/common/rbac/rbac_matchers.h"
#include "proxy/runtime/well_known_keys.h"
#include "proxy/protobuf/supported_fields.h"

namespace envoy::config::rbac::v3 {
class RBAC;
}

namespace meshproxy::filters::rbac {

enum class RbacAction : uint8_t { kAllow, kDeny, kLog };

// One policy: it matches when one of its permissions and one of its principals match.
struct Policy {
  std::string name;
  MatcherPtr permissions;  // an OrMatcher
  MatcherPtr principals;   // an OrMatcher
};

// The outcome of one evaluation. `effective_policy_id` points into the engine (it lives as long
// as the engine): the first matching policy in name order, as Envoy reports it
// (policies is a proto map; Envoy keeps it sorted), nullptr when none matched.
struct RbacDecision {
  bool allowed = true;
  bool matched = false;  // a policy matched (LOG: the request should be logged)
  const std::string* effective_policy_id = nullptr;
};

// envoy.config.rbac.v3.RBAC compiled: evaluate() is O(policies x rules), allocates nothing
// (see rbac_matchers.h for the one exception), and the same call serves enforced rules and
// shadow_rules (the caller records a shadow decision instead of acting on it).
// ALLOW: allowed iff a policy matches. DENY: allowed iff none matches. LOG: always allowed;
// `matched` says whether to log.
class RbacEngine {
 public:
  RbacEngine(RbacAction action, std::vector<Policy> policies);

  RbacDecision evaluate(const RequestView& request) const;

  RbacAction action() const { return action_; }
  const std::vector<Policy>& policies() const { return policies_; }

 private:
  RbacAction action_;
  std::vector<Policy> policies_;  // sorted by name
};

struct RbacTranslateOptions {
  // re2.max_program_size.error_level: the runtime's value (default 100) when made.
  uint32_t max_regex_program_size = runtime::maxRegexProgramSize();
};

// Config time: the RBAC message into an engine. Every field meshproxy does not implement is an
// error naming it ("unsupported field 'policies[0].permissions[0].matcher' ..."), and so is
// what Envoy's validation refuses (an empty policy, `any: false`, a port over 65535); errors
// name the policy ("policy 'p': permissions[1]: ...").
absl::StatusOr<std::shared_ptr<const RbacEngine>> translateRbac(
    const envoy::config::rbac::v3::RBAC& proto, const RbacTranslateOptions& options = {});

// The envoy.config.rbac.v3.RBAC fields meshproxy implements (policies, permissions,
// principals), for reports that list every unsupported field (--print-unsupported).
const protobuf::SupportedFields& rbacSupportedFields();

}  // namespace meshproxy::filters::rbac
