// Per-node identities from node metadata, and re-issue at half the certificate's lifetime.
#include "xds/server/workload_cert_issuer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"
#include "xds/server/type_urls.h"
#include "xds/server/workload_cert_source.h"

namespace meshproxy::xds_server {
namespace {

envoy::config::core::v3::Node node(const std::string& id, const std::string& ns,
                                   const std::string& sa) {
  envoy::config::core::v3::Node n;
  n.set_id(id);
  auto& fields = *n.mutable_metadata()->mutable_fields();
  if (!ns.empty()) fields["NAMESPACE"].set_string_value(ns);
  if (!sa.empty()) fields["SERVICE_ACCOUNT"].set_string_value(sa);
  return n;
}

class WorkloadCertIssuerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ca = CertificateAuthority::loadOrCreate(dir_.filePath("ca"), "mesh.test");
    ASSERT_TRUE(ca.ok()) << ca.status();
    issuer_ = std::make_shared<WorkloadCertIssuer>(
        std::shared_ptr<const CertificateAuthority>(std::move(*ca)), "mesh.test",
        std::chrono::seconds(100));
  }
  testing::TempDir dir_;
  std::shared_ptr<WorkloadCertIssuer> issuer_;
};

TEST_F(WorkloadCertIssuerTest, SpiffeIdFromMetadataWithDefaults) {
  EXPECT_EQ(WorkloadCertIssuer::spiffeId(node("a", "shop", "web"), "mesh.test"),
            "spiffe://mesh.test/ns/shop/sa/web");
  EXPECT_EQ(WorkloadCertIssuer::spiffeId(node("a", "", ""), "mesh.test"),
            "spiffe://mesh.test/ns/default/sa/default");
  EXPECT_EQ(WorkloadCertIssuer::spiffeId(node("a", "shop", ""), "t"),
            "spiffe://t/ns/shop/sa/default");
}

TEST_F(WorkloadCertIssuerTest, KeepsTheCertificateUntilHalfItsLifetime) {
  auto n = node("web-1", "shop", "web");
  auto first = issuer_->certificateFor(n);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->spiffe_id, "spiffe://mesh.test/ns/shop/sa/web");
  EXPECT_EQ(issuer_->certificateFor(n), first) << "the same certificate while it is fresh";
  EXPECT_EQ(issuer_->current("web-1"), first);

  auto now = std::chrono::system_clock::now();
  EXPECT_FALSE(issuer_->renewDue(now + std::chrono::seconds(40), {"web-1"}));
  EXPECT_EQ(issuer_->current("web-1"), first);
  EXPECT_TRUE(issuer_->renewDue(now + std::chrono::seconds(51), {"web-1"}));
  auto second = issuer_->current("web-1");
  ASSERT_NE(second, nullptr);
  EXPECT_NE(second->serial, first->serial);
  EXPECT_EQ(issuer_->certificateFor(n), second);

  // A node that disconnected is forgotten; a changed identity claim gets a new certificate.
  EXPECT_FALSE(issuer_->renewDue(now, {}));
  EXPECT_EQ(issuer_->current("web-1"), nullptr);
  auto other = issuer_->certificateFor(node("web-1", "shop", "admin"));
  EXPECT_EQ(other->spiffe_id, "spiffe://mesh.test/ns/shop/sa/admin");
}

TEST_F(WorkloadCertIssuerTest, SourceServesDefaultAndRootcaForSdsOnly) {
  WorkloadCertSource source(issuer_);
  auto n = node("web-1", "shop", "web");
  EXPECT_TRUE(source.resources(n, kClusterType).empty());
  auto secrets = source.resources(n, kSecretType);
  ASSERT_EQ(secrets.size(), 2u);
  ASSERT_TRUE(secrets.contains("default"));
  ASSERT_TRUE(secrets.contains("ROOTCA"));
  // Same certificate, same bytes: no new version is pushed until it is re-issued.
  auto again = source.resources(n, kSecretType);
  EXPECT_EQ(again.at("default")->content_hash, secrets.at("default")->content_hash);
  issuer_->renewDue(std::chrono::system_clock::now() + std::chrono::seconds(60), {"web-1"});
  EXPECT_NE(source.resources(n, kSecretType).at("default")->content_hash,
            secrets.at("default")->content_hash);
  EXPECT_EQ(source.resources(n, kSecretType).at("ROOTCA")->content_hash,
            secrets.at("ROOTCA")->content_hash);
}

}  // namespace
}  // namespace meshproxy::xds_server
