#pragma once

// Shared by the config fuzzers (bootstrap_fuzz, xds_resource_fuzz).

#include <google/protobuf/message.h>

namespace meshproxy::fuzz {

// Points every file a config names at /dev/null (FileAccessLog.path, DataSource.filename),
// inside typed_config Anys too. Translating a listener opens its access log files, and a
// mutated path could create files anywhere or name a device; the fuzzers are about the
// translation, not the filesystem.
void neutralizeFiles(google::protobuf::Message& message);

// Registers the built-in filters and silences logging (once per process).
void initConfigFuzzing();

}  // namespace meshproxy::fuzz
