#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "proxy/filters/common/rbac/rbac_engine.h"
#include "proxy/stats/scope.h"

namespace google::protobuf {
class Struct;
}

// What the HTTP filter envoy.filters.http.rbac and the network filter
// envoy.filters.network.rbac share: the enforced `rules` and the `shadow_rules`, compiled, with
// their counters. A filter builds a RequestView, calls check(), and acts on `allowed`; the
// shadow result is counted and reported, never enforced.
namespace meshproxy::filters::rbac {

// "<stat_prefix>.rbac.<rules_stat_prefix>allowed" ... as Envoy names them.
struct RbacFilterStats {
  stats::Counter& allowed;
  stats::Counter& denied;
  stats::Counter& shadow_allowed;
  stats::Counter& shadow_denied;
};

// One evaluation. Pointers into the config (they live as long as it does).
struct RbacCheckResult {
  bool allowed = true;  // enforce this (true when there are no rules)
  // The enforced rules' first matching policy (nullptr: none, or no rules).
  const std::string* enforced_policy_id = nullptr;
  // LOG action: whether the request should be logged (Envoy's envoy.common access_log_hint).
  bool log_action = false;
  bool log_hint = false;
  // Shadow rules, when configured: their decision and first matching policy.
  bool shadow_evaluated = false;
  bool shadow_allowed = true;
  const std::string* shadow_policy_id = nullptr;
};

class RbacFilterConfig {
 public:
  RbacFilterConfig(std::shared_ptr<const RbacEngine> rules,
                   std::shared_ptr<const RbacEngine> shadow_rules,
                   std::string shadow_rules_stat_prefix, RbacFilterStats stats);

  // Evaluates shadow_rules then rules (Envoy's order) and counts allowed/denied and
  // shadow_allowed/shadow_denied. Allocates nothing.
  RbacCheckResult check(const RequestView& request) const { return check(request, stats_); }
  // The same, counted in `stats`: a per-route config (RBACPerRoute) counts in the filter's.
  RbacCheckResult check(const RequestView& request, const RbacFilterStats& stats) const;

  // Dynamic metadata of the filter's namespace ("envoy.filters.http.rbac" or
  // "envoy.filters.network.rbac"), Envoy's keys: <shadow_rules_stat_prefix>shadow_engine_result
  // ("allowed"/"denied") and <shadow_rules_stat_prefix>shadow_effective_policy_id when shadow
  // rules ran. Adds nothing (and allocates nothing) without shadow rules.
  void addShadowMetadata(const RbacCheckResult& result, google::protobuf::Struct& ns) const;

  const RbacEngine* rules() const { return rules_.get(); }
  const RbacEngine* shadowRules() const { return shadow_rules_.get(); }
  const RbacFilterStats& stats() const { return stats_; }

 private:
  std::shared_ptr<const RbacEngine> rules_;         // null: nothing enforced
  std::shared_ptr<const RbacEngine> shadow_rules_;  // null: no shadow
  std::string shadow_policy_id_key_;
  std::string shadow_engine_result_key_;
  RbacFilterStats stats_;
};

// The parts of the HTTP and network RBAC protos that are the same, already checked against the
// caller's table of supported fields. `scope` is the filter's stats scope without "rbac"
// (network: the stat_prefix; HTTP: "http.<connection manager stat_prefix>").
struct RbacFilterSpec {
  const envoy::config::rbac::v3::RBAC* rules = nullptr;         // null when not set
  const envoy::config::rbac::v3::RBAC* shadow_rules = nullptr;  // null when not set
  std::string rules_stat_prefix;
  std::string shadow_rules_stat_prefix;
};

absl::StatusOr<std::shared_ptr<const RbacFilterConfig>> translateRbacFilter(
    const RbacFilterSpec& spec, const stats::Scope& scope,
    const RbacTranslateOptions& options = {});

// Metadata keys and values, as Envoy spells them.
inline constexpr const char* kShadowEffectivePolicyIdKey = "shadow_effective_policy_id";
inline constexpr const char* kShadowEngineResultKey = "shadow_engine_result";
inline constexpr const char* kEngineResultAllowed = "allowed";
inline constexpr const char* kEngineResultDenied = "denied";
// The LOG action's hint: dynamic metadata "envoy.common" { access_log_hint: <bool> }.
inline constexpr const char* kCommonMetadataNamespace = "envoy.common";
inline constexpr const char* kAccessLogHintKey = "access_log_hint";

}  // namespace meshproxy::filters::rbac
