#include "proxy/tracing/tracing_config_translator.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "envoy/config/route/v3/route_components.pb.h"
#include "envoy/config/trace/v3/http_tracer.pb.h"
#include "envoy/config/trace/v3/opentelemetry.pb.h"
#include "envoy/config/trace/v3/zipkin.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "envoy/extensions/tracers/opentelemetry/resource_detectors/v3/environment_resource_detector.pb.h"
#include "envoy/extensions/tracers/opentelemetry/resource_detectors/v3/static_config_resource_detector.pb.h"
#include "envoy/type/tracing/v3/custom_tag.pb.h"
#include "proxy/core/strings.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/supported_fields.h"
#include "proxy/protobuf/typed_config.h"

namespace meshproxy::tracing {
namespace {

using envoy::config::trace::v3::OpenTelemetryConfig;
using envoy::config::trace::v3::ZipkinConfig;
using envoy::type::v3::FractionalPercent;

constexpr std::string_view kTypePrefix = "type.googleapis.com/";

const protobuf::SupportedFields& customTagFields() {
  static const protobuf::SupportedFields fields = {
      {"envoy.type.tracing.v3.CustomTag",
       {"tag", "literal", "environment", "request_header", "metadata"}},
      {"envoy.type.tracing.v3.CustomTag.Literal", {"value"}},
      {"envoy.type.tracing.v3.CustomTag.Environment", {"name", "default_value"}},
      {"envoy.type.tracing.v3.CustomTag.Header", {"name", "default_value"}},
      {"envoy.type.tracing.v3.CustomTag.Metadata", {"kind", "metadata_key", "default_value"}},
      {"envoy.type.metadata.v3.MetadataKind", {"request", "route", "cluster", "host"}},
      {"envoy.type.metadata.v3.MetadataKind.Request", {}},
      {"envoy.type.metadata.v3.MetadataKind.Route", {}},
      {"envoy.type.metadata.v3.MetadataKind.Cluster", {}},
      {"envoy.type.metadata.v3.MetadataKind.Host", {}},
      {"envoy.type.metadata.v3.MetadataKey", {"key", "path"}},
      {"envoy.type.metadata.v3.MetadataKey.PathSegment", {"key"}},
  };
  return fields;
}

const protobuf::SupportedFields& hcmTracingFields() {
  static const protobuf::SupportedFields fields = [] {
    protobuf::SupportedFields f = {
        {"envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager."
         "Tracing",
         {"client_sampling", "random_sampling", "overall_sampling", "verbose",
          "max_path_tag_length", "custom_tags", "provider*", "spawn_upstream_span"}},
        {"envoy.type.v3.Percent", {"value"}},
    };
    return f.merge(customTagFields());
  }();
  return fields;
}

const protobuf::SupportedFields& routeTracingFields() {
  static const protobuf::SupportedFields fields = [] {
    protobuf::SupportedFields f = {
        {"envoy.config.route.v3.Tracing",
         {"client_sampling", "random_sampling", "overall_sampling", "custom_tags"}},
        {"envoy.type.v3.FractionalPercent", {"numerator", "denominator"}},
    };
    return f.merge(customTagFields());
  }();
  return fields;
}

const protobuf::SupportedFields& providerFields() {
  static const protobuf::SupportedFields fields = {
      {"envoy.config.trace.v3.Tracing.Http", {"name", "typed_config"}},
      {"envoy.config.trace.v3.OpenTelemetryConfig",
       {"grpc_service", "http_service", "service_name", "resource_detectors"}},
      {"envoy.config.core.v3.GrpcService", {"envoy_grpc", "timeout", "initial_metadata"}},
      {"envoy.config.core.v3.GrpcService.EnvoyGrpc", {"cluster_name", "authority"}},
      {"envoy.config.core.v3.HeaderValue", {"key", "value"}},
      {"envoy.config.core.v3.HttpService", {"http_uri", "request_headers_to_add"}},
      {"envoy.config.core.v3.HttpUri", {"uri", "cluster", "timeout"}},
      {"envoy.config.core.v3.HeaderValueOption", {"header"}},
      {"envoy.config.core.v3.TypedExtensionConfig", {"name", "typed_config"}},
      {"envoy.config.trace.v3.ZipkinConfig",
       {"collector_cluster", "collector_endpoint", "trace_id_128bit", "shared_span_context",
        "collector_endpoint_version", "collector_hostname"}},
      {"envoy.extensions.tracers.opentelemetry.resource_detectors.v3."
       "EnvironmentResourceDetectorConfig",
       {}},
      {"envoy.extensions.tracers.opentelemetry.resource_detectors.v3."
       "StaticConfigResourceDetectorConfig",
       {"attributes"}},
  };
  return fields;
}

absl::StatusOr<uint64_t> percentOf(double value, uint64_t max, std::string_view field) {
  if (!(value >= 0 && value <= 100)) {
    return absl::InvalidArgumentError(
        absl::StrCat("tracing ", toAbsl(field), ": ", value, " is not a percentage in [0, 100]"));
  }
  return static_cast<uint64_t>(std::round(value / 100.0 * static_cast<double>(max)));
}

SamplingFraction fraction(const FractionalPercent& p) {
  switch (p.denominator()) {
    case FractionalPercent::TEN_THOUSAND:
      return {p.numerator(), 10000};
    case FractionalPercent::MILLION:
      return {p.numerator(), 1000000};
    default:
      return {p.numerator(), 100};
  }
}

std::string percentDecode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && absl::ascii_isxdigit(in[i + 1]) &&
        absl::ascii_isxdigit(in[i + 2])) {
      out.push_back(static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

absl::StatusOr<std::chrono::milliseconds> timeout(const google::protobuf::Duration& d,
                                                  std::string_view field) {
  return protobuf::durationField(d, field);
}

absl::Status translateResourceDetectors(const OpenTelemetryConfig& proto,
                                        OpenTelemetryTracerConfig& out) {
  using envoy::extensions::tracers::opentelemetry::resource_detectors::v3::
      EnvironmentResourceDetectorConfig;
  using envoy::extensions::tracers::opentelemetry::resource_detectors::v3::
      StaticConfigResourceDetectorConfig;
  for (const auto& detector : proto.resource_detectors()) {
    const std::string type = protobuf::extensionTypeUrl(detector.typed_config());
    const std::string where =
        absl::StrCat("opentelemetry resource_detectors '", detector.name(), "'");
    if (type == absl::StrCat(toAbsl(kTypePrefix),
                             EnvironmentResourceDetectorConfig::descriptor()->full_name())) {
      const char* env = std::getenv("OTEL_RESOURCE_ATTRIBUTES");
      auto attributes = parseOtelResourceAttributes(env == nullptr ? "" : env);
      if (!attributes.ok()) return protobuf::withContext(attributes.status(), where);
      out.resource_attributes.insert(out.resource_attributes.end(), attributes->begin(),
                                     attributes->end());
    } else if (type ==
               absl::StrCat(toAbsl(kTypePrefix),
                            StaticConfigResourceDetectorConfig::descriptor()->full_name())) {
      auto config =
          protobuf::unpackAny<StaticConfigResourceDetectorConfig>(detector.typed_config(), where);
      if (!config.ok()) return config.status();
      // A map: sorted by key so the resource is the same on every load.
      std::vector<std::pair<std::string, std::string>> sorted(config->attributes().begin(),
                                                              config->attributes().end());
      std::sort(sorted.begin(), sorted.end());
      out.resource_attributes.insert(out.resource_attributes.end(), sorted.begin(), sorted.end());
    } else {
      return protobuf::unsupportedExtension(detector.name(), detector.typed_config());
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<OpenTelemetryTracerConfig> translateOpenTelemetry(const OpenTelemetryConfig& proto) {
  OpenTelemetryTracerConfig out;
  if (!proto.service_name().empty()) out.service_name = proto.service_name();
  if (proto.has_grpc_service() && proto.has_http_service()) {
    return absl::InvalidArgumentError("opentelemetry: grpc_service and http_service are exclusive");
  }
  if (proto.has_grpc_service()) {
    const auto& g = proto.grpc_service();
    if (!g.has_envoy_grpc()) {
      return absl::InvalidArgumentError("opentelemetry grpc_service: envoy_grpc is required");
    }
    OtlpGrpcExport grpc;
    grpc.cluster_name = g.envoy_grpc().cluster_name();
    if (grpc.cluster_name.empty()) {
      return absl::InvalidArgumentError(
          "opentelemetry grpc_service: envoy_grpc.cluster_name is required");
    }
    grpc.authority = g.envoy_grpc().authority();
    if (g.has_timeout()) {
      auto t = timeout(g.timeout(), "opentelemetry grpc_service.timeout");
      if (!t.ok()) return t.status();
      grpc.timeout = *t;
    }
    for (const auto& h : g.initial_metadata())
      grpc.initial_metadata.emplace_back(h.key(), h.value());
    out.exporter = std::move(grpc);
  } else if (proto.has_http_service()) {
    const auto& h = proto.http_service();
    OtlpHttpExport http;
    http.uri = h.http_uri().uri();
    http.cluster = h.http_uri().cluster();
    if (http.uri.empty() || http.cluster.empty()) {
      return absl::InvalidArgumentError(
          "opentelemetry http_service: http_uri.uri and http_uri.cluster are required");
    }
    if (h.http_uri().has_timeout()) {
      auto t = timeout(h.http_uri().timeout(), "opentelemetry http_service.http_uri.timeout");
      if (!t.ok()) return t.status();
      http.timeout = *t;
    }
    for (const auto& o : h.request_headers_to_add()) {
      http.request_headers.emplace_back(absl::AsciiStrToLower(o.header().key()),
                                        o.header().value());
    }
    out.exporter = std::move(http);
  }
  if (auto s = translateResourceDetectors(proto, out); !s.ok()) return s;
  return out;
}

absl::StatusOr<ZipkinTracerConfig> translateZipkin(const ZipkinConfig& proto) {
  if (proto.collector_cluster().empty() || proto.collector_endpoint().empty()) {
    return absl::InvalidArgumentError(
        "zipkin: collector_cluster and collector_endpoint are required");
  }
  ZipkinTracerConfig out;
  switch (proto.collector_endpoint_version()) {
    case ZipkinConfig::HTTP_JSON:
    case static_cast<ZipkinConfig::CollectorEndpointVersion>(0):  // unset (deprecated name)
      out.encoding = ZipkinEncoding::kJson;
      break;
    case ZipkinConfig::HTTP_PROTO:
      out.encoding = ZipkinEncoding::kProto;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "zipkin: unsupported collector_endpoint_version ",
          ZipkinConfig::CollectorEndpointVersion_Name(proto.collector_endpoint_version()),
          " (HTTP_JSON and HTTP_PROTO only)"));
  }
  out.collector_cluster = proto.collector_cluster();
  out.collector_endpoint = proto.collector_endpoint();
  out.collector_hostname = proto.collector_hostname();
  out.trace_id_128bit = proto.trace_id_128bit();
  out.shared_span_context = !proto.has_shared_span_context() || proto.shared_span_context().value();
  return out;
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> parseOtelResourceAttributes(
    std::string_view value) {
  std::vector<std::pair<std::string, std::string>> out;
  for (absl::string_view member : absl::StrSplit(toAbsl(value), ',', absl::SkipWhitespace())) {
    member = absl::StripAsciiWhitespace(member);
    const size_t eq = member.find('=');
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("OTEL_RESOURCE_ATTRIBUTES: '", member, "' is not key=value"));
    }
    std::string key = percentDecode(toStd(absl::StripAsciiWhitespace(member.substr(0, eq))));
    if (key.empty()) return absl::InvalidArgumentError("OTEL_RESOURCE_ATTRIBUTES: empty key");
    out.emplace_back(std::move(key),
                     percentDecode(toStd(absl::StripAsciiWhitespace(member.substr(eq + 1)))));
  }
  return out;
}

absl::StatusOr<std::vector<CustomTag>> translateCustomTags(
    const google::protobuf::RepeatedPtrField<envoy::type::tracing::v3::CustomTag>& proto) {
  std::vector<CustomTag> out;
  for (int i = 0; i < proto.size(); ++i) {
    const auto& t = proto[i];
    const std::string where = absl::StrCat("custom_tags[", i, "]");
    if (auto s = customTagFields().check(t, where); !s.ok()) return s;
    if (t.tag().empty())
      return absl::InvalidArgumentError(absl::StrCat(where, ": tag is required"));
    CustomTag tag;
    tag.tag = t.tag();
    switch (t.type_case()) {
      case envoy::type::tracing::v3::CustomTag::kLiteral:
        tag.source = CustomTag::Source::kLiteral;
        tag.value = t.literal().value();
        break;
      case envoy::type::tracing::v3::CustomTag::kEnvironment: {
        tag.source = CustomTag::Source::kEnvironment;
        const char* env = std::getenv(t.environment().name().c_str());
        tag.value = env != nullptr ? env : t.environment().default_value();
        break;
      }
      case envoy::type::tracing::v3::CustomTag::kRequestHeader:
        tag.source = CustomTag::Source::kRequestHeader;
        tag.name = absl::AsciiStrToLower(t.request_header().name());
        tag.default_value = t.request_header().default_value();
        if (tag.name.empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": request_header.name is required"));
        }
        break;
      case envoy::type::tracing::v3::CustomTag::kMetadata: {
        tag.source = CustomTag::Source::kMetadata;
        const auto& m = t.metadata();
        switch (m.kind().kind_case()) {
          case envoy::type::metadata::v3::MetadataKind::kRoute:
            tag.metadata_kind = MetadataKind::kRoute;
            break;
          case envoy::type::metadata::v3::MetadataKind::kCluster:
            tag.metadata_kind = MetadataKind::kCluster;
            break;
          case envoy::type::metadata::v3::MetadataKind::kHost:
            tag.metadata_kind = MetadataKind::kHost;
            break;
          default:
            tag.metadata_kind = MetadataKind::kRequest;
        }
        tag.name = m.metadata_key().key();
        for (const auto& segment : m.metadata_key().path()) tag.path.push_back(segment.key());
        if (tag.name.empty() || tag.path.empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": metadata.metadata_key needs a key and a path"));
        }
        tag.default_value = m.default_value();
        break;
      }
      default:
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": one of literal, environment, request_header, metadata is required"));
    }
    out.push_back(std::move(tag));
  }
  return out;
}

absl::StatusOr<HttpTracingConfig> translateHcmTracing(
    const envoy::extensions::filters::network::http_connection_manager::v3::
        HttpConnectionManager_Tracing& proto) {
  if (auto s = hcmTracingFields().check(proto, "tracing"); !s.ok()) return s;
  HttpTracingConfig out;
  if (proto.has_client_sampling()) {
    const double v = proto.client_sampling().value();
    if (!(v >= 0 && v <= 100)) {
      return absl::InvalidArgumentError(
          absl::StrCat("tracing client_sampling: ", v, " is not a percentage in [0, 100]"));
    }
    out.sampling.client = {static_cast<uint64_t>(v), 100};  // Envoy truncates to a whole percent
  }
  if (proto.has_random_sampling()) {
    auto n = percentOf(proto.random_sampling().value(), 10000, "random_sampling");
    if (!n.ok()) return n.status();
    out.sampling.random = {*n, 10000};
  }
  if (proto.has_overall_sampling()) {
    auto n = percentOf(proto.overall_sampling().value(), 10000, "overall_sampling");
    if (!n.ok()) return n.status();
    out.sampling.overall = {*n, 10000};
  }
  out.verbose = proto.verbose();
  if (proto.has_max_path_tag_length())
    out.max_path_tag_length = proto.max_path_tag_length().value();
  auto tags = translateCustomTags(proto.custom_tags());
  if (!tags.ok()) return protobuf::withContext(tags.status(), "tracing");
  out.custom_tags = std::move(*tags);
  out.spawn_upstream_span = proto.has_spawn_upstream_span() && proto.spawn_upstream_span().value();
  if (proto.has_provider()) {
    auto provider = translateTracingProvider(proto.provider());
    if (!provider.ok()) return protobuf::withContext(provider.status(), "tracing provider");
    out.provider = std::move(*provider);
  }
  return out;
}

absl::StatusOr<RouteTracingConfig> translateRouteTracing(
    const envoy::config::route::v3::Tracing& proto) {
  if (auto s = routeTracingFields().check(proto, "tracing"); !s.ok()) return s;
  RouteTracingConfig out;
  if (proto.has_client_sampling()) out.client = fraction(proto.client_sampling());
  if (proto.has_random_sampling()) out.random = fraction(proto.random_sampling());
  if (proto.has_overall_sampling()) out.overall = fraction(proto.overall_sampling());
  auto tags = translateCustomTags(proto.custom_tags());
  if (!tags.ok()) return protobuf::withContext(tags.status(), "tracing");
  out.custom_tags = std::move(*tags);
  return out;
}

absl::StatusOr<TracerProviderConfig> translateTracingProvider(
    const envoy::config::trace::v3::Tracing_Http& proto) {
  if (auto s = providerFields().check(proto); !s.ok()) return s;
  TracerProviderConfig out;
  out.name = proto.name();
  const std::string type = protobuf::extensionTypeUrl(proto.typed_config());
  const std::string where = absl::StrCat("tracer '", proto.name(), "'");
  if (type == absl::StrCat(toAbsl(kTypePrefix), OpenTelemetryConfig::descriptor()->full_name())) {
    auto config = protobuf::unpackAny<OpenTelemetryConfig>(proto.typed_config(), where);
    if (!config.ok()) return config.status();
    if (auto s = providerFields().check(*config, where); !s.ok()) return s;
    auto otel = translateOpenTelemetry(*config);
    if (!otel.ok()) return otel.status();
    out.tracer = std::move(*otel);
    return out;
  }
  if (type == absl::StrCat(toAbsl(kTypePrefix), ZipkinConfig::descriptor()->full_name())) {
    auto config = protobuf::unpackAny<ZipkinConfig>(proto.typed_config(), where);
    if (!config.ok()) return config.status();
    if (auto s = providerFields().check(*config, where); !s.ok()) return s;
    auto zipkin = translateZipkin(*config);
    if (!zipkin.ok()) return zipkin.status();
    out.tracer = std::move(*zipkin);
    return out;
  }
  return protobuf::unsupportedExtension(proto.name(), proto.typed_config());
}

}  // namespace meshproxy::tracing
