#include <gtest/gtest.h>

#include <string>

#include "proxy/http/http1/header_section_scanner.h"

namespace meshproxy::http::http1 {
namespace {

using Outcome = HeaderSectionScanner::Outcome;
using Section = HeaderSectionScanner::Section;

HeaderSectionScanner::Result scanAll(Section section, std::string_view data, size_t limit = 1024) {
  HeaderSectionScanner scanner;
  scanner.start(section, limit);
  return scanner.scan(data);
}

TEST(HeaderSectionScannerTest, FindsTheEndOfTheHead) {
  const std::string head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  auto r = scanAll(Section::kRequestHead, head + "body bytes\n\r");
  EXPECT_EQ(r.outcome, Outcome::kComplete);
  EXPECT_EQ(r.consumed, head.size());
}

TEST(HeaderSectionScannerTest, SameAnswerWhateverTheSplit) {
  const std::string head = "\r\nGET /x HTTP/1.1\r\nHost: a\r\nX: y z\r\n\r\n";
  for (size_t cut = 0; cut <= head.size(); ++cut) {
    HeaderSectionScanner scanner;
    scanner.start(Section::kRequestHead, 1024);
    auto first = scanner.scan(std::string_view(head).substr(0, cut));
    if (cut == head.size()) {
      EXPECT_EQ(first.outcome, Outcome::kComplete);
      continue;
    }
    ASSERT_EQ(first.outcome, Outcome::kIncomplete) << cut;
    auto second = scanner.scan(std::string_view(head).substr(cut));
    EXPECT_EQ(second.outcome, Outcome::kComplete) << cut;
    EXPECT_EQ(second.consumed, head.size() - cut);
  }
}

TEST(HeaderSectionScannerTest, RejectsLineDisciplineViolations) {
  for (const char* bad :
       {"GET / HTTP/1.1\nHost: a\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\n\r\n",
        "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1 \r\n\r\n", "GET /\r\n\r\n",
        "GET\t/ HTTP/1.1\r\n\r\n", " GET / HTTP/1.1\r\n\r\n", "\nGET / HTTP/1.1\r\n\r\n"}) {
    EXPECT_EQ(scanAll(Section::kRequestHead, bad).outcome, Outcome::kMalformed) << bad;
  }
}

TEST(HeaderSectionScannerTest, ResponseStatusLineMayHoldSpaces) {
  EXPECT_EQ(scanAll(Section::kResponseHead, "HTTP/1.1 404 Not  Found \r\n\r\n").outcome,
            Outcome::kComplete);
}

TEST(HeaderSectionScannerTest, TrailersEndAtTheFirstEmptyLine) {
  EXPECT_EQ(scanAll(Section::kTrailers, "\r\n").outcome, Outcome::kComplete);
  auto r = scanAll(Section::kTrailers, "X-T: 1\r\n\r\nnext");
  EXPECT_EQ(r.outcome, Outcome::kComplete);
  EXPECT_EQ(r.consumed, 10u);
  EXPECT_EQ(scanAll(Section::kTrailers, " X: 1\r\n\r\n").outcome, Outcome::kMalformed);
}

TEST(HeaderSectionScannerTest, EnforcesTheLimit) {
  const std::string head = "GET / HTTP/1.1\r\nX: " + std::string(100, 'v') + "\r\n\r\n";
  EXPECT_EQ(scanAll(Section::kRequestHead, head, head.size()).outcome, Outcome::kComplete);
  EXPECT_EQ(scanAll(Section::kRequestHead, head, head.size() - 1).outcome, Outcome::kTooLarge);
}

}  // namespace
}  // namespace meshproxy::http::http1
