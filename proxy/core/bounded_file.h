// Whole-file reads with a size cap, for everything an operator or a control plane points the
// proxy at (bootstrap, certificates, keys): `-c /dev/zero` or a multi-GiB file must be an
// error, not a read that never ends or a std::bad_alloc.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace meshproxy {

// Config and certificate files above this are refused (Envoy has no such bound; 64 MiB is
// far above any real bootstrap, which is why the cap can be a plain constant).
inline constexpr size_t kMaxConfigFileBytes = size_t{64} << 20;

// Reads all of `path` (a regular file, a device, a pipe). `what` names the file in errors
// ("config file", "certificate file").
// Errors: NotFound / PermissionDenied / ... from open and read, naming the file;
// FailedPrecondition when the content exceeds max_bytes ("config file /dev/zero is larger
// than the 64 MiB limit"). A regular file is checked by its size before anything is read;
// anything else is read up to max_bytes + 1 bytes and no further.
absl::StatusOr<std::string> readFileBounded(const std::string& path,
                                            size_t max_bytes = kMaxConfigFileBytes,
                                            const char* what = "file");

// "64 MiB", "512 KiB", "100 bytes": a limit as people write it.
std::string byteSizeText(size_t bytes);

}  // namespace meshproxy
