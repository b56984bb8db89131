// libFuzzer target: a bootstrap file's way in, as `meshproxy -c` takes it: YAML (or JSON) ->
// JSON text (yaml_to_json) -> Bootstrap proto with its field checks (bootstrap_loader) -> the
// cluster and listener translators (and through them HCM, route tables, TLS contexts, access
// logs). Run with bootstrap.dict: YAML tokens, Envoy field names and type URLs.
//
// Every input must end in a translated config or an error with a message; never a crash, a
// hang or a leak.

#include <cstdint>
#include <string_view>

#include "proxy/config/bootstrap_loader.h"
#include "proxy/config/cluster_translator.h"
#include "proxy/config/listener_translator.h"
#include "proxy/stats/store.h"
#include "tests/fuzz/config_fuzz_util.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace meshproxy;
  fuzz::initConfigFuzzing();
  if (size > 64 * 1024) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto bootstrap = config::parseBootstrap(text);
  if (!bootstrap.ok()) {
    FUZZ_CHECK(!bootstrap.status().message().empty());
    return 0;
  }
  fuzz::neutralizeFiles(bootstrap->proto);
  stats::Store store;
  config::TranslationContext context{store, 2};
  for (const auto& cluster : bootstrap->proto.static_resources().clusters()) {
    auto translated = config::translateCluster(cluster, context);
    if (!translated.ok()) FUZZ_CHECK(!translated.status().message().empty());
  }
  for (const auto& listener : bootstrap->proto.static_resources().listeners()) {
    auto translated = config::translateListener(listener, context);
    if (!translated.ok()) FUZZ_CHECK(!translated.status().message().empty());
  }
  return 0;
}
