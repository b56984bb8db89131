#include "proxy/filters/http/local_ratelimit/local_ratelimit_config.h"

#include <fmt/format.h>

#include "envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.pb.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/type_translators.h"
#include "proxy/route/header_mutations_translator.h"
#include "proxy/route/route_supported_fields.h"

namespace meshproxy::filters::local_ratelimit {
namespace {

using ProtoLocalRateLimit = envoy::extensions::filters::http::local_ratelimit::v3::LocalRateLimit;

// Envoy refuses a faster fill timer; kept for the lazily refilled buckets too, so a config that
// Envoy refuses is refused here.
constexpr std::chrono::milliseconds kMinFillInterval{50};
constexpr uint32_t kGrpcResourceExhausted = 8;

const protobuf::SupportedFields& fields() {
  static const protobuf::SupportedFields f = [] {
    protobuf::SupportedFields s = {
        {"envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
         {"stat_prefix", "status", "token_bucket", "filter_enabled", "filter_enforced",
          "request_headers_to_add_when_not_enforced", "response_headers_to_add", "descriptors",
          "stage", "local_rate_limit_per_downstream_connection", "enable_x_ratelimit_headers",
          "vh_rate_limits", "always_consume_default_token_bucket",
          "rate_limited_as_resource_exhausted"}},
        {"envoy.type.v3.HttpStatus", {"code"}},
        {"envoy.extensions.common.ratelimit.v3.LocalRateLimitDescriptor",
         {"entries", "token_bucket"}},
        {"envoy.extensions.common.ratelimit.v3.RateLimitDescriptor.Entry", {"key", "value"}},
    };
    s.merge(protobuf::typeTranslatorFields());
    // HeaderValueOption, HeaderValue.
    s.merge(route::routeConfigurationFields());
    return s;
  }();
  return f;
}

absl::Status invalid(std::string_view field, std::string_view message) {
  return absl::InvalidArgumentError(fmt::format("local_ratelimit: {}: {}", field, message));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const LocalRateLimitConfig>> translateLocalRateLimit(
    const ProtoLocalRateLimit& proto, bool per_route, MonotonicTime now) {
  if (auto s = fields().check(proto); !s.ok()) return protobuf::withContext(s, "local_ratelimit");
  auto config = std::make_shared<LocalRateLimitConfig>();
  if (proto.stat_prefix().empty()) return invalid("stat_prefix", "is required");
  config->stat_prefix = proto.stat_prefix();
  const uint32_t code = static_cast<uint32_t>(proto.status().code());
  config->status = code >= 400 ? code : 429;
  if (proto.rate_limited_as_resource_exhausted()) config->grpc_status = kGrpcResourceExhausted;

  if (proto.has_filter_enabled()) {
    auto f = protobuf::translateRuntimeFractionalPercent(proto.filter_enabled(), "filter_enabled");
    if (!f.ok()) return protobuf::withContext(f.status(), "local_ratelimit");
    config->filter_enabled = *f;
  }
  if (proto.has_filter_enforced()) {
    auto f =
        protobuf::translateRuntimeFractionalPercent(proto.filter_enforced(), "filter_enforced");
    if (!f.ok()) return protobuf::withContext(f.status(), "local_ratelimit");
    config->filter_enforced = *f;
  }
  if (proto.request_headers_to_add_when_not_enforced_size() > 10) {
    return invalid("request_headers_to_add_when_not_enforced", "at most 10 entries");
  }
  if (proto.response_headers_to_add_size() > 10) {
    return invalid("response_headers_to_add", "at most 10 entries");
  }
  const google::protobuf::RepeatedPtrField<std::string> no_removals;
  auto request_headers = route::translateHeaderMutations(
      proto.request_headers_to_add_when_not_enforced(), no_removals);
  if (!request_headers.ok()) {
    return protobuf::withContext(request_headers.status(),
                                 "local_ratelimit: request_headers_to_add_when_not_enforced");
  }
  config->request_headers_to_add_when_not_enforced = std::move(*request_headers);
  auto response_headers =
      route::translateHeaderMutations(proto.response_headers_to_add(), no_removals);
  if (!response_headers.ok()) {
    return protobuf::withContext(response_headers.status(),
                                 "local_ratelimit: response_headers_to_add");
  }
  config->response_headers_to_add = std::move(*response_headers);

  if (proto.stage() > 10) return invalid("stage", "must be at most 10");
  config->stage = proto.stage();
  switch (proto.vh_rate_limits()) {
    case envoy::extensions::common::ratelimit::v3::OVERRIDE:
      config->vh_rate_limits = route::VhRateLimits::kOverride;
      break;
    case envoy::extensions::common::ratelimit::v3::INCLUDE:
      config->vh_rate_limits = route::VhRateLimits::kInclude;
      break;
    case envoy::extensions::common::ratelimit::v3::IGNORE:
      config->vh_rate_limits = route::VhRateLimits::kIgnore;
      break;
    default:
      return invalid("vh_rate_limits", "unknown value");
  }
  switch (proto.enable_x_ratelimit_headers()) {
    case envoy::extensions::common::ratelimit::v3::OFF:
      break;
    case envoy::extensions::common::ratelimit::v3::DRAFT_VERSION_03:
      config->x_ratelimit_headers = true;
      break;
    default:
      return invalid("enable_x_ratelimit_headers", "unknown value");
  }

  LocalRateLimiterSpec& spec = config->limiter_spec;
  if (proto.has_token_bucket()) {
    auto bucket =
        protobuf::translateTokenBucket(proto.token_bucket(), "token_bucket", kMinFillInterval);
    if (!bucket.ok()) return protobuf::withContext(bucket.status(), "local_ratelimit");
    spec.bucket = *bucket;
  } else if (per_route) {
    return invalid("token_bucket", "is required in a route's config (typed_per_filter_config)");
  }
  spec.always_consume_default_token_bucket = !proto.has_always_consume_default_token_bucket() ||
                                             proto.always_consume_default_token_bucket().value();
  for (int i = 0; i < proto.descriptors_size(); ++i) {
    const auto& d = proto.descriptors(i);
    const std::string where = fmt::format("descriptors[{}]", i);
    if (d.entries().empty()) return invalid(where + ".entries", "needs at least one entry");
    DescriptorBucketSpec bucket_spec;
    for (int j = 0; j < d.entries_size(); ++j) {
      if (d.entries(j).key().empty() || d.entries(j).value().empty()) {
        return invalid(fmt::format("{}.entries[{}]", where, j), "key and value must not be empty");
      }
      bucket_spec.entries.push_back({d.entries(j).key(), d.entries(j).value()});
    }
    if (!d.has_token_bucket()) return invalid(where + ".token_bucket", "is required");
    auto bucket =
        protobuf::translateTokenBucket(d.token_bucket(), where + ".token_bucket", kMinFillInterval);
    if (!bucket.ok()) return protobuf::withContext(bucket.status(), "local_ratelimit");
    bucket_spec.bucket = *bucket;
    spec.descriptors.push_back(std::move(bucket_spec));
  }
  auto index = DescriptorIndex::create(spec);
  if (!index.ok()) return protobuf::withContext(index.status(), "local_ratelimit");
  config->descriptor_index = std::move(*index);

  config->per_connection = proto.local_rate_limit_per_downstream_connection();
  if (!config->per_connection) {
    config->shared_limiter =
        std::make_shared<SharedLocalRateLimiter>(spec, config->descriptor_index, now);
  }
  return std::shared_ptr<const LocalRateLimitConfig>(std::move(config));
}

}  // namespace meshproxy::filters::local_ratelimit
