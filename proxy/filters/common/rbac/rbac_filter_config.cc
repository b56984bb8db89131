#include "proxy/filters/common/rbac/rbac_filter_config.h"

#include <google/protobuf/struct.pb.h>

#include "absl/strings/str_cat.h"
#include "envoy/config/rbac/v3/rbac.pb.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::filters::rbac {

RbacFilterConfig::RbacFilterConfig(std::shared_ptr<const RbacEngine> rules,
                                   std::shared_ptr<const RbacEngine> shadow_rules,
                                   std::string shadow_rules_stat_prefix, RbacFilterStats stats)
    : rules_(std::move(rules)),
      shadow_rules_(std::move(shadow_rules)),
      shadow_policy_id_key_(absl::StrCat(shadow_rules_stat_prefix, kShadowEffectivePolicyIdKey)),
      shadow_engine_result_key_(absl::StrCat(shadow_rules_stat_prefix, kShadowEngineResultKey)),
      stats_(stats) {}

RbacCheckResult RbacFilterConfig::check(const RequestView& request,
                                        const RbacFilterStats& stats) const {
  RbacCheckResult result;
  if (shadow_rules_ != nullptr) {
    const RbacDecision shadow = shadow_rules_->evaluate(request);
    result.shadow_evaluated = true;
    result.shadow_allowed = shadow.allowed;
    result.shadow_policy_id = shadow.effective_policy_id;
    (shadow.allowed ? stats.shadow_allowed : stats.shadow_denied).inc();
  }
  if (rules_ != nullptr) {
    const RbacDecision enforced = rules_->evaluate(request);
    result.allowed = enforced.allowed;
    result.enforced_policy_id = enforced.effective_policy_id;
    if (rules_->action() == RbacAction::kLog) {
      result.log_action = true;
      result.log_hint = enforced.matched;
    }
    (enforced.allowed ? stats.allowed : stats.denied).inc();
  }
  return result;
}

void RbacFilterConfig::addShadowMetadata(const RbacCheckResult& result,
                                         google::protobuf::Struct& ns) const {
  if (!result.shadow_evaluated) return;
  auto& fields = *ns.mutable_fields();
  if (result.shadow_policy_id != nullptr) {
    fields[shadow_policy_id_key_].set_string_value(*result.shadow_policy_id);
  }
  fields[shadow_engine_result_key_].set_string_value(result.shadow_allowed ? kEngineResultAllowed
                                                                           : kEngineResultDenied);
}

absl::StatusOr<std::shared_ptr<const RbacFilterConfig>> translateRbacFilter(
    const RbacFilterSpec& spec, const stats::Scope& scope, const RbacTranslateOptions& options) {
  std::shared_ptr<const RbacEngine> rules;
  std::shared_ptr<const RbacEngine> shadow;
  if (spec.rules != nullptr) {
    auto engine = translateRbac(*spec.rules, options);
    if (!engine.ok()) return protobuf::withContext(engine.status(), "rules");
    rules = std::move(*engine);
  }
  if (spec.shadow_rules != nullptr) {
    auto engine = translateRbac(*spec.shadow_rules, options);
    if (!engine.ok()) return protobuf::withContext(engine.status(), "shadow_rules");
    shadow = std::move(*engine);
  }
  const stats::Scope rbac = scope.scope("rbac");
  RbacFilterStats stats{
      rbac.counter(absl::StrCat(spec.rules_stat_prefix, "allowed")),
      rbac.counter(absl::StrCat(spec.rules_stat_prefix, "denied")),
      rbac.counter(absl::StrCat(spec.shadow_rules_stat_prefix, "shadow_allowed")),
      rbac.counter(absl::StrCat(spec.shadow_rules_stat_prefix, "shadow_denied")),
  };
  return std::make_shared<const RbacFilterConfig>(std::move(rules), std::move(shadow),
                                                  spec.shadow_rules_stat_prefix, stats);
}

}  // namespace meshproxy::filters::rbac
