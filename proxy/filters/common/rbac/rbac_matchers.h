#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "proxy/filters/common/rbac/request_view.h"
#include "proxy/matcher/header_matcher.h"
#include "proxy/matcher/metadata_matcher.h"
#include "proxy/matcher/string_matcher.h"
#include "proxy/network/cidr_range.h"

// The nodes an RBAC policy compiles into (Envoy's Permission and Principal kinds). Built once
// at config time; matches() reads the request view and allocates nothing (one exception, from
// matcher::HeaderMatcher: a header sent several times is matched as its joined values).
namespace meshproxy::filters::rbac {

class Matcher {
 public:
  virtual ~Matcher() = default;
  virtual bool matches(const RequestView& request) const = 0;
};
using MatcherPtr = std::unique_ptr<const Matcher>;

// any: true
class AlwaysMatcher : public Matcher {
 public:
  bool matches(const RequestView&) const override { return true; }
};

// and_rules / and_ids: every child; or_rules / or_ids: one child.
class AndMatcher : public Matcher {
 public:
  explicit AndMatcher(std::vector<MatcherPtr> children) : children_(std::move(children)) {}
  bool matches(const RequestView& request) const override;

 private:
  std::vector<MatcherPtr> children_;
};

class OrMatcher : public Matcher {
 public:
  explicit OrMatcher(std::vector<MatcherPtr> children) : children_(std::move(children)) {}
  bool matches(const RequestView& request) const override;

 private:
  std::vector<MatcherPtr> children_;
};

// not_rule / not_id
class NotMatcher : public Matcher {
 public:
  explicit NotMatcher(MatcherPtr child) : child_(std::move(child)) {}
  bool matches(const RequestView& request) const override { return !child_->matches(request); }

 private:
  MatcherPtr child_;
};

// header: the request's headers (none on TCP).
class HeaderRule : public Matcher {
 public:
  explicit HeaderRule(matcher::HeaderMatcher header) : header_(std::move(header)) {}
  bool matches(const RequestView& request) const override;

 private:
  matcher::HeaderMatcher header_;
};

// url_path: ":path" without query and fragment; never matches without a path (TCP).
class UrlPathRule : public Matcher {
 public:
  explicit UrlPathRule(matcher::StringMatcher path) : path_(std::move(path)) {}
  bool matches(const RequestView& request) const override;

 private:
  matcher::StringMatcher path_;
};

// destination_ip, direct_remote_ip, source_ip, remote_ip.
class IpRule : public Matcher {
 public:
  enum class Which : uint8_t { kDestination, kDirectRemote, kSource, kRemote };
  IpRule(Which which, network::CidrRange range) : which_(which), range_(range) {}
  bool matches(const RequestView& request) const override;

 private:
  Which which_;
  network::CidrRange range_;
};

// destination_port (end = port + 1) and destination_port_range [start, end).
class PortRule : public Matcher {
 public:
  PortRule(uint32_t start, uint32_t end) : start_(start), end_(end) {}
  bool matches(const RequestView& request) const override;

 private:
  uint32_t start_;
  uint32_t end_;
};

// requested_server_name: the SNI ("" when none).
class ServerNameRule : public Matcher {
 public:
  explicit ServerNameRule(matcher::StringMatcher name) : name_(std::move(name)) {}
  bool matches(const RequestView& request) const override {
    return name_.match(request.requested_server_name);
  }

 private:
  matcher::StringMatcher name_;
};

// authenticated: a TLS peer that presented a certificate; with principal_name, one of its URI
// SANs (the SPIFFE ID), else one of its DNS SANs, else its subject must match (Envoy's order).
class AuthenticatedRule : public Matcher {
 public:
  explicit AuthenticatedRule(std::optional<matcher::StringMatcher> principal)
      : principal_(std::move(principal)) {}
  bool matches(const RequestView& request) const override;

 private:
  std::optional<matcher::StringMatcher> principal_;
};

// metadata: dynamic metadata.
class MetadataRule : public Matcher {
 public:
  explicit MetadataRule(matcher::MetadataMatcher metadata) : metadata_(std::move(metadata)) {}
  bool matches(const RequestView& request) const override;

 private:
  matcher::MetadataMatcher metadata_;
};

}  // namespace meshproxy::filters::rbac
