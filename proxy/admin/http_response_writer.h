// Serialises an AdminResponse as an HTTP/1.1 response with a Content-Length body.
#pragma once

#include <string>

#include "proxy/admin/admin_handler.h"

namespace meshproxy::admin {

// `head_request` keeps the headers (Content-Length included) but drops the body. The Connection
// header says whether the server keeps the connection open after this response.
std::string serializeResponse(const AdminResponse& response, bool head_request, bool keep_alive);

}  // namespace meshproxy::admin
