// mywsc's command-line flags: one table row per flag (flags.cpp), each
// applying itself to the MyWSClient being configured or to the CLI's own
// settings. Adding a library option to the CLI is one row in kFlags.
#pragma once

#include "MyWSClient.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mywsc
{

/// What the CLI itself does (not library options).
struct Settings
{
  bool once = false;       ///< --once: no reconnect; exit when the connection ends
  bool json = false;       ///< --json: events on stderr as JSON lines
  bool quiet = false;      ///< --quiet: only errors on stderr
  bool sendBinary = false; ///< --send-binary: stdin lines go out as binary messages
  std::string binaryFile;  ///< --binary-file: received binary messages (raw) go there
  std::uint64_t count = 0; ///< --count: exit after this many received messages (0 = no limit)
  /// --linger: after EOF and the queue drained, wait until nothing arrived for this long.
  std::chrono::milliseconds linger{1000};
  bool lingerForever = false;
  /// --drain-timeout: give up waiting for the queue to drain after EOF (0 = wait as long as it takes).
  std::chrono::milliseconds drainTimeout{0};
};

/// Options that several flags build together; applied after the table (applyGathered).
struct Gathered
{
  std::optional<std::vector<std::string>> subprotocols;
  std::string certFile, keyFile;
  std::optional<std::chrono::milliseconds> connectTimeout, handshakeTimeout, closeTimeout;
};

/// What a flag's action may touch.
struct Target
{
  MyWSClient &client;
  Settings &settings;
  Gathered &gathered;
};

/// A bad value on the command line (exit status 2).
struct UsageError : std::runtime_error
{
  using std::runtime_error::runtime_error;
};

/// One row of the table. `arg` is nullptr for a switch. A row with a null
/// `name` is a section heading (its `help` is the title). `apply` returns
/// false when the library refused the option (the reason is in lastError());
/// it throws UsageError for a value it cannot parse.
struct Flag
{
  const char *name;
  const char *arg;
  const char *help;
  bool (*apply)(Target &t, const std::string &value);
};

/// The table, in --help order.
const std::vector<Flag> &flags();

/// The flag named `name` ("--heartbeat"), or nullptr.
const Flag *findFlag(const std::string &name);

/// Applies what several flags built together (subprotocols, client
/// certificate, timeouts). False when the library refused it.
bool applyGathered(Target &t);

/// --help text, generated from the table.
std::string usage();

// Value parsers (throw UsageError).
std::chrono::milliseconds parseDuration(const std::string &s); ///< "250" or "250ms", "3s", "1.5s", "2m"
std::size_t parseSize(const std::string &s);                   ///< "1000", "64K", "16M", "1G" (K = 1024)
std::uint64_t parseCount(const std::string &s);                ///< a non-negative integer
std::vector<std::string> splitList(const std::string &s);      ///< "a,b,c"

} // namespace mywsc
