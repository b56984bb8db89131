// A small, deterministic YAML writer for yaml-cpp trees, in the block style kubectl prints.
// yaml-cpp's own emitter cannot keep "8080" a string (Kubernetes args and annotations must
// be strings), so scalars are quoted here by rule: a scalar that was quoted in the input
// (yaml-cpp tags it "!") stays quoted, and any scalar that would read back as something
// else than the same string (a number, a bool, null, leading indicators) is quoted.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

namespace meshproxy::xds_server {

// A string scalar that always reads back as a string (tagged "!" so that it is quoted).
YAML::Node yamlString(const std::string& value);

// One document, without the leading `---`; ends with a newline.
std::string writeYaml(const YAML::Node& node);

}  // namespace meshproxy::xds_server
