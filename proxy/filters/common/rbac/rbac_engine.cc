#include "proxy/filters/common/rbac/rbac_engine.h"

#include <algorithm>

namespace meshproxy::filters::rbac {

RbacEngine::RbacEngine(RbacAction action, std::vector<Policy> policies)
    : action_(action), policies_(std::move(policies)) {
  std::sort(policies_.begin(), policies_.end(),
            [](const Policy& a, const Policy& b) { return a.name < b.name; });
}

RbacDecision RbacEngine::evaluate(const RequestView& request) const {
  RbacDecision decision;
  for (const Policy& policy : policies_) {
    if (policy.permissions->matches(request) && policy.principals->matches(request)) {
      decision.matched = true;
      decision.effective_policy_id = &policy.name;
      break;
    }
  }
  switch (action_) {
    case RbacAction::kAllow:
      decision.allowed = decision.matched;
      break;
    case RbacAction::kDeny:
      decision.allowed = !decision.matched;
      break;
    case RbacAction::kLog:
      decision.allowed = true;
      break;
  }
  return decision;
}

}  // namespace meshproxy::filters::rbac
