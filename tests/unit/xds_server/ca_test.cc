// mesh-control's CA: the root kept in --ca-dir (created once, 0600 key, reused), a CA brought
// by the operator, and the workload certificates it signs (SPIFFE URI SAN, chain to the root).
#include "xds/server/ca.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certs.h"

namespace meshproxy::xds_server {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

tls::X509Ptr parseCert(const std::string& pem) {
  tls::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return tls::X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// The URI SANs of a certificate.
std::vector<std::string> uriSans(X509* cert) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_URI) continue;
    const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                     ASN1_STRING_length(uri));
  }
  GENERAL_NAMES_free(names);
  return out;
}

bool verifies(const std::string& leaf_pem, const std::string& root_pem) {
  auto leaf = parseCert(leaf_pem);
  auto root = parseCert(root_pem);
  tls::X509StorePtr store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), root.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store.get(), leaf.get(), nullptr);
  bool ok = X509_verify_cert(ctx) == 1;
  X509_STORE_CTX_free(ctx);
  return ok;
}

TEST(CertificateAuthorityTest, CreatesTheRootOnceAndReusesIt) {
  TempDir dir;
  std::string ca_dir = dir.filePath("ca");
  auto first = CertificateAuthority::loadOrCreate(ca_dir, "example.org");
  ASSERT_TRUE(first.ok()) << first.status();
  struct stat st {};
  ASSERT_EQ(::stat((ca_dir + "/root-key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  ASSERT_EQ(::stat(ca_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700);
  auto root = parseCert((*first)->rootPem());
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(X509_check_ca(root.get()), 1);
  EXPECT_EQ(EVP_PKEY_get_id(X509_get0_pubkey(root.get())), EVP_PKEY_EC);

  auto second = CertificateAuthority::loadOrCreate(ca_dir, "example.org");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ((*second)->rootPem(), (*first)->rootPem());
  // What the second one signs chains to the first one's root.
  auto cert = (*second)->issue("spiffe://example.org/ns/a/sa/b", std::chrono::hours(1));
  ASSERT_TRUE(cert.ok()) << cert.status();
  EXPECT_TRUE(verifies(cert->cert_pem, (*first)->rootPem()));
}

TEST(CertificateAuthorityTest, RefusesADirectoryWithOnlyHalfARoot) {
  TempDir dir;
  std::string ca_dir = dir.filePath("ca");
  ASSERT_TRUE(CertificateAuthority::loadOrCreate(ca_dir, "cluster.local").ok());
  ASSERT_EQ(std::remove((ca_dir + "/root-key.pem").c_str()), 0);
  auto again = CertificateAuthority::loadOrCreate(ca_dir, "cluster.local");
  ASSERT_FALSE(again.ok());
  EXPECT_THAT(std::string(again.status().message()),
              HasSubstr("root-cert.pem but not root-key.pem"));
}

TEST(CertificateAuthorityTest, IssuesWorkloadCertificates) {
  TempDir dir;
  auto ca = CertificateAuthority::loadOrCreate(dir.filePath("ca"), "cluster.local");
  ASSERT_TRUE(ca.ok());
  auto a = (*ca)->issue("spiffe://cluster.local/ns/shop/sa/web", std::chrono::seconds(600));
  auto b = (*ca)->issue("spiffe://cluster.local/ns/shop/sa/web", std::chrono::seconds(600));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->serial, b->serial);
  EXPECT_NE(a->key_pem, b->key_pem) << "a fresh key per certificate";
  EXPECT_TRUE(verifies(a->cert_pem, (*ca)->rootPem()));
  auto cert = parseCert(a->cert_pem);
  EXPECT_THAT(uriSans(cert.get()), ::testing::ElementsAre("spiffe://cluster.local/ns/shop/sa/web"));
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  auto lifetime = std::chrono::duration_cast<std::chrono::seconds>(
      a->not_after - std::chrono::system_clock::now());
  EXPECT_GT(lifetime.count(), 590);
  EXPECT_LE(lifetime.count(), 601);
  // The key belongs to the certificate.
  tls::BioPtr bio(BIO_new_mem_buf(a->key_pem.data(), static_cast<int>(a->key_pem.size())));
  tls::EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
}

TEST(CertificateAuthorityTest, LoadsABroughtCaAndChecksIt) {
  TempDir dir;
  testing::TestCa own("operator root");
  std::string cert = dir.writeFile("ca.pem", own.certPem());
  std::string key = dir.writeFile("ca-key.pem", own.keyPem());
  auto ca = CertificateAuthority::load(cert, key);
  ASSERT_TRUE(ca.ok()) << ca.status();
  auto issued = (*ca)->issue("spiffe://cluster.local/ns/a/sa/b", std::chrono::hours(1));
  ASSERT_TRUE(issued.ok());
  EXPECT_TRUE(verifies(issued->cert_pem, own.certPem()));

  std::string other_key = dir.writeFile("other-key.pem", testing::generateKeyPem());
  auto mismatched = CertificateAuthority::load(cert, other_key);
  ASSERT_FALSE(mismatched.ok());
  EXPECT_THAT(std::string(mismatched.status().message()), HasSubstr("is not the private key of"));

  testing::CertAndKey leaf = own.issue({});
  auto not_ca = CertificateAuthority::load(dir.writeFile("leaf.pem", leaf.cert_pem),
                                           dir.writeFile("leaf-key.pem", leaf.key_pem));
  ASSERT_FALSE(not_ca.ok());
  EXPECT_THAT(std::string(not_ca.status().message()), HasSubstr("not a CA certificate"));
}

}  // namespace
}  // namespace meshproxy::xds_server
