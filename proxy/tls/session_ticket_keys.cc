#include "proxy/tls/session_ticket_keys.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>

namespace meshproxy::tls {
namespace {

constexpr size_t kNameLength = 16;

int keysIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int ticketKeyCallback(SSL* ssl, unsigned char* key_name, unsigned char* iv, EVP_CIPHER_CTX* cipher,
                      EVP_MAC_CTX* hmac, int encrypt) {
  const auto* keys = static_cast<const std::vector<std::string>*>(
      SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), keysIndex()));
  if (keys == nullptr || keys->empty()) return -1;
  const std::string* key = nullptr;
  bool newest = true;
  if (encrypt == 1) {
    key = &keys->front();
    std::memcpy(key_name, key->data(), kNameLength);
    if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(EVP_aes_256_cbc())) != 1) return -1;
  } else {
    for (size_t i = 0; i < keys->size(); ++i) {
      if (std::memcmp(key_name, (*keys)[i].data(), kNameLength) == 0) {
        key = &(*keys)[i];
        newest = i == 0;
        break;
      }
    }
    if (key == nullptr) return 0;  // unknown key: full handshake
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(key->data());
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(hmac, bytes + kNameLength, 32, params) != 1) return -1;
  const unsigned char* aes_key = bytes + kNameLength + 32;
  int ok = encrypt == 1 ? EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, aes_key, iv)
                        : EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, aes_key, iv);
  if (ok != 1) return -1;
  // 2: valid, but issue a fresh ticket under the current key.
  return encrypt == 1 || newest ? 1 : 2;
}

}  // namespace

void installSessionTicketKeys(SSL_CTX* ctx, const std::vector<std::string>* keys) {
  SSL_CTX_set_ex_data(ctx, keysIndex(), const_cast<std::vector<std::string>*>(keys));
  SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, &ticketKeyCallback);
}

}  // namespace meshproxy::tls
