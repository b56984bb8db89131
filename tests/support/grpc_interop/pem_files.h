// Reads the PEM files the interop binaries take on their command lines.
#pragma once

#include <string>

namespace meshproxy::grpc_interop {

// The whole file into *contents. False (with *error naming the path and errno) if it cannot be
// read or is empty: grpc++ would otherwise fail later with a less helpful message.
bool readPemFile(const std::string& path, std::string* contents, std::string* error);

}  // namespace meshproxy::grpc_interop
