// A main() for the libFuzzer targets that needs no libFuzzer: it runs each file given (or each
// file of each directory given) through LLVMFuzzerTestOneInput, then, for a bounded number of
// deterministic variants of every seed (truncations, single-byte substitutions from a small
// alphabet of JSON/JOSE-significant characters, duplicated spans), so that every compiler
// build exercises the targets' invariants on more than the seeds. Real coverage-guided fuzzing
// is the clang build (-DMESHPROXY_FUZZ=ON); this is its regression check.
//
//   <target>_replay <corpus dir or file>... [--variants=N]   (N per seed, default 2000)

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

// Up to `limit` variants of `seed`, the same on every run.
size_t runVariants(const std::string& seed, size_t limit) {
  static constexpr char kAlphabet[] = {'.', '"', '{', '}', '[', ']', ':',  ',',    '\\',
                                       '0', '9', 'A', '_', '-', '=', '\0', '\xff', ' '};
  size_t count = 0;
  auto emit = [&](const std::string& variant) {
    if (count >= limit) return false;
    run(variant);
    ++count;
    return true;
  };
  // Every prefix.
  for (size_t len = 0; len < seed.size(); ++len) {
    if (!emit(seed.substr(0, len))) return count;
  }
  // Single-byte substitutions, positions spread over the whole seed.
  const size_t step = seed.size() > 200 ? seed.size() / 200 : 1;
  for (size_t pos = 0; pos < seed.size(); pos += step) {
    for (char c : kAlphabet) {
      std::string v = seed;
      v[pos] = c;
      if (!emit(v)) return count;
    }
  }
  // A span repeated (nesting, repeated members).
  for (size_t pos = 0; pos + 8 <= seed.size(); pos += step * 8) {
    std::string v = seed;
    v.insert(pos, seed.substr(pos, 8));
    if (!emit(v)) return count;
  }
  return count;
}

bool readFile(const std::filesystem::path& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  size_t variants = 2000;
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--variants=", 11) == 0) {
      variants = std::strtoul(argv[i] + 11, nullptr, 10);
      continue;
    }
    const std::filesystem::path path(argv[i]);
    if (std::filesystem::is_directory(path)) {
      for (const auto& entry : std::filesystem::directory_iterator(path)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    } else {
      files.push_back(path);
    }
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: %s <corpus dir or file>... [--variants=N]\n", argv[0]);
    return 2;
  }
  size_t runs = 0;
  for (const auto& file : files) {
    std::string seed;
    if (!readFile(file, &seed)) {
      std::fprintf(stderr, "cannot read %s\n", file.c_str());
      return 2;
    }
    run(seed);
    runs += 1 + runVariants(seed, variants);
  }
  std::printf("%zu seeds, %zu inputs, no invariant broken\n", files.size(), runs);
  return 0;
}
