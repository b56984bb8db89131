#include "proxy/server/dns_ttl.h"

#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>

#include <algorithm>
#include <vector>

namespace meshproxy::server {

std::optional<uint32_t> minAddressTtl(const unsigned char* message, size_t length, bool want_v4,
                                      bool want_v6) {
  ns_msg msg;
  if (ns_initparse(message, static_cast<int>(length), &msg) != 0) return std::nullopt;
  std::optional<uint32_t> ttl;
  const int answers = ns_msg_count(msg, ns_s_an);
  for (int i = 0; i < answers; ++i) {
    ns_rr rr;
    if (ns_parserr(&msg, ns_s_an, i, &rr) != 0) return ttl;
    const int type = ns_rr_type(rr);
    if ((type == ns_t_a && want_v4) || (type == ns_t_aaaa && want_v6)) {
      uint32_t record_ttl = ns_rr_ttl(rr);
      ttl = ttl ? std::min(*ttl, record_ttl) : record_ttl;
    }
  }
  return ttl;
}

namespace {

std::optional<uint32_t> queryOne(res_state state, const std::string& name, int type, bool want_v4,
                                 bool want_v6) {
  std::vector<unsigned char> answer(NS_PACKETSZ * 4);
  int length = res_nsearch(state, name.c_str(), ns_c_in, type, answer.data(),
                           static_cast<int>(answer.size()));
  if (length <= 0) return std::nullopt;
  // A truncated answer longer than the buffer is still parsed up to the buffer's end.
  length = std::min(length, static_cast<int>(answer.size()));
  return minAddressTtl(answer.data(), static_cast<size_t>(length), want_v4, want_v6);
}

}  // namespace

std::optional<uint32_t> queryAddressTtl(const std::string& name, bool want_v4, bool want_v6) {
  struct __res_state state {};
  if (res_ninit(&state) != 0) return std::nullopt;
  std::optional<uint32_t> ttl;
  auto merge = [&ttl](std::optional<uint32_t> one) {
    if (one) ttl = ttl ? std::min(*ttl, *one) : *one;
  };
  if (want_v4) merge(queryOne(&state, name, ns_t_a, true, false));
  if (want_v6) merge(queryOne(&state, name, ns_t_aaaa, false, true));
  res_nclose(&state);
  return ttl;
}

std::chrono::milliseconds nextDnsRefresh(std::chrono::milliseconds dns_refresh_rate,
                                         bool respect_dns_ttl,
                                         std::optional<uint32_t> ttl_seconds) {
  if (!respect_dns_ttl || !ttl_seconds || *ttl_seconds == 0) return dns_refresh_rate;
  return std::chrono::seconds(*ttl_seconds);
}

}  // namespace meshproxy::server
