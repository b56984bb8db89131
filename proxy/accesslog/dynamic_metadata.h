#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace google::protobuf {
class Struct;
class Value;
}  // namespace google::protobuf

namespace meshproxy::accesslog {

// A stream's dynamic metadata (Envoy's StreamInfo::dynamicMetadata().filter_metadata): facts
// filters hand to each other and to access logs, by namespace (by convention the filter's
// name, "envoy.filters.http.jwt_authn"), each a google.protobuf.Struct. Nothing is allocated
// until a filter sets something, so streams that use none pay nothing.
class DynamicMetadata {
 public:
  DynamicMetadata();
  ~DynamicMetadata();
  DynamicMetadata(const DynamicMetadata& other);
  DynamicMetadata& operator=(const DynamicMetadata& other);
  DynamicMetadata(DynamicMetadata&&) noexcept;
  DynamicMetadata& operator=(DynamicMetadata&&) noexcept;

  bool empty() const;
  // The namespace's fields, nullptr when it has none.
  const google::protobuf::Struct* get(std::string_view ns) const;
  // Merges `fields` into the namespace: top-level keys replace those set before (Envoy's
  // setDynamicMetadata).
  void merge(std::string_view ns, const google::protobuf::Struct& fields);
  // The namespace's fields for writing, created empty.
  google::protobuf::Struct& mutableNamespace(std::string_view ns);
  // The value at ns, then keys down nested structs ({"ns", "a", "b"} is ns:a:b); nullptr when
  // any step is missing. With only a namespace, nullptr (use get()).
  const google::protobuf::Value* find(const std::vector<std::string>& path) const;

 private:
  struct Namespaces;
  std::unique_ptr<Namespaces> namespaces_;
};

// Appends a value as Envoy's access log prints metadata: a string as is, anything else
// (number, bool, null, struct, list) as JSON. Returns whether the value is a string (a JSON
// log then quotes it; otherwise it is raw JSON).
bool appendMetadataValue(const google::protobuf::Value& value, std::string& out);

}  // namespace meshproxy::accesslog
