#pragma once

#include <openssl/ssl.h>

#include <string>
#include <vector>

namespace meshproxy::tls {

// Envoy's session_ticket_keys on a server context: each key is 80 bytes (16 name, 32 HMAC
// secret, 32 AES-256 key). The first key encrypts new tickets; every key decrypts, and a
// ticket made with an older key is renewed. `keys` must outlive `ctx`.
void installSessionTicketKeys(SSL_CTX* ctx, const std::vector<std::string>* keys);

}  // namespace meshproxy::tls
