#include "proxy/core/bounded_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace meshproxy {
namespace {

absl::Status tooLarge(const char* what, const std::string& path, size_t max_bytes) {
  return absl::FailedPreconditionError(
      absl::StrCat(what, " ", path, " is larger than the ", byteSizeText(max_bytes), " limit"));
}

// Closes the descriptor on every path out of readFileBounded.
struct FdCloser {
  int fd;
  ~FdCloser() { ::close(fd); }
};

}  // namespace

std::string byteSizeText(size_t bytes) {
  if (bytes >= (size_t{1} << 20) && bytes % (size_t{1} << 20) == 0) {
    return absl::StrCat(bytes >> 20, " MiB");
  }
  if (bytes >= 1024 && bytes % 1024 == 0) return absl::StrCat(bytes >> 10, " KiB");
  return absl::StrCat(bytes, " bytes");
}

absl::StatusOr<std::string> readFileBounded(const std::string& path, size_t max_bytes,
                                            const char* what) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", what, " ", path));
  FdCloser closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot read ", what, " ", path));
  }
  std::string content;
  if (S_ISREG(st.st_mode)) {
    // A sparse multi-GiB file is refused without touching its blocks.
    if (static_cast<uint64_t>(st.st_size) > max_bytes) return tooLarge(what, path, max_bytes);
    content.reserve(static_cast<size_t>(st.st_size));
  }
  char chunk[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof(chunk));
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::ErrnoToStatus(errno, absl::StrCat("cannot read ", what, " ", path));
    }
    if (n == 0) break;
    // Devices and pipes have no size: stop at the first byte past the limit.
    if (content.size() + static_cast<size_t>(n) > max_bytes) return tooLarge(what, path, max_bytes);
    content.append(chunk, static_cast<size_t>(n));
  }
  return content;
}

}  // namespace meshproxy
