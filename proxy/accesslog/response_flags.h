#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace meshproxy::accesslog {

// Why a request or connection ended the way it did, as Envoy's %RESPONSE_FLAGS% reports it.
// The bit order is Envoy's, so flags print in the same order Envoy prints them and dashboards
// built for Envoy logs keep working.
enum class ResponseFlag : uint32_t {
  kFailedLocalHealthCheck = 1u << 0,             // LH
  kNoHealthyUpstream = 1u << 1,                  // UH
  kUpstreamRequestTimeout = 1u << 2,             // UT
  kLocalReset = 1u << 3,                         // LR
  kUpstreamRemoteReset = 1u << 4,                // UR
  kUpstreamConnectionFailure = 1u << 5,          // UF
  kUpstreamConnectionTermination = 1u << 6,      // UC
  kUpstreamOverflow = 1u << 7,                   // UO
  kNoRouteFound = 1u << 8,                       // NR
  kDelayInjected = 1u << 9,                      // DI
  kFaultInjected = 1u << 10,                     // FI
  kRateLimited = 1u << 11,                       // RL
  kUnauthorizedExternalService = 1u << 12,       // UAEX
  kRateLimitServiceError = 1u << 13,             // RLSE
  kDownstreamConnectionTermination = 1u << 14,   // DC
  kUpstreamRetryLimitExceeded = 1u << 15,        // URX
  kStreamIdleTimeout = 1u << 16,                 // SI
  kInvalidRequestHeaders = 1u << 17,             // IH
  kDownstreamProtocolError = 1u << 18,           // DPE
  kUpstreamMaxStreamDurationReached = 1u << 19,  // UMSDR
  kResponseFromCacheFilter = 1u << 20,           // RFCF
  kNoFilterConfigFound = 1u << 21,               // NFCF
  kDurationTimeout = 1u << 22,                   // DT
  kUpstreamProtocolError = 1u << 23,             // UPE
  kNoClusterFound = 1u << 24,                    // NC
  kOverloadManager = 1u << 25,                   // OM
  kDnsResolutionFailed = 1u << 26,               // DF
  kDropOverload = 1u << 27,                      // DO
};

inline constexpr int kResponseFlagCount = 28;

// Envoy's short code for one flag ("UH"), or "" for a value that is not a single known flag.
std::string_view responseFlagShortCode(ResponseFlag flag);

// The flag for a short code, for config that names flags (e.g. a response-flag filter).
std::optional<ResponseFlag> responseFlagFromShortCode(std::string_view code);

// Appends the set flags as Envoy prints them: short codes joined by ',' in bit order, or "-"
// when none is set.
void appendResponseFlags(uint32_t flags, std::string& out);

}  // namespace meshproxy::accesslog
