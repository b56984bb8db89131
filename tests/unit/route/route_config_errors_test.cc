// Configurations that must be rejected, with a message that says why and where.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/route/route_table_test_util.h"

namespace meshproxy::route {
namespace {

using testing::createError;
using ::testing::HasSubstr;

struct ErrorCase {
  std::string_view description;
  std::string_view yaml;
  std::vector<std::string_view> want;  // substrings of the message
};

class RouteConfigErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(RouteConfigErrorTest, Rejects) {
  std::string error = createError(GetParam().yaml);
  ASSERT_FALSE(error.empty()) << GetParam().description << ": accepted";
  for (std::string_view want : GetParam().want) {
    EXPECT_THAT(error, HasSubstr(std::string(want))) << GetParam().description;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Envoy, RouteConfigErrorTest,
    ::testing::Values(
        ErrorCase{"bad regex",
                  R"(
name: rc
virtual_hosts:
- name: vh
  domains: ["*"]
  routes: [{name: broken, match: {safe_regex: {regex: "/a(b"}}, route: {cluster: c}}]
)",
                  {"route configuration 'rc'", "virtual host 'vh'", "route 'broken'",
                   "match.safe_regex", "invalid regex '/a(b'", "missing )"}},
        ErrorCase{"regex program too big",
                  R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - match: {safe_regex: {regex: "/asdf/.*/asdf/.*/asdf/.*/asdf/.*/asdf/.*/asdf/.*/asdf/.*/asdf/.*/asdf/.*"}}
    route: {cluster: c}
)",
                  {"RE2 program size", "> max program size of 100"}},
        ErrorCase{"bad header regex",
                  R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - {match: {prefix: "/", headers: [{name: x, string_match: {safe_regex: {regex: "["}}}]},
     route: {cluster: c}}
)",
                  {"match.headers[0]", "string_match", "invalid regex"}},
        ErrorCase{"ignore_case on a regex",
                  R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - {match: {prefix: "/", headers: [{name: x, string_match: {safe_regex: {regex: "a"}, ignore_case: true}}]},
     route: {cluster: c}}
)",
                  {"ignore_case has no effect for safe_regex"}},
        // retry_policy is implemented (retry_policy_test.cc); retry_priority is not.
        ErrorCase{
            "retry_priority",
            R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes: [{match: {prefix: "/"}, route: {cluster: c, retry_policy: {retry_on: 5xx,
            retry_priority: {name: envoy.retry_priorities.previous_priorities}}}}]
)",
            {"unsupported field", "virtual_hosts[0].routes[0].route.retry_policy.retry_priority"}},
        ErrorCase{"hash_policy",
                  R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes: [{match: {prefix: "/"}, route: {cluster: c, hash_policy: [{cookie: {name: c, attributes: [{name: n}]}}]}}]
)",
                  {"unsupported field", "hash_policy[0].cookie.attributes"}},
        ErrorCase{"vhds",
                  R"(
vhds: {config_source: {ads: {}}}
)",
                  {"unsupported field", "vhds"}},
        // runtime_fraction is implemented (route_runtime_fraction_test.cc); grpc is not.
        ErrorCase{"grpc match",
                  R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes: [{match: {prefix: "/", grpc: {}}, route: {cluster: c}}]
)",
                  {"unsupported field", "grpc"}},
        ErrorCase{"body from a file",
                  R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes: [{match: {prefix: "/"}, direct_response: {status: 200, body: {filename: /etc/passwd}}}]
)",
                  {"unsupported field", "body.filename"}},
        ErrorCase{"removing :path",
                  R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes: [{match: {prefix: "/"}, route: {cluster: c}, request_headers_to_remove: [":path"]}]
)",
                  {"':path'", "may not be removed"}},
        ErrorCase{"removing host",
                  R"(
request_headers_to_remove: [Host]
)",
                  {"may not be removed"}},
        ErrorCase{"adding :authority",
                  R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  request_headers_to_add: [{header: {key: ":authority", value: x}}]
)",
                  {"virtual host 'vh'", "may not be modified"}},
        ErrorCase{"append and append_action",
                  R"(
response_headers_to_add: [{header: {key: x, value: y}, append: true, append_action: ADD_IF_ABSENT}]
)",
                  {"both append and append_action"}},
        ErrorCase{"unknown format operator",
                  R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - match: {prefix: "/"}
    route: {cluster: c}
    request_headers_to_add: [{header: {key: x, value: "%NO_SUCH_THING%"}}]
)",
                  {"header 'x'", "NO_SUCH_THING"}},
        ErrorCase{"duplicate domain",
                  R"(
name: rc
virtual_hosts:
- {name: a, domains: ["a.com", "*.b.com"]}
- {name: b, domains: ["*.B.com"]}
)",
                  {"virtual host 'b'", "duplicate entry of domain *.b.com in route rc"}},
        ErrorCase{"duplicate exact domain",
                  R"(
virtual_hosts:
- {name: a, domains: ["A.com"]}
- {name: b, domains: ["a.com"]}
)",
                  {"duplicate entry of domain a.com"}},
        ErrorCase{"two wildcards",
                  R"(
virtual_hosts:
- {name: a, domains: ["*"]}
- {name: b, domains: ["*"]}
)",
                  {"only a single wildcard domain"}},
        ErrorCase{"no domains",
                  R"(
virtual_hosts: [{name: a}]
)",
                  {"domains must not be empty"}},
        ErrorCase{"require_tls",
                  R"(
virtual_hosts: [{name: a, domains: ["*"], require_tls: ALL}]
)",
                  {"unsupported: require_tls ALL"}},
        ErrorCase{"no path specifier",
                  R"(
virtual_hosts: [{name: a, domains: ["*"], routes: [{match: {}, route: {cluster: c}}]}]
)",
                  {"match needs one of prefix, path, safe_regex or path_separated_prefix"}},
        ErrorCase{"no action",
                  R"(
virtual_hosts: [{name: a, domains: ["*"], routes: [{match: {prefix: "/"}}]}]
)",
                  {"needs one of route, redirect or direct_response"}},
        ErrorCase{"bad path_separated_prefix",
                  R"(
virtual_hosts: [{name: a, domains: ["*"], routes: [{match: {path_separated_prefix: "/api/"}, route: {cluster: c}}]}]
)",
                  {"path_separated_prefix '/api/'"}},
        ErrorCase{"zero total weight",
                  R"(
virtual_hosts:
- name: a
  domains: ["*"]
  routes: [{match: {prefix: "/"}, route: {weighted_clusters: {clusters: [{name: x, weight: 0}]}}}]
)",
                  {"sum of weights in the weighted_cluster must be greater than 0"}},
        ErrorCase{"weight sum overflows uint32",
                  R"(
virtual_hosts:
- name: a
  domains: ["*"]
  routes:
  - match: {prefix: "/"}
    route: {weighted_clusters: {clusters: [{name: x, weight: 4294967295}, {name: y, weight: 1}]}}
)",
                  {"exceeds 4294967295"}},
        ErrorCase{"prefix and regex rewrite",
                  R"(
virtual_hosts:
- name: a
  domains: ["*"]
  routes:
  - match: {prefix: "/"}
    route: {cluster: c, prefix_rewrite: "/x", regex_rewrite: {pattern: {regex: "a"}, substitution: b}}
)",
                  {"only one of prefix_rewrite or regex_rewrite"}},
        ErrorCase{"substitution names a missing group",
                  R"yaml(
virtual_hosts:
- name: a
  domains: ["*"]
  routes:
  - match: {prefix: "/"}
    route: {cluster: c, regex_rewrite: {pattern: {regex: "/(a)"}, substitution: "\\2"}}
)yaml",
                  {"regex_rewrite.substitution"}},
        ErrorCase{"negative timeout",
                  R"(
virtual_hosts:
- {name: a, domains: ["*"], routes: [{match: {prefix: "/"}, route: {cluster: c, timeout: -1s}}]}
)",
                  {"timeout must not be negative"}},
        ErrorCase{"direct response status",
                  R"(
virtual_hosts:
- {name: a, domains: ["*"], routes: [{match: {prefix: "/"}, direct_response: {status: 600}}]}
)",
                  {"direct_response.status 600"}},
        ErrorCase{"direct response body too big",
                  R"(
max_direct_response_body_size_bytes: 4
virtual_hosts:
- name: a
  domains: ["*"]
  routes: [{match: {prefix: "/"}, direct_response: {status: 200, body: {inline_string: "12345"}}}]
)",
                  {"5 bytes", "maximum is 4"}},
        ErrorCase{"empty cluster name",
                  R"(
virtual_hosts:
- {name: a, domains: ["*"], routes: [{match: {prefix: "/"}, route: {cluster: ""}}]}
)",
                  {"route: cluster must not be empty"}}));

TEST(RouteConfigErrorTest, RegexProgramSizeLimitIsAnOption) {
  constexpr std::string_view kBig = R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - match: {safe_regex: {regex: "/asdf/.*/asdf/.*/asdf/.*/asdf/.*/asdf/.*/asdf/.*/asdf/.*/asdf/.*/asdf/.*"}}
    route: {cluster: c}
)";
  EXPECT_EQ(createError(kBig, RouteTableOptions{.max_regex_program_size = 32768}), "");
}

}  // namespace
}  // namespace meshproxy::route
