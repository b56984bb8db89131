#include "proxy/http/http1/header_section_scanner.h"

#include <cstring>

namespace meshproxy::http::http1 {

void HeaderSectionScanner::start(Section section, size_t limit) {
  section_ = section;
  limit_ = limit;
  size_ = 0;
  line_length_ = 0;
  request_line_spaces_ = 0;
  active_ = true;
  pending_cr_ = false;
  at_line_start_ = true;
  in_start_line_ = section != Section::kTrailers;
  prev_space_ = false;
}

HeaderSectionScanner::Result HeaderSectionScanner::malformed(const char* reason) {
  active_ = false;
  return {Outcome::kMalformed, 0, reason};
}

bool HeaderSectionScanner::endLine(const char** reason) {
  *reason = nullptr;
  at_line_start_ = true;
  if (line_length_ == 0) {
    // Empty lines before the start line are ignored (RFC 9112 2.2); anywhere else an empty
    // line ends the section.
    if (in_start_line_) return false;
    active_ = false;
    return true;
  }
  if (in_start_line_) {
    if (section_ == Section::kRequestHead && (request_line_spaces_ != 2 || prev_space_)) {
      *reason = "malformed request line";
      return false;
    }
    in_start_line_ = false;
  }
  line_length_ = 0;
  return false;
}

HeaderSectionScanner::Result HeaderSectionScanner::scan(std::string_view data) {
  const char* p = data.data();
  const size_t n = data.size();
  size_t i = 0;
  const char* reason = nullptr;
  while (i < n) {
    if (pending_cr_) {
      if (p[i] != '\n') return malformed("CR not followed by LF");
      pending_cr_ = false;
      ++i;
      ++size_;
      if (endLine(&reason)) return {Outcome::kComplete, i, nullptr};
      if (reason != nullptr) return malformed(reason);
      continue;
    }
    if (at_line_start_) {
      if (p[i] == ' ' || p[i] == '\t') {
        return malformed(in_start_line_ ? "whitespace before the start line"
                                        : "obs-fold (line folding) in header section");
      }
      at_line_start_ = false;
    }
    if (in_start_line_ && section_ == Section::kRequestHead) {
      // The request line is short; check it byte by byte for its spacing.
      for (; i < n; ++i) {
        const char c = p[i];
        if (c == '\r') {
          pending_cr_ = true;
          ++i;
          ++size_;
          break;
        }
        if (c == '\n') return malformed("bare LF line ending");
        if (c == '\t') return malformed("HTAB in request line");
        if (c == ' ') {
          if (prev_space_ || line_length_ == 0 || ++request_line_spaces_ > 2) {
            return malformed("malformed request line");
          }
          prev_space_ = true;
        } else {
          prev_space_ = false;
        }
        ++line_length_;
        ++size_;
      }
    } else {
      // Field lines: find the LF, then check the only CR is the one right before it.
      const char* begin = p + i;
      const char* lf = static_cast<const char*>(std::memchr(begin, '\n', n - i));
      const char* end = lf != nullptr ? lf : p + n;
      const char* cr = static_cast<const char*>(std::memchr(begin, '\r', end - begin));
      if (lf != nullptr) {
        if (cr == nullptr || cr != lf - 1) {
          return malformed(cr == nullptr ? "bare LF line ending" : "CR not followed by LF");
        }
        line_length_ += static_cast<size_t>(cr - begin);
        size_ += static_cast<size_t>(lf + 1 - begin);
        i = static_cast<size_t>(lf + 1 - p);
        if (size_ > limit_) break;
        if (endLine(&reason)) return {Outcome::kComplete, i, nullptr};
        if (reason != nullptr) return malformed(reason);
      } else {
        if (cr != nullptr) {
          if (cr != p + n - 1) return malformed("CR not followed by LF");
          pending_cr_ = true;
        }
        line_length_ += static_cast<size_t>((cr != nullptr ? cr : end) - begin);
        size_ += n - i;
        i = n;
      }
    }
    if (size_ > limit_) break;
  }
  if (size_ > limit_) {
    active_ = false;
    return {Outcome::kTooLarge, 0, "header section too large"};
  }
  return {Outcome::kIncomplete, n, nullptr};
}

}  // namespace meshproxy::http::http1
