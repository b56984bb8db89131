// The real-config corpus: public Envoy configs written by others (Envoy's examples, Istio's
// sidecar bootstraps and config dumps, Envoy Gateway's bootstraps and xDS), kept outside the
// repository in shared/conformance/real-configs with their sources in its MANIFEST.tsv. Each
// source is loaded by the real binary in --mode validate (config dumps and xDS lists first
// become static bootstraps through the corpus's to-bootstrap.py) and the outcome is compared
// with tests/data/real_configs_expected.tsv: "loads", or the first thing meshproxy does not
// implement. A change that makes a file load, or fail differently, updates that table and the
// README's compatibility matrix with it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "tests/support/binaries.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certs.h"

#ifndef MESHPROXY_REAL_CONFIGS_DIR
#define MESHPROXY_REAL_CONFIGS_DIR ""
#endif

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kExpectedTable[] = "tests/data/real_configs_expected.tsv";

struct Case {
  std::string source;    // path in the corpus (an xDS set: its common prefix)
  std::string kind;      // bootstrap | xds
  std::string expected;  // "loads", or a fragment of the validate error
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.source << " (" << c.kind << ")"; }

std::vector<Case> loadCases() {
  std::vector<Case> cases;
  std::ifstream in(sourcePath(kExpectedTable));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    if (f.size() != 3) {
      ADD_FAILURE() << kExpectedTable << ": expected 3 tab-separated fields: " << line;
      continue;
    }
    cases.push_back({f[0], f[1], f[2]});
  }
  return cases;
}

std::string corpusDir() { return MESHPROXY_REAL_CONFIGS_DIR; }

// The certificate files a config names by a relative path (the examples ship theirs beside the
// config, not in the corpus): a test leaf and its key, so loading gets past reading them.
void provideRelativeCertFiles(const std::string& config_text, const TempDir& cwd) {
  static const std::regex kFilename(R"re("?filename"?\s*:\s*"?([^"\s,}]+))re");
  TestCa ca;
  CertAndKey leaf = ca.issue({.common_name = "real-configs", .dns_sans = {"localhost"}});
  for (std::sregex_iterator it(config_text.begin(), config_text.end(), kFilename), end; it != end;
       ++it) {
    std::string name = (*it)[1];
    if (name.empty() || name[0] == '/') continue;
    bool is_key = name.find("key") != std::string::npos;
    cwd.writeFile(name, is_key ? leaf.key_pem : leaf.cert_pem + ca.certPem());
  }
}

class RealConfigTest : public ::testing::TestWithParam<Case> {};

TEST_P(RealConfigTest, ValidatesAsExpected) {
  const Case& c = GetParam();
  if (corpusDir().empty()) {
    GTEST_SKIP() << "real-configs corpus not found (shared/conformance/real-configs beside the "
                    "repository; set -DMESHPROXY_REAL_CONFIGS_DIR=...)";
  }
  TempDir cwd;
  std::string config;
  if (c.kind == "bootstrap") {
    config = corpusDir() + "/" + c.source;
  } else {
    auto conv =
        runCommand({"python3", corpusDir() + "/to-bootstrap.py", "-o", cwd.path(), c.source},
                   absl::Seconds(60));
    ASSERT_EQ(conv.exit_code, 0) << conv.stderr_text << conv.stdout_text;
    // to-bootstrap.py names its output after the source, '/' -> "__".
    config = cwd.filePath(absl::StrReplaceAll(c.source, {{"/", "__"}}) + ".bootstrap.json");
  }
  std::string text = readFileText(config);
  ASSERT_FALSE(text.empty()) << config;
  provideRelativeCertFiles(text, cwd);
  auto r = runCommand({binPath("meshproxy"), "--mode", "validate", "-c", config}, absl::Seconds(30),
                      "", {.working_dir = cwd.path()});
  ASSERT_FALSE(r.timed_out);
  if (c.expected == "loads") {
    EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
  } else {
    EXPECT_EQ(r.exit_code, 1) << r.stdout_text;
    EXPECT_THAT(r.stderr_text, HasSubstr(c.expected));
  }
}

// Every file of the corpus's MANIFEST.tsv is covered by a row of the table (an xDS set's row
// covers its files), so a file added to the corpus is not silently left out.
TEST(RealConfigTableTest, CoversTheWholeManifest) {
  if (corpusDir().empty()) GTEST_SKIP() << "real-configs corpus not found";
  std::vector<Case> cases = loadCases();
  std::ifstream in(corpusDir() + "/MANIFEST.tsv");
  std::string line;
  int files = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    if (f.size() < 4 || f[0] == "file") continue;
    ++files;
    bool covered = false;
    for (const auto& c : cases) covered |= f[0].rfind(c.source, 0) == 0;
    EXPECT_TRUE(covered) << f[0] << " (" << f[3] << ") has no row in " << kExpectedTable;
  }
  EXPECT_GT(files, 0);
}

std::string caseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.source;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Corpus, RealConfigTest, ::testing::ValuesIn(loadCases()), caseName);

}  // namespace
}  // namespace meshproxy::testing
