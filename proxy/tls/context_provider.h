#pragma once

#include <sys/types.h>

#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "proxy/tls/ssl_context.h"
#include "proxy/tls/ssl_stats.h"
#include "proxy/tls/tls_context_config.h"

namespace meshproxy::tls {

class SecretManager;

// The current SslContext of one TLS context config (a filter chain's or a cluster's). The
// config is immutable; its certificates are not: when an SDS secret it names changes or
// one of its files is rewritten, the main thread builds a new SslContext and swaps it in.
// New handshakes take the new one, connections already open keep theirs.
class TlsContextProvider {
 public:
  TlsContextProvider(std::shared_ptr<const TlsContextConfig> config,
                     std::shared_ptr<const SslStats> stats);

  // Any thread (once per handshake). Null until every secret the config names has arrived.
  std::shared_ptr<const SslContext> current() const;

  // Main thread: loads the files and looks up the secrets, builds, swaps. On error the
  // previous context stays. A secret that has not arrived is not an error: the provider
  // just stays without a context (`secrets` may be null when the config names none).
  absl::Status rebuild(const SecretManager* secrets);

  const TlsContextConfig& config() const { return *config_; }
  const SslStats& stats() const { return *stats_; }
  bool usesSecret(std::string_view name) const;
  // Main thread: whether a file this context was built from changed since (mtime, size,
  // inode: an atomic rename or a Kubernetes symlink swap count).
  bool filesChanged() const;
  // The SDS secrets still missing ("" when none).
  std::string missingSecrets(const SecretManager* secrets) const;

 private:
  struct FileStamp {
    std::string path;
    timespec mtime{};
    off_t size = 0;
    ino_t inode = 0;
    bool operator==(const FileStamp& o) const;
  };
  static FileStamp stamp(const std::string& path);

  std::shared_ptr<const TlsContextConfig> config_;
  std::shared_ptr<const SslStats> stats_;
  std::vector<FileStamp> stamps_;  // main thread only
  mutable std::mutex mu_;
  std::shared_ptr<const SslContext> current_;  // guarded by mu_
};

}  // namespace meshproxy::tls
