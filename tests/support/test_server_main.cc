// mesh-test-server: a small upstream for integration tests and the demo.
//
//   mesh-test-server --listen 127.0.0.1:PORT --mode echo|sink|source|http [--name NAME]
//                    [--bytes N] [--chunk N] [--delay-ms N] [--threads N]
//                    [--status N]
//
//   echo    echoes every byte; when the client half-closes, finishes writing, half-closes back,
//           and closes once both directions are done.
//   sink    reads and discards; on client EOF writes "received <n>\n" and closes.
//   source  on connect writes --bytes bytes (byte i of the stream is i % 251) in --chunk sized
//           writes with backpressure, then half-closes (closes when the client does).
//   http    HTTP/1.1 keep-alive server with pipelining; answers every request with a JSON
//           description of it (see test_server_http.h). Query parameters: status=NNN,
//           delay_ms=N, body_bytes=N (N bytes of 'x' instead of JSON), close=1, chunked=1
//           (chunked response), header=name:value (extra response header, repeatable).
//           GET /health answers 200, or 503 once /__health/fail was requested (until
//           /__health/ok), for active health check tests.
//   --delay-ms  echo/sink/source: wait this long after accept before reading / sending;
//               http: default delay of every response (delay_ms= overrides it).
//   --status    http: the status of every response that has no status= parameter.
//   --threads   event loops sharing the port through SO_REUSEPORT (default 1).
//   http only, for resilience tests (a query's status= / reset=1 still wins):
//   --status N        answer every request with status N
//   --reset-requests  abort the connection (RST) on every request instead of answering
//   --close-reused    close (FIN) without answering a request that arrives on a connection
//                     that already carried one: the keep-alive race, deterministically
//   --idle-close-ms N close a keep-alive connection idle this long (as servers do)
//   Query parameter reset=1: abort the connection (RST) instead of answering.
//
// Prints "listening on HOST:PORT" once listening (PORT 0 picks a port). Exits 0 on
// SIGTERM/SIGINT. Malformed HTTP gets a 400 and the connection is closed.
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "tests/support/test_server_http.h"

namespace {

using meshproxy::testing::test_server::HttpRequest;
using meshproxy::testing::test_server::HttpRequestParser;
using meshproxy::testing::test_server::ResponsePlan;

enum class Mode { kEcho, kSink, kSource, kHttp };

struct Config {
  std::string host = "127.0.0.1";
  int port = 0;
  Mode mode = Mode::kEcho;
  std::string name = "mesh-test-server";
  uint64_t bytes = 1 << 20;
  size_t chunk = 16 * 1024;
  int64_t delay_ms = 0;
  int threads = 1;
  int status = 0;  // http: the status of responses that do not ask for one (0: 200)
  bool reset_requests = false;
  bool close_reused = false;
  int64_t idle_close_ms = 0;
};

constexpr size_t kHighWater = 1 << 20;  // unsent bytes above which we stop reading/producing
constexpr size_t kLowWater = 256 << 10;
constexpr size_t kMaxQueuedRequests = 64;
constexpr uint64_t kLingerMs = 10000;  // after our FIN, wait this long for the client's

Config g_config;
std::vector<char> g_pattern;  // g_pattern[i] = i % 251, chunk + 251 bytes long
std::vector<char> g_xs;       // chunk bytes of 'x'
std::atomic<uint64_t> g_next_connection_id{1};

// The request's plan, with --status for requests that name no status.
ResponsePlan planWithDefaults(const meshproxy::testing::test_server::HttpRequest& request) {
  ResponsePlan plan = meshproxy::testing::test_server::planResponse(request);
  if (g_config.status != 0 && request.target.find("status=") == std::string::npos) {
    plan.status = g_config.status;
  }
  return plan;
}

struct Worker {
  uv_loop_t loop;
  uv_tcp_t listener;
  uv_signal_t sigterm;
  uv_signal_t sigint;
  std::thread thread;
  char read_buf[256 * 1024];
};

struct Conn {
  uv_tcp_t tcp;
  uv_timer_t timer;
  Worker* worker = nullptr;
  uint64_t id = 0;
  std::string peer;
  int open_handles = 0;
  bool closing = false;
  bool reading = false;
  bool active = false;  // the --delay-ms start delay has passed
  bool read_eof = false;
  bool shutdown_started = false;
  bool shutdown_done = false;
  size_t unsent = 0;      // bytes passed to uv_write whose callback has not run yet
  uint64_t received = 0;  // sink
  uint64_t sent = 0;      // source
  // http
  HttpRequestParser parser;
  std::deque<HttpRequest> requests;
  bool bad_request = false;
  bool responding = false;
  bool close_after = false;
  uint64_t body_left = 0;
  bool body_chunked = false;
  uint64_t request_index = 0;
};

struct WriteReq {
  uv_write_t req;
  Conn* conn;
  size_t len;
  std::string owned;
};

void closeConn(Conn* c);
void afterWrite(Conn* c);
void maybeRespond(Conn* c);

void onHandleClosed(uv_handle_t* handle) {
  Conn* c = static_cast<Conn*>(handle->data);
  if (--c->open_handles == 0) delete c;
}

void closeConn(Conn* c) {
  if (c->closing) return;
  c->closing = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&c->timer), onHandleClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), onHandleClosed);
}

// Aborts the connection: RST, no answer.
void resetConn(Conn* c) {
  if (c->closing) return;
  c->closing = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&c->timer), onHandleClosed);
  if (uv_tcp_close_reset(&c->tcp, onHandleClosed) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), onHandleClosed);
  }
}

void onIdleClose(uv_timer_t* timer) { closeConn(static_cast<Conn*>(timer->data)); }

void onWrite(uv_write_t* req, int status) {
  WriteReq* w = static_cast<WriteReq*>(req->data);
  Conn* c = w->conn;
  c->unsent -= w->len;
  delete w;
  if (status < 0) {
    closeConn(c);
  } else if (!c->closing) {
    afterWrite(c);
  }
}

// Writes len bytes at data; `owned` (if non-empty) is the storage data points into.
void sendBytes(Conn* c, const char* data, size_t len, std::string owned = {}) {
  if (c->closing || c->shutdown_started || len == 0) return;
  WriteReq* w = new WriteReq{};
  w->conn = c;
  w->len = len;
  w->owned = std::move(owned);
  if (!w->owned.empty()) data = w->owned.data();
  w->req.data = w;
  uv_buf_t buf = uv_buf_init(const_cast<char*>(data), static_cast<unsigned>(len));
  c->unsent += len;
  if (uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&c->tcp), &buf, 1, onWrite) != 0) {
    c->unsent -= len;
    delete w;
    closeConn(c);
  }
}

void sendString(Conn* c, std::string s) {
  size_t len = s.size();
  sendBytes(c, nullptr, len, std::move(s));
}

void onLingerTimer(uv_timer_t* timer) { closeConn(static_cast<Conn*>(timer->data)); }

void onShutdown(uv_shutdown_t* req, int status) {
  Conn* c = static_cast<Conn*>(req->data);
  delete req;
  if (c->closing) return;
  if (status < 0 || c->read_eof) {
    closeConn(c);
    return;
  }
  c->shutdown_done = true;
  uv_timer_start(&c->timer, onLingerTimer, kLingerMs, 0);
}

// Half-close after everything queued so far is written.
void halfClose(Conn* c) {
  if (c->closing || c->shutdown_started) return;
  c->shutdown_started = true;
  uv_shutdown_t* req = new uv_shutdown_t;
  req->data = c;
  if (uv_shutdown(req, reinterpret_cast<uv_stream_t*>(&c->tcp), onShutdown) != 0) {
    delete req;
    closeConn(c);
  }
}

void onAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  Conn* c = static_cast<Conn*>(handle->data);
  *buf = uv_buf_init(c->worker->read_buf, sizeof(c->worker->read_buf));
}

void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);

void startReading(Conn* c) {
  if (c->reading || c->closing || c->read_eof) return;
  if (uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), onAlloc, onRead) == 0) {
    c->reading = true;
  }
}

void stopReading(Conn* c) {
  if (!c->reading) return;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->tcp));
  c->reading = false;
}

// ---- source ----

void pumpSource(Conn* c) {
  while (!c->closing && c->sent < g_config.bytes && c->unsent < kHighWater) {
    size_t len = static_cast<size_t>(std::min<uint64_t>(g_config.chunk, g_config.bytes - c->sent));
    sendBytes(c, g_pattern.data() + c->sent % 251, len);
    c->sent += len;
  }
  if (c->sent >= g_config.bytes) halfClose(c);
}

// ---- http ----

// The state /health reports (switched by /__health/fail and /__health/ok).
bool g_health_failing = false;

// planResponse plus the /health switch.
ResponsePlan httpPlan(const HttpRequest& request) {
  ResponsePlan plan = planWithDefaults(request);
  std::string_view path = request.target;
  path = path.substr(0, path.find('?'));
  if (path == "/__health/fail") g_health_failing = true;
  if (path == "/__health/ok") g_health_failing = false;
  if (path == "/health" && g_health_failing) plan.status = 503;
  return plan;
}

bool httpShouldRead(const Conn* c) {
  return c->requests.size() < kMaxQueuedRequests && c->unsent < kHighWater;
}

void updateHttpReading(Conn* c) {
  if (httpShouldRead(c)) {
    startReading(c);
  } else {
    stopReading(c);
  }
}

void endResponse(Conn* c) {
  c->responding = false;
  if (c->close_after) {
    halfClose(c);
  } else if (g_config.idle_close_ms > 0 && c->requests.empty()) {
    uv_timer_start(&c->timer, onIdleClose, static_cast<uint64_t>(g_config.idle_close_ms), 0);
  }
}

void pumpHttpBody(Conn* c) {
  while (!c->closing && c->body_left > 0 && c->unsent < kHighWater) {
    size_t len = static_cast<size_t>(std::min<uint64_t>(g_config.chunk, c->body_left));
    c->body_left -= len;
    if (c->body_chunked) {
      std::string piece = absl::StrCat(absl::Hex(len), "\r\n");
      piece.append(g_xs.data(), len);
      piece.append(c->body_left == 0 ? "\r\n0\r\n\r\n" : "\r\n");
      sendString(c, std::move(piece));
    } else {
      sendBytes(c, g_xs.data(), len);
    }
  }
  if (c->body_left == 0) endResponse(c);
}

// Sends the response to the first queued request (its delay has passed).
void writeResponse(Conn* c) {
  HttpRequest request = std::move(c->requests.front());
  c->requests.pop_front();
  ResponsePlan plan = httpPlan(request);
  const uint64_t index = c->request_index++;
  const bool head = request.method == "HEAD";
  const bool no_body = plan.status == 204 || plan.status == 304;
  const bool chunked = plan.chunked && request.version_minor == 1 && !no_body;
  const bool keep_alive = request.keep_alive && !plan.close;
  std::string json;
  uint64_t body_size = 0;
  if (plan.body_bytes >= 0) {
    body_size = static_cast<uint64_t>(plan.body_bytes);
  } else {
    json = meshproxy::testing::test_server::describeRequest(request, g_config.name, c->id, index,
                                                            c->peer);
    body_size = json.size();
  }
  std::string out = absl::StrCat(
      "HTTP/1.1 ", plan.status, " ", meshproxy::testing::test_server::reasonPhrase(plan.status),
      "\r\ncontent-type: ", plan.body_bytes >= 0 ? "text/plain" : "application/json",
      "\r\nx-test-server: ", g_config.name, "\r\nx-test-server-connection: ", c->id, "\r\n");
  for (const auto& [name, value] : plan.extra_headers) {
    absl::StrAppend(&out, name, ": ", value, "\r\n");
  }
  if (chunked) {
    out.append("transfer-encoding: chunked\r\n");
  } else if (plan.status != 204) {
    absl::StrAppend(&out, "content-length: ", no_body ? 0 : body_size, "\r\n");
  }
  if (!keep_alive) {
    out.append("connection: close\r\n");
    c->close_after = true;
  } else if (request.version_minor == 0) {
    out.append("connection: keep-alive\r\n");
  }
  out.append("\r\n");
  c->body_left = 0;
  c->body_chunked = chunked;
  if (!head && !no_body) {
    if (plan.body_bytes < 0) {
      if (chunked) {
        absl::StrAppend(&out, absl::Hex(json.size()), "\r\n", json, "\r\n0\r\n\r\n");
      } else {
        out.append(json);
      }
    } else if (body_size == 0) {
      if (chunked) out.append("0\r\n\r\n");
    } else {
      c->body_left = body_size;
    }
  }
  sendString(c, std::move(out));
  pumpHttpBody(c);  // ends the response at once when there is no (more) body to send
}

void onHttpDelay(uv_timer_t* timer) {
  Conn* c = static_cast<Conn*>(timer->data);
  if (c->closing) return;
  writeResponse(c);
  maybeRespond(c);
}

// Answers queued requests in order, as far as delays and backpressure allow, then decides
// whether to read more, half-close, or wait.
void maybeRespond(Conn* c) {
  while (!c->closing && !c->responding && !c->shutdown_started) {
    if (!c->requests.empty()) {
      if (c->unsent >= kHighWater) break;  // afterWrite() calls us again
      ResponsePlan plan = planWithDefaults(c->requests.front());
      if (plan.reset || g_config.reset_requests) {
        resetConn(c);
        return;
      }
      if (g_config.close_reused && c->request_index > 0) {
        closeConn(c);
        return;
      }
      c->responding = true;
      int64_t delay = plan.delay_ms >= 0 ? plan.delay_ms : g_config.delay_ms;
      if (delay > 0) {
        uv_timer_start(&c->timer, onHttpDelay, static_cast<uint64_t>(delay), 0);
        break;
      }
      writeResponse(c);
      continue;
    }
    if (c->bad_request) {
      sendString(c, "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
      halfClose(c);
    } else if (c->read_eof) {
      halfClose(c);
    }
    break;
  }
  if (!c->closing) updateHttpReading(c);
}

void onHttpData(Conn* c, absl::string_view data) {
  if (c->bad_request || c->close_after) return;  // discard anything after the last response
  if (g_config.idle_close_ms > 0 && !c->responding) uv_timer_stop(&c->timer);
  bool expect_continue = false;
  bool was_idle = c->requests.empty() && !c->responding;
  if (!c->parser.feed(data, &c->requests, &expect_continue)) c->bad_request = true;
  if (expect_continue && was_idle && c->requests.empty() && !c->bad_request) {
    sendString(c, "HTTP/1.1 100 Continue\r\n\r\n");
  }
  maybeRespond(c);
}

// ---- all modes ----

void afterWrite(Conn* c) {
  switch (g_config.mode) {
    case Mode::kEcho:
      if (c->active && c->unsent < kLowWater) startReading(c);
      break;
    case Mode::kSink:
      break;
    case Mode::kSource:
      if (c->active && c->unsent < kLowWater) pumpSource(c);
      break;
    case Mode::kHttp:
      if (c->responding && c->body_left > 0 && c->unsent < kLowWater) pumpHttpBody(c);
      if (!c->responding) maybeRespond(c);
      break;
  }
}

void onRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  Conn* c = static_cast<Conn*>(stream->data);
  if (nread == 0 || c->closing) return;
  if (nread < 0) {
    if (nread != UV_EOF) {
      closeConn(c);
      return;
    }
    stopReading(c);
    c->read_eof = true;
    if (c->shutdown_done) {
      closeConn(c);
      return;
    }
    switch (g_config.mode) {
      case Mode::kEcho:
        halfClose(c);
        break;
      case Mode::kSink:
        sendString(c, absl::StrCat("received ", c->received, "\n"));
        halfClose(c);
        break;
      case Mode::kSource:
        break;  // keep sending; close after our half-close completes
      case Mode::kHttp:
        maybeRespond(c);
        break;
    }
    return;
  }
  absl::string_view data(buf->base, static_cast<size_t>(nread));
  switch (g_config.mode) {
    case Mode::kEcho:
      sendBytes(c, nullptr, data.size(), std::string(data));
      if (c->unsent > kHighWater) stopReading(c);
      break;
    case Mode::kSink:
      c->received += data.size();
      break;
    case Mode::kSource:
      break;  // discard
    case Mode::kHttp:
      onHttpData(c, data);
      break;
  }
}

void activate(Conn* c) {
  c->active = true;
  switch (g_config.mode) {
    case Mode::kEcho:
    case Mode::kSink:
      startReading(c);
      break;
    case Mode::kSource:
      pumpSource(c);
      break;
    case Mode::kHttp:
      break;
  }
}

void onStartDelay(uv_timer_t* timer) {
  Conn* c = static_cast<Conn*>(timer->data);
  if (!c->closing) activate(c);
}

std::string peerName(uv_tcp_t* tcp) {
  sockaddr_storage addr{};
  int len = sizeof(addr);
  if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "";
  char ip[INET6_ADDRSTRLEN] = "";
  int port = 0;
  if (addr.ss_family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(&addr);
    uv_ip4_name(in, ip, sizeof(ip));
    port = ntohs(in->sin_port);
    return absl::StrCat(ip, ":", port);
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&addr);
  uv_ip6_name(in6, ip, sizeof(ip));
  port = ntohs(in6->sin6_port);
  return absl::StrCat("[", ip, "]:", port);
}

void onConnection(uv_stream_t* server, int status) {
  if (status < 0) return;
  Worker* worker = static_cast<Worker*>(server->data);
  Conn* c = new Conn;
  c->worker = worker;
  c->id = g_next_connection_id.fetch_add(1);
  uv_tcp_init(&worker->loop, &c->tcp);
  uv_timer_init(&worker->loop, &c->timer);
  c->tcp.data = c;
  c->timer.data = c;
  c->open_handles = 2;
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0) {
    closeConn(c);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  c->peer = peerName(&c->tcp);
  if (g_config.mode == Mode::kSource || g_config.mode == Mode::kHttp) {
    startReading(c);  // source: to notice the client closing; http: requests
  }
  if (g_config.delay_ms > 0 && g_config.mode != Mode::kHttp) {
    uv_timer_start(&c->timer, onStartDelay, static_cast<uint64_t>(g_config.delay_ms), 0);
  } else {
    activate(c);
  }
}

void onStopSignal(uv_signal_t*, int) {
  fflush(stdout);
  fflush(stderr);
  _exit(0);
}

// Binds a listening socket; port 0 picks one (returned through *port).
int bindListener(Worker* worker, int* port, std::string* error) {
  sockaddr_storage addr{};
  bool v6 = g_config.host.find(':') != std::string::npos;
  int rc = v6 ? uv_ip6_addr(g_config.host.c_str(), *port, reinterpret_cast<sockaddr_in6*>(&addr))
              : uv_ip4_addr(g_config.host.c_str(), *port, reinterpret_cast<sockaddr_in*>(&addr));
  if (rc != 0) {
    *error = absl::StrCat("bad listen address ", g_config.host);
    return -1;
  }
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (g_config.threads > 1) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  socklen_t len = v6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd, 4096) != 0) {
    *error = absl::StrCat("cannot listen on ", g_config.host, ":", *port, ": ", strerror(errno));
    close(fd);
    return -1;
  }
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                   : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  uv_tcp_init(&worker->loop, &worker->listener);
  worker->listener.data = worker;
  uv_tcp_open(&worker->listener, fd);
  rc = uv_listen(reinterpret_cast<uv_stream_t*>(&worker->listener), 4096, onConnection);
  if (rc != 0) {
    *error = absl::StrCat("uv_listen: ", uv_strerror(rc));
    return -1;
  }
  return 0;
}

void usage() {
  fprintf(stderr,
          "usage: mesh-test-server --listen HOST:PORT --mode echo|sink|source|http [--name NAME]\n"
          "                        [--bytes N] [--chunk N] [--delay-ms N] [--threads N]\n");
}

bool parseArgs(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    if (arg == "--reset-requests") {
      g_config.reset_requests = true;
      continue;
    }
    if (arg == "--close-reused") {
      g_config.close_reused = true;
      continue;
    }
    size_t eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (arg == "--help" || arg == "-h") {
      usage();
      exit(0);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      fprintf(stderr, "missing value for %s\n", arg.c_str());
      return false;
    }
    int64_t n = 0;
    bool numeric = absl::SimpleAtoi(value, &n) && n >= 0;
    if (arg == "--listen") {
      size_t colon = value.rfind(':');
      int port = 0;
      if (colon == std::string::npos || !absl::SimpleAtoi(value.substr(colon + 1), &port) ||
          port < 0 || port > 65535) {
        fprintf(stderr, "bad --listen %s (want HOST:PORT)\n", value.c_str());
        return false;
      }
      std::string host = value.substr(0, colon);
      if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
      }
      g_config.host = host;
      g_config.port = port;
    } else if (arg == "--mode") {
      if (value == "echo") {
        g_config.mode = Mode::kEcho;
      } else if (value == "sink") {
        g_config.mode = Mode::kSink;
      } else if (value == "source") {
        g_config.mode = Mode::kSource;
      } else if (value == "http") {
        g_config.mode = Mode::kHttp;
      } else {
        fprintf(stderr, "unknown --mode %s\n", value.c_str());
        return false;
      }
    } else if (arg == "--name") {
      g_config.name = value;
    } else if (arg == "--bytes" && numeric) {
      g_config.bytes = static_cast<uint64_t>(n);
    } else if (arg == "--chunk" && numeric && n > 0 && n <= (4 << 20)) {
      g_config.chunk = static_cast<size_t>(n);
    } else if (arg == "--delay-ms" && numeric) {
      g_config.delay_ms = n;
    } else if (arg == "--status" && numeric && n >= 200 && n <= 599) {
      g_config.status = static_cast<int>(n);
    } else if (arg == "--idle-close-ms" && numeric) {
      g_config.idle_close_ms = n;
    } else if (arg == "--threads" && numeric && n >= 1 && n <= 64) {
      g_config.threads = static_cast<int>(n);
    } else {
      fprintf(stderr, "bad argument %s %s\n", arg.c_str(), value.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  if (!parseArgs(argc, argv)) {
    usage();
    return 2;
  }
  g_pattern.resize(g_config.chunk + 251);
  for (size_t i = 0; i < g_pattern.size(); ++i) g_pattern[i] = static_cast<char>(i % 251);
  g_xs.assign(g_config.chunk, 'x');

  std::vector<std::unique_ptr<Worker>> workers;
  int port = g_config.port;
  for (int i = 0; i < g_config.threads; ++i) {
    auto worker = std::make_unique<Worker>();
    uv_loop_init(&worker->loop);
    std::string error;
    if (bindListener(worker.get(), &port, &error) != 0) {
      fprintf(stderr, "mesh-test-server: %s\n", error.c_str());
      return 1;
    }
    workers.push_back(std::move(worker));
  }
  Worker* main_worker = workers[0].get();
  uv_signal_init(&main_worker->loop, &main_worker->sigterm);
  uv_signal_init(&main_worker->loop, &main_worker->sigint);
  uv_signal_start(&main_worker->sigterm, onStopSignal, SIGTERM);
  uv_signal_start(&main_worker->sigint, onStopSignal, SIGINT);

  bool v6 = g_config.host.find(':') != std::string::npos;
  printf("listening on %s%s%s:%d\n", v6 ? "[" : "", g_config.host.c_str(), v6 ? "]" : "", port);
  fflush(stdout);

  for (size_t i = 1; i < workers.size(); ++i) {
    Worker* w = workers[i].get();
    w->thread = std::thread([w] { uv_run(&w->loop, UV_RUN_DEFAULT); });
  }
  uv_run(&main_worker->loop, UV_RUN_DEFAULT);
  _exit(0);
}
