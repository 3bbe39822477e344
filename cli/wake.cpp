// mywsc's self-pipe and signal handlers (see wake.h).
#include "wake.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

namespace mywsc
{
namespace
{

int g_wake[2] = {-1, -1}; // self-pipe: [0] read by main, [1] written by callbacks and signal handlers
volatile sig_atomic_t g_signal = 0;

extern "C" void onSignal(int sig)
{
  g_signal = sig;
  int saved = errno;
  wake();
  errno = saved;
}

} // namespace

bool installWake()
{
  if (pipe2(g_wake, O_CLOEXEC | O_NONBLOCK) != 0)
    return false;
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = onSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN); // a closed stdout is reported, not fatal
  return true;
}

void wake() noexcept
{
  char c = 1;
  ssize_t r = write(g_wake[1], &c, 1); // a full pipe is already awake
  (void)r;
}

void waitWake(int timeoutMs)
{
  pollfd p{g_wake[0], POLLIN, 0};
  if (poll(&p, 1, timeoutMs) > 0)
  {
    char buf[64];
    while (read(g_wake[0], buf, sizeof buf) > 0)
    {
    }
  }
}

int wakeFd() { return g_wake[0]; }

int caughtSignal() { return g_signal; }

} // namespace mywsc
