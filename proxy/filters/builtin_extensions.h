#pragma once

namespace meshproxy::filters {

// Adds every filter meshproxy implements to config::ExtensionRegistry::global(). An explicit
// list rather than self-registering statics: in a static library, a filter whose object file
// nothing references would silently vanish from the registry. Idempotent; call it on the main
// thread before translating any config.
void registerBuiltinExtensions();

}  // namespace meshproxy::filters
