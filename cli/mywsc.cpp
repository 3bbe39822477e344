// mywsc: a command-line WebSocket client built only on the C++ class
// MyWSClient (include/MyWSClient.h). `mywsc --help` and cli/mywsc.1 say
// what it does; the flags are the table in flags.cpp.
//
// Threads: the main thread reads standard input and sends; the client's I/O
// thread runs the callbacks, which print messages (stdout, or --binary-file)
// and events (stderr). A self-pipe wakes the main thread for signals and for
// what the callbacks report (stopped, --count reached, stdout closed).
//
// Rooms: args.cpp (the command line), flags.cpp (the flag table),
// output.cpp (messages and events printed), wake.cpp (self-pipe, signals),
// pump.cpp (standard input sent, drain, linger); this file sets the client
// up, wires its callbacks and decides the exit status.
#include "MyWSClient.h"
#include "args.h"
#include "flags.h"
#include "output.h"
#include "pump.h"
#include "wake.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#ifndef MYWSC_VERSION
#define MYWSC_VERSION "unknown"
#endif

namespace
{

using namespace mywsc;
using std::chrono::milliseconds;

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

  InputResult input = sendInput(client, settings, sh, report);
  int status = input.status;
  const bool eof = input.eof;

  MyWSClient::Stats st = client.stats();
  if (caughtSignal() != 0)
    status = 128 + caughtSignal();
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
  if (!mywsc::installWake())
  {
    std::perror("mywsc: pipe2");
    return 1;
  }
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
