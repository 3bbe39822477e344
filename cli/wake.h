// mywsc's self-pipe: wakes the main thread for signals (SIGINT, SIGTERM) and
// for what the callbacks report (stopped, --count reached, stdout closed).
#pragma once

namespace mywsc
{

/// Creates the pipe and installs the signal handlers (SIGPIPE ignored: a
/// closed stdout is reported, not fatal). False, with errno set, when the
/// pipe cannot be made.
bool installWake();

/// Wakes the main thread; callable from any thread and from a signal handler.
void wake() noexcept;

/// Waits until the pipe is readable or `timeoutMs` passes (negative: no
/// limit), then empties it.
void waitWake(int timeoutMs);

/// The pipe's read end, for poll() beside another descriptor.
int wakeFd();

/// The last signal caught (SIGINT, SIGTERM), or 0.
int caughtSignal();

} // namespace mywsc
