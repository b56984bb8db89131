#include "proxy/core/crash_handler.h"

#include <execinfo.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <initializer_list>

namespace meshproxy {
namespace {

void onFatalSignal(int signum, siginfo_t*, void*) {
  // Only async-signal-safe calls here.
  const char* name = strsignal(signum);
  const char header[] = "\n*** meshproxy caught fatal signal: ";
  (void)!write(STDERR_FILENO, header, sizeof(header) - 1);
  (void)!write(STDERR_FILENO, name, strlen(name));
  (void)!write(STDERR_FILENO, " ***\n", 5);
  // Frames of meshproxy itself print as `meshproxy(+0xOFFSET)` (the binary exports no symbols:
  // see proxy/CMakeLists.txt); `addr2line -f -C -e meshproxy 0xOFFSET` names them.
  void* frames[64];
  int n = backtrace(frames, 64);
  backtrace_symbols_fd(frames, n, STDERR_FILENO);
  signal(signum, SIG_DFL);
  raise(signum);
}

}  // namespace

void installCrashHandler() {
  // Load libgcc's unwinder now: doing it inside the handler could allocate.
  void* warmup[1];
  backtrace(warmup, 1);
  struct sigaction sa {};
  sa.sa_sigaction = &onFatalSignal;
  sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigaction(s, &sa, nullptr);
}

}  // namespace meshproxy
