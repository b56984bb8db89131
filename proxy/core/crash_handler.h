#pragma once

namespace meshproxy {

// On SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT, writes a backtrace to stderr (so a crash in
// the field leaves more than an exit code), then re-raises the signal with the default action.
void installCrashHandler();

}  // namespace meshproxy
