// Unit tests translate listeners and HTTP connection managers as the server does, so the
// built-in filters are registered before any test runs (the server does it in initialize()).
#include "proxy/filters/builtin_extensions.h"

namespace {
const bool kRegistered = (meshproxy::filters::registerBuiltinExtensions(), true);
}  // namespace
