#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace meshproxy::http::http1 {

// Enforces the line discipline of a header section that llhttp lets through. The Debian
// llhttp is compiled in its loose mode, which accepts a bare LF as a line ending, obs-fold
// continuation lines and extra spaces in the request line; each of these is a request
// smuggling vector when a proxy and its upstream disagree. The scanner sees exactly the bytes
// llhttp is about to see, and rejects:
//   - a LF not preceded by CR, and a CR not followed by LF;
//   - a line that starts with SP or HTAB (obs-fold, RFC 9112 5.2);
//   - a request line that is not `method SP target SP version` with single spaces;
//   - a section (start line, fields and line endings) larger than its limit.
// It also tells where the section ends, so the codec can feed llhttp the head separately from
// the body and never scan body bytes.
class HeaderSectionScanner {
 public:
  enum class Section { kRequestHead, kResponseHead, kTrailers };
  enum class Outcome { kIncomplete, kComplete, kMalformed, kTooLarge };
  struct Result {
    Outcome outcome;
    // Bytes of `data` that belong to the section: all of them unless it ended inside.
    size_t consumed;
    // Why, for kMalformed.
    const char* reason;
  };

  void start(Section section, size_t limit);
  bool active() const { return active_; }
  // Scans the next bytes of the section. After kComplete the scanner is inactive.
  Result scan(std::string_view data);

 private:
  Result malformed(const char* reason);
  // A line ended at `end` (just after its LF); returns true when the section ended.
  bool endLine(const char** reason);

  Section section_ = Section::kRequestHead;
  size_t limit_ = 0;
  size_t size_ = 0;
  // Bytes of the current line, CR excluded.
  size_t line_length_ = 0;
  uint32_t request_line_spaces_ = 0;
  bool active_ = false;
  bool pending_cr_ = false;
  bool at_line_start_ = true;
  bool in_start_line_ = false;
  bool prev_space_ = false;
};

}  // namespace meshproxy::http::http1
