// mywsc: a command-line WebSocket client built only on the C++ class
// MyWSClient (include/MyWSClient.h). `mywsc --help` and cli/mywsc.1 say
// what it does; the flags are the table in flags.cpp.
//
// Threads: the main thread reads standard input and sends; the client's I/O
// thread runs the callbacks, which print messages (stdout, or --binary-file)
// and events (stderr). A self-pipe wakes the main thread for signals and for
// what the callbacks report (stopped, --count reached, stdout closed).
#include "MyWSClient.h"
#include "flags.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <mutex>
#include <poll.h>
#include <signal.h>
#include <string>
#include <unistd.h>
#include <vector>

#ifndef MYWSC_VERSION
#define MYWSC_VERSION "unknown"
#endif

namespace
{

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

int g_wake[2] = {-1, -1}; // self-pipe: [0] read by main, [1] written by callbacks and signal handlers
volatile sig_atomic_t g_signal = 0;

void wake() noexcept
{
  char c = 1;
  ssize_t r = write(g_wake[1], &c, 1); // a full pipe is already awake
  (void)r;
}

extern "C" void onSignal(int sig)
{
  g_signal = sig;
  int saved = errno;
  wake();
  errno = saved;
}

/// Waits until the wake pipe is readable or `timeout` passes (negative: no
/// limit), then empties it.
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

std::string jsonString(const std::string &s)
{
  std::string o = "\"";
  for (char ch : s)
  {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c)
    {
    case '"':
      o += "\\\"";
      break;
    case '\\':
      o += "\\\\";
      break;
    case '\n':
      o += "\\n";
      break;
    case '\r':
      o += "\\r";
      break;
    case '\t':
      o += "\\t";
      break;
    default:
      if (c < 0x20)
      {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        o += buf;
      }
      else
        o += static_cast<char>(c);
    }
  }
  return o + "\"";
}

const char *levelName(MyWSClient::LogLevel l)
{
  switch (l)
  {
  case MyWSClient::LogLevel::Error:
    return "error";
  case MyWSClient::LogLevel::Warn:
    return "warn";
  case MyWSClient::LogLevel::Info:
    return "info";
  case MyWSClient::LogLevel::Debug:
    return "debug";
  default:
    return "off";
  }
}

const char *initiatorName(MyWSClient::CloseInitiator i)
{
  switch (i)
  {
  case MyWSClient::CloseInitiator::Client:
    return "client";
  case MyWSClient::CloseInitiator::Server:
    return "server";
  default:
    return "abnormal";
  }
}

/// Events on stderr, as text ("mywsc: open ...") or JSON lines; from both threads.
class Reporter
{
public:
  Reporter(bool json, bool quiet) : json_(json), quiet_(quiet), start_(Clock::now()) {}

  /// One event: `text` for humans; `fields` (JSON members after "event") for --json.
  void event(const char *name, const std::string &text, const std::string &fields = "", bool isError = false)
  {
    if (quiet_ && !isError)
      return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (json_)
    {
      double t = std::chrono::duration<double>(Clock::now() - start_).count();
      std::fprintf(stderr, "{\"event\":\"%s\",\"t\":%.3f%s%s}\n", name, t, fields.empty() ? "" : ",", fields.c_str());
    }
    else
      std::fprintf(stderr, "mywsc: %s\n", text.c_str());
    std::fflush(stderr);
  }

  void error(const std::string &kind, const std::string &message)
  {
    event("error", "error (" + kind + "): " + message,
          "\"kind\":" + jsonString(kind) + ",\"message\":" + jsonString(message), true);
  }

private:
  std::mutex mutex_;
  bool json_, quiet_;
  Clock::time_point start_;
};

/// What the callbacks tell the main thread.
struct Shared
{
  std::atomic<bool> stopped{false};      ///< the client stopped by itself (--once, gave up)
  std::atomic<bool> outputFailed{false}; ///< stdout or --binary-file could not be written
  std::atomic<std::uint64_t> received{0};
  std::atomic<Clock::rep> lastReceive{Clock::now().time_since_epoch().count()};
};

bool writeAll(FILE *f, const void *data, std::size_t len) { return std::fwrite(data, 1, len, f) == len; }

void printMessage(Shared &sh, const mywsc::Settings &s, FILE *binaryOut, const std::string &m, bool binary)
{
  bool ok;
  if (!binary)
    ok = writeAll(stdout, m.data(), m.size()) && std::fputc('\n', stdout) != EOF && std::fflush(stdout) == 0;
  else if (binaryOut)
    ok = writeAll(binaryOut, m.data(), m.size()) && std::fflush(binaryOut) == 0;
  else
  {
    static const char digits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(m.size() * 2 + 1);
    for (char ch : m)
    {
      unsigned char c = static_cast<unsigned char>(ch);
      hex += digits[c >> 4];
      hex += digits[c & 15];
    }
    hex += '\n';
    ok = writeAll(stdout, hex.data(), hex.size()) && std::fflush(stdout) == 0;
  }
  sh.lastReceive.store(Clock::now().time_since_epoch().count());
  std::uint64_t n = sh.received.fetch_add(1) + 1;
  if (!ok && !sh.outputFailed.exchange(true))
    wake();
  if (s.count != 0 && n == s.count)
    wake();
}

/// Parsed command line.
struct CommandLine
{
  std::string url;
  std::vector<std::pair<const mywsc::Flag *, std::string>> flags;
};

CommandLine parseArgs(int argc, char **argv, bool &help, bool &version)
{
  CommandLine cl;
  for (int i = 1; i < argc; i++)
  {
    std::string a = argv[i];
    if (a == "--help" || a == "-h")
    {
      help = true;
      continue;
    }
    if (a == "--version" || a == "-V")
    {
      version = true;
      continue;
    }
    if (a.size() > 2 && a.compare(0, 2, "--") == 0)
    {
      std::string value;
      bool inlineValue = false;
      auto eq = a.find('=');
      if (eq != std::string::npos)
      {
        value = a.substr(eq + 1);
        a = a.substr(0, eq);
        inlineValue = true;
      }
      const mywsc::Flag *f = mywsc::findFlag(a);
      if (!f)
        throw mywsc::UsageError("unknown option " + a + " (see mywsc --help)");
      if (f->arg && !inlineValue)
      {
        if (i + 1 >= argc)
          throw mywsc::UsageError(a + " needs a value: " + f->arg);
        value = argv[++i];
      }
      else if (!f->arg && inlineValue)
        throw mywsc::UsageError(a + " takes no value");
      cl.flags.emplace_back(f, value);
      continue;
    }
    if (a.size() > 1 && a[0] == '-')
      throw mywsc::UsageError("unknown option " + a + " (see mywsc --help)");
    if (!cl.url.empty())
      throw mywsc::UsageError("more than one URL: '" + cl.url + "' and '" + a + "'");
    cl.url = a;
  }
  return cl;
}

int run(int argc, char **argv)
{
  bool help = false, version = false;
  CommandLine cl;
  try
  {
    cl = parseArgs(argc, argv, help, version);
  }
  catch (const mywsc::UsageError &e)
  {
    std::fprintf(stderr, "mywsc: %s\n", e.what());
    return 2;
  }
  if (help)
  {
    std::fputs(mywsc::usage().c_str(), stdout);
    return 0;
  }
  if (version)
  {
    std::printf("mywsc %s (%s)\n", MYWSC_VERSION, MyWSClient::version().c_str());
    return 0;
  }
  if (cl.url.empty())
  {
    std::fprintf(stderr, "mywsc: no URL given\n%s", mywsc::usage().c_str());
    return 2;
  }

  // Declared before the client: destroyed after it, so no callback can see them gone.
  mywsc::Settings settings;
  mywsc::Gathered gathered;
  Shared sh;
  std::unique_ptr<Reporter> reportPtr;
  FILE *binaryOut = nullptr;
  struct CloseFile
  {
    FILE *&f;
    ~CloseFile()
    {
      if (f)
        std::fclose(f);
    }
  } closeBinary{binaryOut};

  MyWSClient client(cl.url, 0, "");
  if (!client.valid())
  {
    std::fprintf(stderr, "mywsc: %s\n", client.lastError().c_str());
    return 2;
  }

  mywsc::Target target{client, settings, gathered};
  try
  {
    for (const auto &[flag, value] : cl.flags)
      if (!flag->apply(target, value))
      {
        std::fprintf(stderr, "mywsc: %s %s: %s\n", flag->name, value.c_str(), client.lastError().c_str());
        return 2;
      }
    if (!mywsc::applyGathered(target))
    {
      std::fprintf(stderr, "mywsc: %s\n", client.lastError().c_str());
      return 2;
    }
  }
  catch (const mywsc::UsageError &e)
  {
    std::fprintf(stderr, "mywsc: %s\n", e.what());
    return 2;
  }

  if (!settings.binaryFile.empty())
  {
    binaryOut = std::fopen(settings.binaryFile.c_str(), "wb");
    if (!binaryOut)
    {
      std::fprintf(stderr, "mywsc: cannot open %s: %s\n", settings.binaryFile.c_str(), std::strerror(errno));
      return 2;
    }
  }

  reportPtr = std::make_unique<Reporter>(settings.json, settings.quiet);
  Reporter &report = *reportPtr;
  const std::string url = cl.url;

  client.onMessage([&](const std::string &m) { printMessage(sh, settings, binaryOut, m, false); });
  client.onBinaryMessage([&](const std::string &m) { printMessage(sh, settings, binaryOut, m, true); });
  client.onOpen(
      [&](const std::string &sub)
      {
        report.event("open", "open " + url + (sub.empty() ? "" : " (subprotocol " + sub + ")"),
                     "\"url\":" + jsonString(url) + ",\"subprotocol\":" + jsonString(sub));
      });
  client.onClose(
      [&](int code, const std::string &reason, MyWSClient::CloseInitiator by)
      {
        report.event("close",
                     "closed " + std::to_string(code) + (reason.empty() ? "" : " \"" + reason + "\"") + " by " +
                         initiatorName(by),
                     "\"code\":" + std::to_string(code) + ",\"reason\":" + jsonString(reason) + ",\"by\":\"" +
                         initiatorName(by) + "\"");
      });
  client.onError([&](MyWSClient::ErrorKind kind, const std::string &message)
                 { report.error(MyWSClient::errorKindName(kind), message); });
  client.onReconnect(
      [&](unsigned attempt, milliseconds delay)
      {
        report.event("reconnect",
                     "reconnecting in " + std::to_string(delay.count()) + " ms (attempt " + std::to_string(attempt) +
                         ")",
                     "\"attempt\":" + std::to_string(attempt) + ",\"delay_ms\":" + std::to_string(delay.count()));
      });
  client.onStopped(
      [&]
      {
        sh.stopped.store(true);
        wake();
      });
  if (settings.json)
    client.setLogCallback(
        [&](MyWSClient::LogLevel level, const std::string &line)
        {
          report.event("log", line, std::string("\"level\":\"") + levelName(level) + "\",\"line\":" + jsonString(line),
                       level <= MyWSClient::LogLevel::Error);
        });

  std::string why;
  if (!client.tryStart(&why))
  {
    report.error("start", why);
    return 1;
  }

  // ---------------------------------------------------------------- send stdin
  int status = 0;
  std::uint64_t lines = 0;
  auto interrupted = [&]
  {
    return g_signal != 0 || sh.stopped.load() || sh.outputFailed.load() ||
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
    pollfd p[2] = {{STDIN_FILENO, POLLIN, 0}, {g_wake[0], POLLIN, 0}};
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

  MyWSClient::Stats st = client.stats();
  if (g_signal != 0)
    status = 128 + g_signal;
  else if (sh.outputFailed.load())
  {
    report.error("output", "cannot write the received messages");
    status = 1;
  }
  else if (sh.stopped.load())
  {
    // The client stopped by itself (--once, or it gave up): fine only when
    // all input was read and written and the server closed normally.
    bool clean = eof && st.queuedMessages == 0 && (st.lastCloseCode == 1000 || st.lastCloseCode == 1001);
    if (!clean)
      status = 1;
  }
  client.stop();
  st = client.stats();
  if (st.queuedMessages > 0 && status == 0)
    status = 1;
  if (binaryOut)
  {
    if (std::fclose(binaryOut) != 0 && status == 0)
      status = 1;
    binaryOut = nullptr;
  }
  report.event("exit",
               "exit " + std::to_string(status) + ": " + std::to_string(st.messagesSent) + " sent, " +
                   std::to_string(sh.received.load()) + " received, " + std::to_string(st.queuedMessages) + " not sent",
               "\"status\":" + std::to_string(status) + ",\"sent\":" + std::to_string(st.messagesSent) +
                   ",\"received\":" + std::to_string(sh.received.load()) + ",\"unsent\":" +
                   std::to_string(st.queuedMessages) + ",\"connections\":" + std::to_string(st.connections),
               status != 0);
  return status;
}

} // namespace

int main(int argc, char **argv)
{
  if (pipe2(g_wake, O_CLOEXEC | O_NONBLOCK) != 0)
  {
    std::perror("mywsc: pipe2");
    return 1;
  }
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = onSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN); // a closed stdout is reported, not fatal
  try
  {
    return run(argc, argv);
  }
  catch (const std::exception &e)
  {
    std::fprintf(stderr, "mywsc: %s\n", e.what());
    return 1;
  }
}
