#include "proxy/config/lb_policy_translator.h"

#include "absl/strings/str_cat.h"
#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/extensions/load_balancing_policies/least_request/v3/least_request.pb.h"
#include "envoy/extensions/load_balancing_policies/maglev/v3/maglev.pb.h"
#include "envoy/extensions/load_balancing_policies/random/v3/random.pb.h"
#include "envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash.pb.h"
#include "envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.pb.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::config {
namespace {

using envoy::config::cluster::v3::Cluster;
namespace lbp = envoy::extensions::load_balancing_policies;
using upstream::LbPolicy;

// Envoy's bounds.
constexpr uint64_t kMaxRingSize = 8 * 1024 * 1024;
constexpr uint64_t kMaxMaglevTableSize = 5000011;

const protobuf::SupportedFields& typedPolicyFields() {
  static const protobuf::SupportedFields fields = {
      {"envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin",
       {"locality_lb_config"}},
      {"envoy.extensions.load_balancing_policies.random.v3.Random", {"locality_lb_config"}},
      {"envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest",
       {"choice_count", "active_request_bias", "locality_lb_config"}},
      {"envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash",
       {"hash_function", "minimum_ring_size", "maximum_ring_size", "locality_weighted_lb_config"}},
      {"envoy.extensions.load_balancing_policies.maglev.v3.Maglev",
       {"table_size", "locality_weighted_lb_config"}},
      {"envoy.extensions.load_balancing_policies.common.v3.LocalityLbConfig",
       {"locality_weighted_lb_config"}},
      {"envoy.extensions.load_balancing_policies.common.v3.LocalityLbConfig."
       "LocalityWeightedLbConfig",
       {}},
      {"envoy.config.core.v3.RuntimeDouble", {"default_value"}},
  };
  return fields;
}

absl::Status checkRingSizes(uint64_t minimum, uint64_t maximum, const std::string& where) {
  if (minimum == 0 || minimum > kMaxRingSize || maximum == 0 || maximum > kMaxRingSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": minimum_ring_size and maximum_ring_size must be in 1-", kMaxRingSize));
  }
  if (minimum > maximum) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": minimum_ring_size ", minimum,
                                                   " is larger than maximum_ring_size ", maximum));
  }
  return absl::OkStatus();
}

absl::Status checkTableSize(uint64_t size, const std::string& where) {
  bool prime = size >= 2;
  for (uint64_t d = 2; prime && d * d <= size; ++d) prime = size % d != 0;
  if (!prime || size > kMaxMaglevTableSize) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": maglev table_size must be a prime number <= ", kMaxMaglevTableSize,
                     ", got ", size));
  }
  return absl::OkStatus();
}

absl::Status setBias(const envoy::config::core::v3::RuntimeDouble& bias, upstream::LbConfig& lb,
                     const std::string& where) {
  if (!bias.runtime_key().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": active_request_bias.runtime_key is not supported"));
  }
  if (bias.default_value() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": active_request_bias must be >= 0"));
  }
  lb.active_request_bias = bias.default_value();
  return absl::OkStatus();
}

// The legacy form: lb_policy and its *_lb_config fields.
absl::Status translateEnum(const Cluster& proto, upstream::ClusterConfig& config,
                           const std::string& where) {
  upstream::LbConfig& lb = config.lb;
  switch (proto.lb_policy()) {
    case Cluster::ROUND_ROBIN:
      config.lb_policy = LbPolicy::kRoundRobin;
      break;
    case Cluster::LEAST_REQUEST: {
      config.lb_policy = LbPolicy::kLeastRequest;
      const auto& lr = proto.least_request_lb_config();
      if (lr.has_choice_count()) lb.choice_count = lr.choice_count().value();
      if (lr.has_active_request_bias()) {
        if (auto s = setBias(lr.active_request_bias(), lb, where); !s.ok()) return s;
      }
      break;
    }
    case Cluster::RANDOM:
      config.lb_policy = LbPolicy::kRandom;
      break;
    case Cluster::RING_HASH: {
      config.lb_policy = LbPolicy::kRingHash;
      const auto& rh = proto.ring_hash_lb_config();
      if (rh.has_minimum_ring_size()) lb.minimum_ring_size = rh.minimum_ring_size().value();
      if (rh.has_maximum_ring_size()) lb.maximum_ring_size = rh.maximum_ring_size().value();
      lb.hash_function = rh.hash_function() == Cluster::RingHashLbConfig::MURMUR_HASH_2
                             ? upstream::HashFunction::kMurmurHash2
                             : upstream::HashFunction::kXxHash;
      break;
    }
    case Cluster::MAGLEV:
      config.lb_policy = LbPolicy::kMaglev;
      if (proto.maglev_lb_config().has_table_size()) {
        lb.maglev_table_size = proto.maglev_lb_config().table_size().value();
      }
      break;
    case Cluster::CLUSTER_PROVIDED:
      if (config.type != upstream::DiscoveryType::kOriginalDst) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": lb_policy CLUSTER_PROVIDED needs type ORIGINAL_DST"));
      }
      config.lb_policy = LbPolicy::kClusterProvided;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(where, ": unsupported lb_policy ",
                                                     Cluster::LbPolicy_Name(proto.lb_policy())));
  }
  // A *_lb_config for another policy than the chosen one is a mistake Envoy ignores; saying
  // so is kinder than ignoring it.
  struct {
    bool set;
    LbPolicy policy;
    const char* name;
  } const configs[] = {
      {proto.has_least_request_lb_config(), LbPolicy::kLeastRequest, "least_request_lb_config"},
      {proto.has_ring_hash_lb_config(), LbPolicy::kRingHash, "ring_hash_lb_config"},
      {proto.has_maglev_lb_config(), LbPolicy::kMaglev, "maglev_lb_config"},
  };
  for (const auto& c : configs) {
    if (c.set && config.lb_policy != c.policy) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": ", c.name,
                                                     " does not apply to lb_policy ",
                                                     Cluster::LbPolicy_Name(proto.lb_policy())));
    }
  }
  return absl::OkStatus();
}

template <typename T>
absl::StatusOr<T> unpackPolicy(const google::protobuf::Any& any, const std::string& where) {
  auto message = protobuf::unpackAny<T>(any, where);
  if (!message.ok()) return message.status();
  if (auto s = typedPolicyFields().check(*message); !s.ok()) {
    return protobuf::withContext(s, where);
  }
  return message;
}

// The typed form. Returns NotFound for a type meshproxy does not know (the caller tries the
// next policy of the list).
absl::Status translateTyped(const google::protobuf::Any& any, upstream::ClusterConfig& config,
                            const std::string& where) {
  upstream::LbConfig& lb = config.lb;
  if (any.Is<lbp::round_robin::v3::RoundRobin>()) {
    auto p = unpackPolicy<lbp::round_robin::v3::RoundRobin>(any, where);
    if (!p.ok()) return p.status();
    config.lb_policy = LbPolicy::kRoundRobin;
    lb.locality_weighted = p->locality_lb_config().has_locality_weighted_lb_config();
  } else if (any.Is<lbp::least_request::v3::LeastRequest>()) {
    auto p = unpackPolicy<lbp::least_request::v3::LeastRequest>(any, where);
    if (!p.ok()) return p.status();
    config.lb_policy = LbPolicy::kLeastRequest;
    if (p->has_choice_count()) lb.choice_count = p->choice_count().value();
    if (p->has_active_request_bias()) {
      if (auto s = setBias(p->active_request_bias(), lb, where); !s.ok()) return s;
    }
    lb.locality_weighted = p->locality_lb_config().has_locality_weighted_lb_config();
  } else if (any.Is<lbp::random::v3::Random>()) {
    auto p = unpackPolicy<lbp::random::v3::Random>(any, where);
    if (!p.ok()) return p.status();
    config.lb_policy = LbPolicy::kRandom;
    lb.locality_weighted = p->locality_lb_config().has_locality_weighted_lb_config();
  } else if (any.Is<lbp::ring_hash::v3::RingHash>()) {
    auto p = unpackPolicy<lbp::ring_hash::v3::RingHash>(any, where);
    if (!p.ok()) return p.status();
    config.lb_policy = LbPolicy::kRingHash;
    if (p->has_minimum_ring_size()) lb.minimum_ring_size = p->minimum_ring_size().value();
    if (p->has_maximum_ring_size()) lb.maximum_ring_size = p->maximum_ring_size().value();
    // DEFAULT_HASH is xxHash in Envoy.
    lb.hash_function = p->hash_function() == lbp::ring_hash::v3::RingHash::MURMUR_HASH_2
                           ? upstream::HashFunction::kMurmurHash2
                           : upstream::HashFunction::kXxHash;
    lb.locality_weighted = p->has_locality_weighted_lb_config();
  } else if (any.Is<lbp::maglev::v3::Maglev>()) {
    auto p = unpackPolicy<lbp::maglev::v3::Maglev>(any, where);
    if (!p.ok()) return p.status();
    config.lb_policy = LbPolicy::kMaglev;
    if (p->has_table_size()) lb.maglev_table_size = p->table_size().value();
    lb.locality_weighted = p->has_locality_weighted_lb_config();
  } else {
    return absl::NotFoundError(any.type_url());
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status translateLbPolicy(const Cluster& proto, upstream::ClusterConfig& config,
                               const std::string& where) {
  if (proto.has_load_balancing_policy()) {
    if (config.type == upstream::DiscoveryType::kOriginalDst) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": an ORIGINAL_DST cluster needs lb_policy CLUSTER_PROVIDED"));
    }
    if (proto.has_least_request_lb_config() || proto.has_ring_hash_lb_config() ||
        proto.has_maglev_lb_config()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": load_balancing_policy replaces lb_policy and its *_lb_config fields"));
    }
    std::string unknown;
    bool found = false;
    const auto& policies = proto.load_balancing_policy().policies();
    for (int i = 0; i < policies.size() && !found; ++i) {
      const auto& typed = policies[i].typed_extension_config();
      std::string pwhere =
          absl::StrCat(where, " load_balancing_policy.policies[", i, "] '", typed.name(), "'");
      absl::Status s = translateTyped(typed.typed_config(), config, pwhere);
      if (absl::IsNotFound(s)) {
        absl::StrAppend(&unknown, unknown.empty() ? "" : ", ", s.message());
        continue;
      }
      if (!s.ok()) return s;
      found = true;
    }
    if (!found) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": load_balancing_policy has no policy meshproxy supports (",
                       unknown.empty() ? "empty" : unknown, ")"));
    }
  } else if (auto s = translateEnum(proto, config, where); !s.ok()) {
    return s;
  }
  upstream::LbConfig& lb = config.lb;
  if (lb.choice_count < 2) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": choice_count must be >= 2"));
  }
  if (config.lb_policy == LbPolicy::kRingHash) {
    if (auto s = checkRingSizes(lb.minimum_ring_size, lb.maximum_ring_size, where); !s.ok()) {
      return s;
    }
  }
  if (config.lb_policy == LbPolicy::kMaglev) {
    if (auto s = checkTableSize(lb.maglev_table_size, where); !s.ok()) return s;
  }
  if (proto.has_common_lb_config()) {
    const auto& common = proto.common_lb_config();
    if (common.has_healthy_panic_threshold()) {
      double value = common.healthy_panic_threshold().value();
      if (value < 0 || value > 100) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": common_lb_config.healthy_panic_threshold must be in 0-100"));
      }
      lb.healthy_panic_threshold = value;
    }
    if (common.has_locality_weighted_lb_config()) lb.locality_weighted = true;
  }
  if (lb.locality_weighted && config.type == upstream::DiscoveryType::kOriginalDst) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": locality_weighted_lb_config does not apply to ORIGINAL_DST"));
  }
  return absl::OkStatus();
}

const protobuf::SupportedFields& lbPolicySupportedFields() {
  static const protobuf::SupportedFields fields = {
      {"envoy.config.cluster.v3.Cluster",
       {"least_request_lb_config", "ring_hash_lb_config", "maglev_lb_config", "common_lb_config",
        "load_balancing_policy"}},
      {"envoy.config.cluster.v3.Cluster.LeastRequestLbConfig",
       {"choice_count", "active_request_bias"}},
      {"envoy.config.core.v3.RuntimeDouble", {"default_value"}},
      {"envoy.config.cluster.v3.Cluster.RingHashLbConfig",
       {"minimum_ring_size", "maximum_ring_size", "hash_function"}},
      {"envoy.config.cluster.v3.Cluster.MaglevLbConfig", {"table_size"}},
      {"envoy.config.cluster.v3.Cluster.CommonLbConfig",
       {"healthy_panic_threshold", "locality_weighted_lb_config"}},
      {"envoy.config.cluster.v3.Cluster.CommonLbConfig.LocalityWeightedLbConfig", {}},
      {"envoy.type.v3.Percent", {"value"}},
      {"envoy.config.cluster.v3.LoadBalancingPolicy", {"policies"}},
      {"envoy.config.cluster.v3.LoadBalancingPolicy.Policy", {"typed_extension_config"}},
      {"envoy.config.core.v3.TypedExtensionConfig", {"name", "typed_config"}},
  };
  return fields;
}

}  // namespace meshproxy::config
