#include "proxy/network/tls_client_hello.h"

#include <cstdint>

#include "absl/strings/ascii.h"

namespace meshproxy::network {
namespace {

using State = ClientHelloInfo::State;

constexpr uint8_t kHandshakeRecord = 22;
constexpr uint8_t kClientHello = 1;
constexpr uint16_t kServerNameExtension = 0;
constexpr uint16_t kAlpnExtension = 16;
constexpr size_t kRecordHeader = 5;
constexpr size_t kMaxRecordPayload = 16384 + 2048;  // TLSCiphertext limit

// A cursor over a byte range that never reads past its end.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool u8(uint8_t* v) {
    if (data_.size() < 1) return false;
    *v = static_cast<uint8_t>(data_[0]);
    data_.remove_prefix(1);
    return true;
  }
  bool u16(uint16_t* v) {
    if (data_.size() < 2) return false;
    *v = static_cast<uint16_t>((static_cast<uint8_t>(data_[0]) << 8) |
                               static_cast<uint8_t>(data_[1]));
    data_.remove_prefix(2);
    return true;
  }
  bool bytes(size_t n, std::string_view* out) {
    if (data_.size() < n) return false;
    *out = data_.substr(0, n);
    data_.remove_prefix(n);
    return true;
  }
  bool skip(size_t n) { return bytes(n, &scratch_); }
  // A vector with a 1- or 2-byte length prefix.
  bool vec8(std::string_view* out) {
    uint8_t n = 0;
    return u8(&n) && bytes(n, out);
  }
  bool vec16(std::string_view* out) {
    uint16_t n = 0;
    return u16(&n) && bytes(n, out);
  }
  bool empty() const { return data_.empty(); }

 private:
  std::string_view data_;
  std::string_view scratch_;
};

bool parseServerName(std::string_view ext, ClientHelloInfo& info) {
  Reader r(ext);
  std::string_view list;
  if (!r.vec16(&list)) return false;
  Reader names(list);
  while (!names.empty()) {
    uint8_t type = 0;
    std::string_view name;
    if (!names.u8(&type) || !names.vec16(&name)) return false;
    if (type == 0 && info.server_name.empty()) {
      info.server_name.assign(name);
      absl::AsciiStrToLower(&info.server_name);
    }
  }
  return true;
}

bool parseAlpn(std::string_view ext, ClientHelloInfo& info) {
  Reader r(ext);
  std::string_view list;
  if (!r.vec16(&list)) return false;
  Reader protocols(list);
  while (!protocols.empty()) {
    std::string_view p;
    if (!protocols.vec8(&p) || p.empty()) return false;
    info.alpn.emplace_back(p);
  }
  return true;
}

// The ClientHello body (after the 4-byte handshake header).
bool parseBody(std::string_view body, ClientHelloInfo& info) {
  Reader r(body);
  std::string_view skip;
  if (!r.skip(2 + 32)) return false;                     // client_version, random
  if (!r.vec8(&skip) || skip.size() > 32) return false;  // session_id
  if (!r.vec16(&skip) || skip.empty() || skip.size() % 2 != 0) return false;  // cipher_suites
  if (!r.vec8(&skip) || skip.empty()) return false;                           // compression_methods
  if (r.empty()) return true;  // no extensions at all
  std::string_view extensions;
  if (!r.vec16(&extensions)) return false;
  Reader ext(extensions);
  while (!ext.empty()) {
    uint16_t type = 0;
    std::string_view data;
    if (!ext.u16(&type) || !ext.vec16(&data)) return false;
    if (type == kServerNameExtension && !parseServerName(data, info)) return false;
    if (type == kAlpnExtension && !parseAlpn(data, info)) return false;
  }
  return true;
}

}  // namespace

ClientHelloInfo parseClientHello(std::string_view data, size_t max_bytes) {
  ClientHelloInfo info;
  info.bytes_needed = 1;
  if (data.empty()) return info;
  if (static_cast<uint8_t>(data[0]) != kHandshakeRecord) {
    info.state = State::kNotTls;
    return info;
  }
  // SSL 3.0 to TLS 1.3 all say 3.x in the record header.
  if (data.size() >= 2 && data[1] != 3) {
    info.state = State::kNotTls;
    return info;
  }
  // Reassemble the handshake message from as many handshake records as it spans.
  std::string handshake;
  size_t offset = 0;
  while (true) {
    if (handshake.size() >= 4) {
      if (static_cast<uint8_t>(handshake[0]) != kClientHello) {
        info.state = State::kNotTls;
        return info;
      }
      size_t length = (static_cast<size_t>(static_cast<uint8_t>(handshake[1])) << 16) |
                      (static_cast<size_t>(static_cast<uint8_t>(handshake[2])) << 8) |
                      static_cast<uint8_t>(handshake[3]);
      if (length + 4 > max_bytes) {
        info.state = State::kTooLarge;
        return info;
      }
      if (handshake.size() >= length + 4) {
        info.state = parseBody(std::string_view(handshake).substr(4, length), info)
                         ? State::kTls
                         : State::kNotTls;
        if (info.state != State::kTls) {
          info.server_name.clear();
          info.alpn.clear();
        }
        return info;
      }
    }
    if (offset >= max_bytes) {
      info.state = State::kTooLarge;
      return info;
    }
    if (data.size() < offset + kRecordHeader) {
      info.bytes_needed = offset + kRecordHeader;
      return info;  // kNeedMore
    }
    std::string_view header = data.substr(offset, kRecordHeader);
    if (static_cast<uint8_t>(header[0]) != kHandshakeRecord || header[1] != 3) {
      info.state = State::kNotTls;
      return info;
    }
    size_t record_length = (static_cast<size_t>(static_cast<uint8_t>(header[3])) << 8) |
                           static_cast<uint8_t>(header[4]);
    if (record_length == 0 || record_length > kMaxRecordPayload) {
      info.state = State::kNotTls;
      return info;
    }
    size_t available = data.size() - offset - kRecordHeader;
    size_t take = std::min(available, record_length);
    handshake.append(data.substr(offset + kRecordHeader, take));
    if (take < record_length) {
      // A partial record: enough to read the handshake header, perhaps, not the whole hello.
      if (handshake.size() >= 4 && static_cast<uint8_t>(handshake[0]) != kClientHello) {
        info.state = State::kNotTls;
        return info;
      }
      if (handshake.size() >= 4) {
        size_t length = (static_cast<size_t>(static_cast<uint8_t>(handshake[1])) << 16) |
                        (static_cast<size_t>(static_cast<uint8_t>(handshake[2])) << 8) |
                        static_cast<uint8_t>(handshake[3]);
        if (length + 4 > max_bytes) info.state = State::kTooLarge;
        info.bytes_needed = offset + kRecordHeader + record_length;
      } else {
        // The handshake header, still incomplete, may settle the answer before the record
        // ends (not a ClientHello, too large): ask for just the rest of it.
        info.bytes_needed = data.size() + (4 - handshake.size());
      }
      return info;
    }
    offset += kRecordHeader + record_length;
  }
}

}  // namespace meshproxy::network
