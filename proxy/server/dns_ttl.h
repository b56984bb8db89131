#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace meshproxy::server {

// respect_dns_ttl needs the TTL of an answer, which getaddrinfo does not give. These ask the
// system resolver (/etc/resolv.conf, with its search list, as getaddrinfo does) again for the
// address records with res_nsearch and read the TTLs with libresolv's ns_* parser.

// The smallest TTL (seconds) of the A (`want_v4`) and AAAA (`want_v6`) records in the answer
// section of a DNS response; nullopt when the message does not parse or holds no such record.
std::optional<uint32_t> minAddressTtl(const unsigned char* message, size_t length, bool want_v4,
                                      bool want_v6);

// Blocking (run it on the thread pool): queries `name` for A and/or AAAA records and returns
// the smallest TTL of the answers; nullopt when no answer carries one (NXDOMAIN, a name from
// /etc/hosts, an IP literal, no resolver).
std::optional<uint32_t> queryAddressTtl(const std::string& name, bool want_v4, bool want_v6);

// The delay before the next lookup round, as Envoy's DNS clusters choose it: the answer's TTL
// when respect_dns_ttl is set and the TTL is known and not 0, else dns_refresh_rate.
std::chrono::milliseconds nextDnsRefresh(std::chrono::milliseconds dns_refresh_rate,
                                         bool respect_dns_ttl, std::optional<uint32_t> ttl_seconds);

}  // namespace meshproxy::server
