// fixed-rate-load: an open-loop HTTP/1.1 load generator for the benchmarks (wrk2's method on
// libuv). Requests are scheduled at a constant aggregate rate, spread round-robin over N
// keep-alive connections (so each connection carries rate/N, staggered); a request whose
// connection is still waiting for the previous response waits in that connection's backlog.
// Latency is measured from the request's *intended* send time, not from when it could be sent,
// so a stall shows up in every request it delayed (coordinated omission corrected, as wrk2 and
// HdrHistogram describe it). The uncorrected latency (from the actual send) is reported too.
//
//   fixed-rate-load --url http://127.0.0.1:8080/path --rate 1000 --connections 16
//                   --duration 30 [--warmup 5] [--body-size 1024] [--timeout 5] [--json]
//
// Output: a human-readable summary on stderr and, with --json, one JSON object on stdout with
// the achieved rate, counts and p50/p90/p99/p99.9/max of both latencies in microseconds.
// Timing uses a timerfd with absolute CLOCK_MONOTONIC deadlines (libuv's timers have only
// millisecond resolution, which would add up to 1 ms of send lag to every request).
#include <llhttp.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace {

constexpr uint64_t kNsPerSec = 1'000'000'000ULL;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string path = "/";
  double rate = 1000;
  int connections = 16;
  double duration_s = 10;
  double warmup_s = 2;
  size_t body_size = 1024;
  double timeout_s = 5;
  bool json = false;
  std::vector<std::string> headers;
};

[[noreturn]] void usage(const char* why) {
  if (why != nullptr) std::fprintf(stderr, "fixed-rate-load: %s\n", why);
  std::fprintf(stderr,
               "usage: fixed-rate-load --url http://IP:PORT/PATH --rate RPS --connections N\n"
               "                       --duration S [--warmup S] [--body-size BYTES (0 = GET)]\n"
               "                       [--timeout S] [--header 'Name: value']... [--json]\n");
  std::exit(2);
}

double number(const char* flag, const char* text, double min) {
  char* end = nullptr;
  double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(v >= min)) {
    std::fprintf(stderr, "fixed-rate-load: bad value for %s: %s\n", flag, text);
    std::exit(2);
  }
  return v;
}

// Only what the benchmarks need: http://IPv4:port/path.
void parseUrl(const std::string& url, Options* o) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) usage("--url must start with http://");
  std::string rest = url.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  o->path = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = hostport.rfind(':');
  if (colon == std::string::npos) usage("--url needs an explicit port");
  o->host = hostport.substr(0, colon);
  o->port = static_cast<int>(number("--url port", hostport.substr(colon + 1).c_str(), 1));
}

Options parseArgs(int argc, char** argv) {
  Options o;
  bool have_url = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage((a + " needs a value").c_str());
      return argv[++i];
    };
    if (a == "--url") {
      parseUrl(value(), &o);
      have_url = true;
    } else if (a == "--rate") {
      o.rate = number("--rate", value(), 0.001);
    } else if (a == "--connections") {
      o.connections = static_cast<int>(number("--connections", value(), 1));
    } else if (a == "--duration") {
      o.duration_s = number("--duration", value(), 0.1);
    } else if (a == "--warmup") {
      o.warmup_s = number("--warmup", value(), 0);
    } else if (a == "--body-size") {
      o.body_size = static_cast<size_t>(number("--body-size", value(), 0));
    } else if (a == "--timeout") {
      o.timeout_s = number("--timeout", value(), 0.01);
    } else if (a == "--header") {
      o.headers.push_back(value());
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "-h" || a == "--help") {
      usage(nullptr);
    } else {
      usage(("unknown argument " + a).c_str());
    }
  }
  if (!have_url) usage("--url is required");
  return o;
}

struct Counters {
  uint64_t scheduled = 0;  // requests with an intended time in the measured window
  uint64_t completed = 0;  // ... that got a complete response (any status)
  uint64_t non2xx = 0;     // ... whose status was not 2xx
  uint64_t errors = 0;     // requests lost to a closed/reset connection or a parse error
  uint64_t timeouts = 0;   // requests without a response within --timeout
  uint64_t connect_errors = 0;
  uint64_t reconnects = 0;
  uint64_t responses_in_window = 0;  // responses that arrived during the measured window
};

class Load;

// One keep-alive connection: at most one request in flight (no pipelining), the rest of its
// share of the schedule waits in `backlog` as intended send times.
struct Conn {
  Load* load = nullptr;
  uv_tcp_t tcp{};
  uv_connect_t connect_req{};
  uv_write_t write_req{};
  uv_timer_t retry_timer{};
  llhttp_t parser{};
  bool open = false;     // connected and usable
  bool closing = false;  // uv_close in progress
  bool in_flight = false;
  bool write_pending = false;  // a uv_write of the request is not finished yet
  bool response_done = false;  // set by the parser during one onRead
  bool keep_alive = true;
  uint64_t intended_ns = 0;  // of the request in flight
  uint64_t sent_ns = 0;
  std::deque<uint64_t> backlog;
  char read_buf[64 * 1024];
};

class Load {
 public:
  explicit Load(Options o) : o_(std::move(o)) {
    period_ns_ = static_cast<double>(kNsPerSec) / o_.rate;
    std::string req = (o_.body_size > 0 ? "POST " : "GET ") + o_.path +
                      " HTTP/1.1\r\nHost: " + o_.host + ":" + std::to_string(o_.port) + "\r\n";
    for (const auto& h : o_.headers) req += h + "\r\n";
    if (o_.body_size > 0) {
      req += "Content-Type: application/octet-stream\r\nContent-Length: " +
             std::to_string(o_.body_size) + "\r\n";
    }
    req += "\r\n";
    req.append(o_.body_size, 'x');
    request_ = std::move(req);
    llhttp_settings_init(&settings_);
    settings_.on_message_complete = &Load::onMessageComplete;
    size_t expected = static_cast<size_t>(o_.rate * o_.duration_s * 1.1) + 1024;
    corrected_ns_.reserve(std::min<size_t>(expected, 50'000'000));
    uncorrected_ns_.reserve(std::min<size_t>(expected, 50'000'000));
  }

  int run() {
    if (uv_ip4_addr(o_.host.c_str(), o_.port, &addr_) != 0)
      usage("--url host must be an IPv4 address");
    uv_loop_init(&loop_);
    timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (timer_fd_ < 0) {
      std::perror("timerfd_create");
      return 1;
    }
    uv_poll_init(&loop_, &tick_poll_, timer_fd_);
    tick_poll_.data = this;
    uv_timer_init(&loop_, &watchdog_);
    watchdog_.data = this;
    conns_.reserve(o_.connections);
    for (int i = 0; i < o_.connections; ++i) {
      conns_.push_back(std::make_unique<Conn>());
      Conn* c = conns_.back().get();
      c->load = this;
      uv_timer_init(&loop_, &c->retry_timer);
      c->retry_timer.data = c;
      connect(c);
    }
    // Start the schedule once every connection is up (or after 5 s, whatever is up by then).
    connect_deadline_ns_ = uv_hrtime() + 5 * kNsPerSec;
    uv_timer_start(&watchdog_, &Load::onWatchdog, 10, 10);
    uv_run(&loop_, UV_RUN_DEFAULT);
    return report();
  }

 private:
  // ---- connections ------------------------------------------------------------------------
  void connect(Conn* c) {
    uv_tcp_init(&loop_, &c->tcp);
    c->tcp.data = c;
    c->connect_req.data = c;
    llhttp_init(&c->parser, HTTP_RESPONSE, &settings_);
    c->parser.data = c;
    c->open = c->closing = c->in_flight = c->write_pending = false;
    uv_tcp_connect(&c->connect_req, &c->tcp, reinterpret_cast<const sockaddr*>(&addr_),
                   &Load::onConnect);
  }

  static void onConnect(uv_connect_t* req, int status) {
    Conn* c = static_cast<Conn*>(req->data);
    Load* self = c->load;
    if (status != 0) {
      ++self->counters_.connect_errors;
      self->closeConn(c);
      return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    c->open = true;
    uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), &Load::onAlloc, &Load::onRead);
    self->maybeStartSchedule();
    self->sendNext(c);
  }

  // A failed connection loses its request in flight (counted) and is replaced after 10 ms;
  // its backlog is kept, so those requests are sent late and their latency shows it.
  void closeConn(Conn* c, bool lost_is_timeout = false) {
    if (c->closing) return;
    if (c->in_flight) {
      if (inWindow(c->intended_ns)) ++(lost_is_timeout ? counters_.timeouts : counters_.errors);
      c->in_flight = false;
    }
    c->open = false;
    c->closing = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), &Load::onClosed);
  }

  static void onClosed(uv_handle_t* h) {
    Conn* c = static_cast<Conn*>(h->data);
    c->closing = false;
    if (c->load->stopping_) return;
    ++c->load->counters_.reconnects;
    uv_timer_start(&c->retry_timer, &Load::onRetry, 10, 0);
  }

  static void onRetry(uv_timer_t* t) {
    Conn* c = static_cast<Conn*>(t->data);
    if (!c->load->stopping_) c->load->connect(c);
  }

  static void onAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
    Conn* c = static_cast<Conn*>(h->data);
    *buf = uv_buf_init(c->read_buf, sizeof(c->read_buf));
  }

  static void onRead(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
    Conn* c = static_cast<Conn*>(s->data);
    Load* self = c->load;
    if (n < 0) {
      self->closeConn(c);
      return;
    }
    if (n == 0) return;
    c->response_done = false;
    llhttp_errno_t err = llhttp_execute(&c->parser, buf->base, static_cast<size_t>(n));
    if (err != HPE_OK) {
      std::fprintf(stderr, "fixed-rate-load: bad response: %s\n", llhttp_errno_name(err));
      self->closeConn(c);
      return;
    }
    if (!c->response_done) return;
    if (!c->keep_alive) {
      self->closeConn(c);
      return;
    }
    self->sendNext(c);
  }

  static int onMessageComplete(llhttp_t* p) {
    Conn* c = static_cast<Conn*>(p->data);
    c->response_done = true;
    c->keep_alive = llhttp_should_keep_alive(p) != 0;
    c->load->onResponse(c, p->status_code);
    return 0;
  }

  void onResponse(Conn* c, int status) {
    uint64_t now = uv_hrtime();
    if (!c->in_flight) return;  // an unsolicited response: the parser state is reset anyway
    c->in_flight = false;
    if (now >= measure_start_ns_ && now < end_ns_) ++counters_.responses_in_window;
    if (!inWindow(c->intended_ns)) return;
    ++counters_.completed;
    if (status < 200 || status > 299) ++counters_.non2xx;
    corrected_ns_.push_back(now - c->intended_ns);
    uncorrected_ns_.push_back(now - c->sent_ns);
  }

  void sendNext(Conn* c) {
    if (!c->open || c->in_flight || c->write_pending || c->backlog.empty()) return;
    c->intended_ns = c->backlog.front();
    c->backlog.pop_front();
    c->in_flight = true;
    c->sent_ns = uv_hrtime();
    uv_buf_t buf = uv_buf_init(request_.data(), static_cast<unsigned>(request_.size()));
    auto* stream = reinterpret_cast<uv_stream_t*>(&c->tcp);
    int n = uv_try_write(stream, &buf, 1);
    if (n == static_cast<int>(request_.size())) return;
    if (n < 0 && n != UV_EAGAIN) {
      closeConn(c);
      return;
    }
    size_t done = n > 0 ? static_cast<size_t>(n) : 0;
    buf = uv_buf_init(request_.data() + done, static_cast<unsigned>(request_.size() - done));
    c->write_req.data = c;
    c->write_pending = true;
    uv_write(&c->write_req, stream, &buf, 1, [](uv_write_t* w, int status) {
      Conn* conn = static_cast<Conn*>(w->data);
      conn->write_pending = false;
      if (status == UV_ECANCELED) return;
      if (status != 0) {
        conn->load->closeConn(conn);
        return;
      }
      conn->load->sendNext(conn);
    });
  }

  // ---- the schedule -----------------------------------------------------------------------
  void maybeStartSchedule() {
    if (started_) return;
    for (const auto& c : conns_) {
      if (!c->open && uv_hrtime() < connect_deadline_ns_) return;
    }
    started_ = true;
    start_ns_ = uv_hrtime() + 1'000'000;  // 1 ms from now
    measure_start_ns_ = start_ns_ + static_cast<uint64_t>(o_.warmup_s * kNsPerSec);
    end_ns_ = measure_start_ns_ + static_cast<uint64_t>(o_.duration_s * kNsPerSec);
    next_tick_ = 0;
    armTimer(start_ns_);
    uv_poll_start(&tick_poll_, UV_READABLE, &Load::onTick);
  }

  uint64_t tickTime(uint64_t k) const {
    return start_ns_ + static_cast<uint64_t>(std::llround(static_cast<double>(k) * period_ns_));
  }
  bool inWindow(uint64_t intended) const {
    return intended >= measure_start_ns_ && intended < end_ns_;
  }

  void armTimer(uint64_t at_ns) {
    itimerspec its{};
    its.it_value.tv_sec = static_cast<time_t>(at_ns / kNsPerSec);
    its.it_value.tv_nsec = static_cast<long>(at_ns % kNsPerSec);
    timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &its, nullptr);
  }

  static void onTick(uv_poll_t* h, int, int) {
    Load* self = static_cast<Load*>(h->data);
    uint64_t expirations = 0;
    while (read(self->timer_fd_, &expirations, sizeof(expirations)) > 0) {
    }
    self->releaseDueRequests();
  }

  // Every tick whose time has come goes to its connection's backlog; then each connection
  // that is free sends its oldest one.
  void releaseDueRequests() {
    uint64_t now = uv_hrtime();
    size_t n = conns_.size();
    for (;;) {
      uint64_t t = tickTime(next_tick_);
      if (t >= end_ns_) {
        uv_poll_stop(&tick_poll_);
        schedule_done_ = true;
        return;
      }
      if (t > now) {
        armTimer(t);
        break;
      }
      if (inWindow(t)) ++counters_.scheduled;
      Conn* c = conns_[next_tick_ % n].get();
      c->backlog.push_back(t);
      ++next_tick_;
      sendNext(c);
    }
  }

  // Every 10 ms: start the schedule if the connect deadline passed, time out stuck requests,
  // and stop once the schedule is over and every request is answered (or --timeout passed).
  static void onWatchdog(uv_timer_t* t) {
    Load* self = static_cast<Load*>(t->data);
    uint64_t now = uv_hrtime();
    if (!self->started_) {
      if (now >= self->connect_deadline_ns_) self->maybeStartSchedule();
      return;
    }
    uint64_t timeout_ns = static_cast<uint64_t>(self->o_.timeout_s * kNsPerSec);
    for (auto& c : self->conns_) {
      if (c->in_flight && now - c->sent_ns > timeout_ns) self->closeConn(c.get(), true);
    }
    if (!self->schedule_done_) return;
    bool idle = true;
    for (auto& c : self->conns_) idle = idle && !c->in_flight && c->backlog.empty();
    if (idle || now > self->end_ns_ + timeout_ns) self->stop();
  }

  void stop() {
    stopping_ = true;
    for (auto& c : conns_) {
      for (uint64_t t : c->backlog) unsent_ += inWindow(t) ? 1 : 0;
      c->backlog.clear();
      if (c->in_flight && inWindow(c->intended_ns)) ++counters_.timeouts;
      c->in_flight = false;
      uv_timer_stop(&c->retry_timer);
      uv_close(reinterpret_cast<uv_handle_t*>(&c->retry_timer), nullptr);
      if (!c->closing && !uv_is_closing(reinterpret_cast<uv_handle_t*>(&c->tcp))) {
        uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), nullptr);
      }
    }
    uv_timer_stop(&watchdog_);
    uv_close(reinterpret_cast<uv_handle_t*>(&watchdog_), nullptr);
    if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&tick_poll_))) {
      uv_close(reinterpret_cast<uv_handle_t*>(&tick_poll_), nullptr);
    }
  }

  // ---- the report -------------------------------------------------------------------------
  // Nearest-rank percentile of sorted nanoseconds, in microseconds.
  static double pct(const std::vector<uint64_t>& sorted, double p) {
    if (sorted.empty()) return 0;
    size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    return static_cast<double>(sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1]) / 1000.0;
  }

  static std::string latencyJson(std::vector<uint64_t>& v) {
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (uint64_t x : v) sum += static_cast<double>(x);
    char out[256];
    std::snprintf(out, sizeof(out),
                  "{\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,"
                  "\"max_us\":%.1f,\"mean_us\":%.1f}",
                  pct(v, 50), pct(v, 90), pct(v, 99), pct(v, 99.9), pct(v, 100),
                  v.empty() ? 0.0 : sum / static_cast<double>(v.size()) / 1000.0);
    return out;
  }

  int report() {
    close(timer_fd_);
    uv_loop_close(&loop_);
    const Counters& k = counters_;
    double achieved = static_cast<double>(k.responses_in_window) / o_.duration_s;
    std::string corrected = latencyJson(corrected_ns_);
    std::string uncorrected = latencyJson(uncorrected_ns_);
    std::fprintf(stderr,
                 "fixed-rate-load: target %.1f req/s over %d connections for %.1f s (+%.1f s "
                 "warm-up): achieved %.1f req/s; %llu scheduled, %llu completed, %llu non-2xx, "
                 "%llu errors, %llu timeouts, %llu unsent, %llu connect errors\n"
                 "  latency from intended send (corrected): p50 %.0f us, p90 %.0f us, p99 %.0f "
                 "us, p99.9 %.0f us, max %.0f us\n",
                 o_.rate, o_.connections, o_.duration_s, o_.warmup_s, achieved,
                 (unsigned long long)k.scheduled, (unsigned long long)k.completed,
                 (unsigned long long)k.non2xx, (unsigned long long)k.errors,
                 (unsigned long long)k.timeouts, (unsigned long long)unsent_,
                 (unsigned long long)k.connect_errors, pct(corrected_ns_, 50),
                 pct(corrected_ns_, 90), pct(corrected_ns_, 99), pct(corrected_ns_, 99.9),
                 pct(corrected_ns_, 100));
    if (o_.json) {
      std::printf(
          "{\"target_rps\":%.3f,\"connections\":%d,\"duration_s\":%.3f,\"warmup_s\":%.3f,"
          "\"body_size\":%zu,\"achieved_rps\":%.1f,\"scheduled\":%llu,\"completed\":%llu,"
          "\"non2xx\":%llu,\"errors\":%llu,\"timeouts\":%llu,\"unsent\":%llu,"
          "\"connect_errors\":%llu,\"reconnects\":%llu,\"latency\":%s,"
          "\"latency_uncorrected\":%s}\n",
          o_.rate, o_.connections, o_.duration_s, o_.warmup_s, o_.body_size, achieved,
          (unsigned long long)k.scheduled, (unsigned long long)k.completed,
          (unsigned long long)k.non2xx, (unsigned long long)k.errors,
          (unsigned long long)k.timeouts, (unsigned long long)unsent_,
          (unsigned long long)k.connect_errors, (unsigned long long)k.reconnects, corrected.c_str(),
          uncorrected.c_str());
    }
    return 0;
  }

  Options o_;
  double period_ns_ = 0;
  std::string request_;
  llhttp_settings_t settings_{};
  sockaddr_in addr_{};
  uv_loop_t loop_{};
  int timer_fd_ = -1;
  uv_poll_t tick_poll_{};
  uv_timer_t watchdog_{};
  std::vector<std::unique_ptr<Conn>> conns_;
  bool started_ = false;
  bool schedule_done_ = false;
  bool stopping_ = false;
  uint64_t connect_deadline_ns_ = 0;
  uint64_t start_ns_ = 0;
  uint64_t measure_start_ns_ = 0;
  uint64_t end_ns_ = 0;
  uint64_t next_tick_ = 0;
  uint64_t unsent_ = 0;
  Counters counters_;
  std::vector<uint64_t> corrected_ns_;
  std::vector<uint64_t> uncorrected_ns_;
};

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  prctl(PR_SET_TIMERSLACK, 1UL);  // wake up on time, not up to 50 us late
  Options o = parseArgs(argc, argv);
  return Load(std::move(o)).run();
}
