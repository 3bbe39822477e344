// What mywsc prints: received messages on stdout (or --binary-file) and
// events on stderr, as text ("mywsc: open ...") or JSON lines (--json).
#pragma once

#include "MyWSClient.h"
#include "flags.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace mywsc
{

using Clock = std::chrono::steady_clock;

/// `s` as a JSON string, quotes included.
std::string jsonString(const std::string &s);

/// "error", "warn", "info", "debug" or "off".
const char *levelName(MyWSClient::LogLevel l);

/// "client", "server" or "abnormal".
const char *initiatorName(MyWSClient::CloseInitiator i);

/// Events on stderr, as text ("mywsc: open ...") or JSON lines; from both threads.
class Reporter
{
public:
  Reporter(bool json, bool quiet) : json_(json), quiet_(quiet), start_(Clock::now()) {}

  /// One event: `text` for humans; `fields` (JSON members after "event") for --json.
  void event(const char *name, const std::string &text, const std::string &fields = "", bool isError = false);

  /// An "error" event (shown with --quiet too).
  void error(const std::string &kind, const std::string &message);

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

/// Writes one received message: text as a line on stdout, binary raw to
/// `binaryOut` (--binary-file) or as a hex line on stdout. Counts it in `sh`
/// and wakes the main thread when the output failed or --count is reached.
void printMessage(Shared &sh, const Settings &s, FILE *binaryOut, const std::string &m, bool binary);

} // namespace mywsc
