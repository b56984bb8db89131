#pragma once

#include "proxy/protobuf/supported_fields.h"

namespace meshproxy::matcher {

// The fields of the envoy.type.matcher and route HeaderMatcher messages that matcher_translator
// and metadata_matcher implement, for the tables of whoever embeds them (RBAC, jwt_authn).
const protobuf::SupportedFields& matcherSupportedFields();

}  // namespace meshproxy::matcher
