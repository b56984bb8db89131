#include "proxy/core/bounded_file.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

#include "tests/support/temp_dir.h"

namespace meshproxy {
namespace {

using ::testing::HasSubstr;

TEST(BoundedFileTest, ReadsAWholeFileUpToTheLimit) {
  testing::TempDir dir;
  std::string path = dir.writeFile("a.txt", std::string(1000, 'x'));
  auto content = readFileBounded(path, 1000, "config file");
  ASSERT_TRUE(content.ok()) << content.status();
  EXPECT_EQ(*content, std::string(1000, 'x'));
}

TEST(BoundedFileTest, ARegularFilePastTheLimitIsRefusedByItsSize) {
  testing::TempDir dir;
  std::string path = dir.writeFile("big.yaml", std::string(1001, 'x'));
  auto content = readFileBounded(path, 1000, "config file");
  ASSERT_FALSE(content.ok());
  EXPECT_EQ(content.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(content.status().message()),
              HasSubstr("config file " + path + " is larger than the 1000 bytes limit"));
}

TEST(BoundedFileTest, ASparseFileOfGigabytesIsRefusedWithoutReadingIt) {
  testing::TempDir dir;
  std::string path = dir.filePath("sparse.yaml");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, off_t{3} << 30), 0);  // 3 GiB of holes
  ::close(fd);
  auto start = std::chrono::steady_clock::now();
  auto content = readFileBounded(path);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  ASSERT_FALSE(content.ok());
  EXPECT_THAT(std::string(content.status().message()), HasSubstr("larger than the 64 MiB limit"));
}

TEST(BoundedFileTest, DevZeroStopsAtTheLimit) {
  // A character device has no size: the read itself has to stop.
  auto content = readFileBounded("/dev/zero", 1 << 20, "config file");
  ASSERT_FALSE(content.ok());
  EXPECT_THAT(std::string(content.status().message()),
              HasSubstr("config file /dev/zero is larger than the 1 MiB limit"));
}

TEST(BoundedFileTest, ErrorsNameTheFile) {
  auto missing = readFileBounded("/nonexistent/x.pem", kMaxConfigFileBytes, "data source file");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("cannot open data source file /nonexistent/x.pem"));
  testing::TempDir dir;
  auto directory = readFileBounded(dir.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_THAT(std::string(directory.status().message()), HasSubstr(dir.path()));
}

TEST(BoundedFileTest, SizesAreWrittenAsPeopleWriteThem) {
  EXPECT_EQ(byteSizeText(64u << 20), "64 MiB");
  EXPECT_EQ(byteSizeText(512 * 1024), "512 KiB");
  EXPECT_EQ(byteSizeText(1000), "1000 bytes");
}

}  // namespace
}  // namespace meshproxy
