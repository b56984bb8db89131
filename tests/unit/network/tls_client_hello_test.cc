// The ClientHello parser behind tls_inspector: real hellos from OpenSSL, split at every
// byte, truncated, spread over records, and garbage.
#include "proxy/network/tls_client_hello.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace meshproxy::network {
namespace {

using State = ClientHelloInfo::State;

// What an OpenSSL client sends first (one or more TLS records).
std::string opensslClientHello(const std::string& sni, const std::vector<std::string>& alpn) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  BIO* rbio = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, rbio, wbio);
  SSL_set_connect_state(ssl);
  if (!sni.empty()) SSL_set_tlsext_host_name(ssl, sni.c_str());
  if (!alpn.empty()) {
    std::string wire;
    for (const auto& p : alpn) {
      wire.push_back(static_cast<char>(p.size()));
      wire += p;
    }
    SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(wire.data()),
                        static_cast<unsigned>(wire.size()));
  }
  SSL_do_handshake(ssl);
  char* data = nullptr;
  long n = BIO_get_mem_data(wbio, &data);
  std::string out(data, static_cast<size_t>(n));
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return out;
}

// Re-frames a single-record handshake into records of at most `chunk` payload bytes.
std::string splitIntoRecords(const std::string& hello, size_t chunk) {
  std::string payload = hello.substr(5);
  std::string out;
  for (size_t i = 0; i < payload.size(); i += chunk) {
    size_t n = std::min(chunk, payload.size() - i);
    out.push_back(22);
    out.append(hello.substr(1, 2));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
    out.append(payload.substr(i, n));
  }
  return out;
}

TEST(TlsClientHelloTest, ReadsSniAndAlpnFromAnOpensslHello) {
  std::string hello = opensslClientHello("Api.Example.COM", {"h2", "http/1.1"});
  ClientHelloInfo info = parseClientHello(hello);
  ASSERT_EQ(info.state, State::kTls);
  EXPECT_EQ(info.server_name, "api.example.com");
  EXPECT_EQ(info.alpn, (std::vector<std::string>{"h2", "http/1.1"}));
  // Bytes after the hello (an early-data record, say) do not matter.
  EXPECT_EQ(parseClientHello(hello + "garbage-after").state, State::kTls);
}

TEST(TlsClientHelloTest, NoSniNoAlpnIsStillTls) {
  ClientHelloInfo info = parseClientHello(opensslClientHello("", {}));
  ASSERT_EQ(info.state, State::kTls);
  EXPECT_EQ(info.server_name, "");
  EXPECT_TRUE(info.alpn.empty());
}

TEST(TlsClientHelloTest, EveryPrefixNeedsMoreAndTheWholeIsTls) {
  std::string hello = opensslClientHello("svc.ns.svc.cluster.local", {"istio-peer-exchange", "h2"});
  for (size_t i = 0; i < hello.size(); ++i) {
    ClientHelloInfo info = parseClientHello(std::string_view(hello).substr(0, i));
    ASSERT_EQ(info.state, State::kNeedMore) << "prefix of " << i << " bytes";
  }
  ClientHelloInfo info = parseClientHello(hello);
  ASSERT_EQ(info.state, State::kTls);
  EXPECT_EQ(info.server_name, "svc.ns.svc.cluster.local");
  EXPECT_EQ(info.alpn.front(), "istio-peer-exchange");
}

TEST(TlsClientHelloTest, BytesNeededNeverSkipsPastTheAnswer) {
  // Re-parsing only once bytes_needed bytes are there finds the hello at the same point as
  // re-parsing after every byte, for one record and for many.
  std::string hello = opensslClientHello("hint.example", {"h2"});
  for (const std::string& input : {hello, splitIntoRecords(hello, 50)}) {
    size_t have = 0;
    int parses = 0;
    ClientHelloInfo info;
    while (true) {
      info = parseClientHello(std::string_view(input).substr(0, have));
      ++parses;
      if (info.state != State::kNeedMore) break;
      ASSERT_GT(info.bytes_needed, have);
      ASSERT_LE(info.bytes_needed, input.size());
      have = info.bytes_needed;
    }
    EXPECT_EQ(info.state, State::kTls);
    EXPECT_EQ(have, input.size());
    EXPECT_LT(parses, 2 + 2 * static_cast<int>(input.size() / 50 + 1));
  }
}

// Found by tls_client_hello_fuzz: with only a record header there, bytes_needed pointed at the
// end of the record, yet the 4-byte handshake header inside it already decides "not a
// ClientHello" or "too large". The inspector waited for the whole record to say so.
TEST(TlsClientHelloTest, BytesNeededStopsAtTheHandshakeHeader) {
  const std::string record_header("\x16\x03\x01\x00\x28", 5);  // a 40-byte record
  const std::string too_large = record_header + std::string("\x01\x00\x01\xfc", 4) +
                                std::string(36, 'x');  // a 512-byte ClientHello
  const std::string not_hello =
      record_header + std::string("\x02\x00\x00\x24", 4) + std::string(36, 'x');  // a ServerHello
  for (const auto& [input, max_bytes, verdict] :
       {std::tuple{too_large, size_t{64}, State::kTooLarge},
        std::tuple{not_hello, kMaxClientHelloBytes, State::kNotTls}}) {
    ClientHelloInfo info = parseClientHello(std::string_view(input).substr(0, 5), max_bytes);
    ASSERT_EQ(info.state, State::kNeedMore);
    EXPECT_LE(info.bytes_needed, 9u);
    EXPECT_EQ(parseClientHello(std::string_view(input).substr(0, 9), max_bytes).state, verdict);
    // Part of the handshake header there: the rest of it is what is needed.
    info = parseClientHello(std::string_view(input).substr(0, 7), max_bytes);
    ASSERT_EQ(info.state, State::kNeedMore);
    EXPECT_EQ(info.bytes_needed, 9u);
  }
}

TEST(TlsClientHelloTest, AHelloSpreadOverManySmallRecords) {
  std::string hello = opensslClientHello("split.example", {"h2"});
  for (size_t chunk : {1u, 7u, 100u}) {
    std::string records = splitIntoRecords(hello, chunk);
    ClientHelloInfo info = parseClientHello(records);
    ASSERT_EQ(info.state, State::kTls) << "chunk " << chunk;
    EXPECT_EQ(info.server_name, "split.example");
    // And every prefix of the multi-record form still waits for more.
    for (size_t i = 0; i < records.size(); i += 13) {
      ASSERT_EQ(parseClientHello(std::string_view(records).substr(0, i)).state, State::kNeedMore)
          << "chunk " << chunk << " prefix " << i;
    }
  }
}

TEST(TlsClientHelloTest, PlaintextIsNotTls) {
  EXPECT_EQ(parseClientHello("GET / HTTP/1.1\r\n").state, State::kNotTls);
  EXPECT_EQ(parseClientHello("P").state, State::kNotTls);
  EXPECT_EQ(parseClientHello(std::string("\x16\x04", 2)).state, State::kNotTls);
  EXPECT_EQ(parseClientHello("").state, State::kNeedMore);
  EXPECT_EQ(parseClientHello(std::string("\x16", 1)).state, State::kNeedMore);
}

TEST(TlsClientHelloTest, OtherHandshakeMessagesAndBadLengthsAreNotTls) {
  std::string hello = opensslClientHello("x.example", {});
  std::string server_hello = hello;
  server_hello[5] = 2;  // ServerHello
  EXPECT_EQ(parseClientHello(server_hello).state, State::kNotTls);
  // An alert record where a handshake should be.
  std::string alert = hello;
  alert[0] = 21;
  EXPECT_EQ(parseClientHello(alert).state, State::kNotTls);
  // A zero-length record.
  EXPECT_EQ(parseClientHello(std::string("\x16\x03\x01\x00\x00", 5)).state, State::kNotTls);
  // The extensions length claims more than the handshake holds: malformed, not TLS.
  std::string corrupt = hello;
  size_t ext_len_pos = 5 + 4 + 2 + 32;
  ext_len_pos += 1 + static_cast<uint8_t>(corrupt[ext_len_pos]);  // session id
  size_t suites = (static_cast<uint8_t>(corrupt[ext_len_pos]) << 8) |
                  static_cast<uint8_t>(corrupt[ext_len_pos + 1]);
  ext_len_pos += 2 + suites;
  ext_len_pos += 1 + static_cast<uint8_t>(corrupt[ext_len_pos]);  // compression
  corrupt[ext_len_pos] = static_cast<char>(0xff);
  EXPECT_EQ(parseClientHello(corrupt).state, State::kNotTls);
}

TEST(TlsClientHelloTest, TooLargeHelloIsReported) {
  std::string hello = opensslClientHello("big.example", {});
  EXPECT_EQ(parseClientHello(hello, /*max_bytes=*/64).state, State::kTooLarge);
  // A handshake header that announces 16 MiB.
  std::string huge("\x16\x03\x01\x40\x00\x01\xff\xff\xff", 9);
  EXPECT_EQ(parseClientHello(huge).state, State::kTooLarge);
}

TEST(TlsClientHelloTest, RandomGarbageAfterAHandshakeHeaderNeverCrashes) {
  std::mt19937 rng(7);
  std::string hello = opensslClientHello("fuzz.example", {"h2"});
  for (int round = 0; round < 3000; ++round) {
    std::string input = hello;
    // Flip a few bytes anywhere past the record header, or truncate, or both.
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      input[5 + rng() % (input.size() - 5)] = static_cast<char>(rng());
    }
    if (rng() % 2 == 0) input.resize(rng() % input.size());
    ClientHelloInfo info = parseClientHello(input);
    if (info.state == State::kTls) {
      EXPECT_LE(info.server_name.size(), input.size());
    }
  }
  for (int round = 0; round < 3000; ++round) {
    std::string input(rng() % 600, '\0');
    for (auto& c : input) c = static_cast<char>(rng());
    if (!input.empty() && rng() % 2 == 0) input[0] = 22;
    if (input.size() > 1 && rng() % 2 == 0) input[1] = 3;
    parseClientHello(input);
  }
}

}  // namespace
}  // namespace meshproxy::network
