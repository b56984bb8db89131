#include "proxy/protobuf/proto_util.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "proxy/core/strings.h"
#include "proxy/protobuf/api_types.h"
#include "proxy/protobuf/typed_config.h"

namespace meshproxy::protobuf {

namespace {
// The type URL of `message` if the whole-API pool has its type, else "" (meshproxy's own
// messages, or a pool that failed to load): those go through the generated pool.
std::string apiTypeUrl(const google::protobuf::Message& message) {
  const std::string& name = message.GetDescriptor()->full_name();
  if (protobuf::apiDescriptorPool().FindMessageTypeByName(name) == nullptr) return "";
  return absl::StrCat(toAbsl(protobuf::kTypeUrlPrefix), "/", name);
}
}  // namespace

absl::Status jsonToMessage(std::string_view json, google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  google::protobuf::StringPiece input(json.data(), json.size());
  std::string type_url = apiTypeUrl(*message);
  if (type_url.empty()) {
    auto status = google::protobuf::util::JsonStringToMessage(input, message, options);
    if (!status.ok()) return absl::InvalidArgumentError(std::string(status.message()));
    return absl::OkStatus();
  }
  // Through the whole API, so that an Any of a type meshproxy has no C++ class for parses
  // (kept as bytes with its type URL) and the extension registries can name it.
  std::string binary;
  auto status = google::protobuf::util::JsonToBinaryString(&protobuf::apiTypeResolver(), type_url,
                                                           input, &binary, options);
  if (!status.ok() && std::string(status.message()).find("unknown type") != std::string::npos) {
    // A type outside the Envoy API (Istio's own extensions): wrapped as a TypedStruct, the
    // config parses and the extension registry names it.
    auto wrapped = wrapTypesOutsideTheApi(json);
    if (wrapped.ok() && wrapped->has_value()) {
      binary.clear();
      status = google::protobuf::util::JsonToBinaryString(&protobuf::apiTypeResolver(), type_url,
                                                          **wrapped, &binary, options);
    }
  }
  if (!status.ok()) return absl::InvalidArgumentError(std::string(status.message()));
  if (!message->ParseFromString(binary)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot decode ", type_url));
  }
  return absl::OkStatus();
}

std::string messageToJson(const google::protobuf::Message& message, bool pretty) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.add_whitespace = pretty;
  std::string out;
  std::string type_url = apiTypeUrl(message);
  // The whole-API pool prints an Any of any Envoy type, not only the compiled ones.
  auto status =
      type_url.empty()
          ? google::protobuf::util::MessageToJsonString(message, &out, options)
          : google::protobuf::util::BinaryToJsonString(&protobuf::apiTypeResolver(), type_url,
                                                       message.SerializeAsString(), &out, options);
  if (!status.ok()) return "{}";
  return out;
}

uint64_t contentHash(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return absl::HashOf(bytes);
}

std::chrono::milliseconds toMilliseconds(const google::protobuf::Duration& d) {
  return std::chrono::milliseconds(d.seconds() * 1000 + d.nanos() / 1000000);
}

absl::StatusOr<std::chrono::milliseconds> durationField(const google::protobuf::Duration& d,
                                                        std::string_view field) {
  if (d.seconds() < 0 || d.nanos() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(toAbsl(field), " must not be negative"));
  }
  return toMilliseconds(d);
}

absl::Status withContext(const absl::Status& status, std::string_view context) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(toAbsl(context), ": ", status.message()));
}

}  // namespace meshproxy::protobuf
