// mywsc's main loop (see pump.h).
#include "pump.h"

#include "wake.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <string>
#include <unistd.h>

namespace mywsc
{

using std::chrono::milliseconds;

InputResult sendInput(MyWSClient &client, const Settings &settings, Shared &sh, Reporter &report)
{
  std::string why;
  // ---------------------------------------------------------------- send stdin
  int status = 0;
  std::uint64_t lines = 0;
  auto interrupted = [&]
  {
    return caughtSignal() != 0 || sh.stopped.load() || sh.outputFailed.load() ||
           (settings.count != 0 && sh.received.load() >= settings.count);
  };
  // Queues one line; waits while the queue is full (back-pressure: there is
  // no "queue has room" event, so it polls stats() every 10 ms). A line
  // refused for good is reported and skipped (exit status 1). False when
  // interrupted.
  std::uint64_t lineNo = 0;
  auto send = [&](const std::string &line)
  {
    lineNo++;
    while (true)
    {
      bool ok = settings.sendBinary ? client.trySendBinary(line, &why) : client.trySendMessage(line, &why);
      if (ok)
      {
        lines++;
        return true;
      }
      std::uint64_t queued = client.stats().queuedMessages;
      if (queued == 0)
      {
        // Refused with an empty queue: never acceptable (too large, invalid UTF-8, ...).
        report.error("send", "line " + std::to_string(lineNo) + " not sent: " + why);
        status = 1;
        return true;
      }
      while (!interrupted() && client.stats().queuedMessages >= queued)
        waitWake(10);
      if (interrupted())
        return false;
    }
  };

  std::string pending;
  bool eof = false;
  char buf[65536];
  while (!eof && !interrupted())
  {
    pollfd p[2] = {{STDIN_FILENO, POLLIN, 0}, {wakeFd(), POLLIN, 0}};
    if (poll(p, 2, -1) < 0)
    {
      if (errno == EINTR)
        continue;
      report.error("poll", std::strerror(errno));
      status = 1;
      break;
    }
    if (p[1].revents)
      waitWake(0);
    if (!p[0].revents)
      continue;
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n <= 0)
    {
      eof = true;
      if (!pending.empty())
        send(pending);
      break;
    }
    pending.append(buf, static_cast<std::size_t>(n));
    std::size_t start = 0, nl;
    while ((nl = pending.find('\n', start)) != std::string::npos)
    {
      if (!send(pending.substr(start, nl - start)))
        break;
      start = nl + 1;
    }
    pending.erase(0, start);
  }

  // ---------------------------------------------------------------- drain and linger
  // The library has no "queue drained" event: poll stats() every 10 ms.
  if (eof && !interrupted())
  {
    std::uint64_t queued = client.stats().queuedMessages;
    report.event("eof",
                 "eof: " + std::to_string(lines) + " line(s) accepted, " + std::to_string(queued) + " still queued",
                 "\"lines\":" + std::to_string(lines) + ",\"queued\":" + std::to_string(queued));
    auto deadline = Clock::now() + settings.drainTimeout;
    bool drained = true;
    while (!interrupted() && client.stats().queuedMessages > 0)
    {
      if (settings.drainTimeout.count() > 0 && Clock::now() >= deadline)
      {
        report.error("drain timeout", std::to_string(client.stats().queuedMessages) + " message(s) still queued");
        status = 1;
        drained = false;
        break;
      }
      waitWake(10);
    }
    // Replies may still be on their way: closing now would drop them (the
    // library discards data that arrives while it closes). Wait until
    // nothing has arrived for --linger.
    if (drained)
    {
      auto quietSince = [&] { return Clock::time_point(Clock::duration(sh.lastReceive.load())); };
      auto lingerStart = Clock::now();
      while (!interrupted())
      {
        if (settings.lingerForever)
        {
          waitWake(-1);
          continue;
        }
        auto since = std::max(quietSince(), lingerStart);
        auto left = std::chrono::duration_cast<milliseconds>(since + settings.linger - Clock::now()).count();
        if (left <= 0)
          break;
        waitWake(static_cast<int>(std::min<long long>(left, 1000)));
      }
    }
  }
  return {status, eof};
}

} // namespace mywsc
