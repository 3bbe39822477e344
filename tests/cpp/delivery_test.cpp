// The C++ class's control-frame, receipt and flow-control additions against
// the control server (tools): ping()/onPong with a delayed pong,
// close(code, reason) seen by the server and close-then-reconnect,
// sendMessageEx/sendBinaryEx with onWritten/onDiscarded (each id once, in
// order, across a cut and a stop with discard), onQueueHigh/onQueueDrained
// under a server that stops reading, drop-oldest overflow, and the new
// stats. Built and run normally and under ThreadSanitizer and
// AddressSanitizer.
//
//   delivery_test [TEST_NAME...]
#include "MyWSClient.h"
#include "test_support.h"

#include <map>

using namespace std::chrono_literals;
using testsupport::Process;

namespace
{

const std::string kHost = "ws://127.0.0.1";

std::string controlServerPath()
{
  const char *p = std::getenv("MYWSCLIENT_CONTROL_SERVER");
  if (p && *p)
    return p;
#ifdef MYWSCLIENT_CONTROL_SERVER_DEFAULT
  return MYWSCLIENT_CONTROL_SERVER_DEFAULT;
#else
  throw std::runtime_error("set MYWSCLIENT_CONTROL_SERVER to the mywsclient-control-server binary");
#endif
}

/// The control server: commands on its stdin, event lines on its stdout.
struct Control
{
  Process process;
  int port = 0;

  explicit Control(std::vector<std::string> extra = {})
  {
    std::vector<std::string> argv = {controlServerPath()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process = Process::spawn(argv, {}, {}, false);
    std::string line;
    if (!Process::readLine(process.stdoutFd(), line, 30s) || line.rfind("LISTENING ", 0) != 0)
      throw std::runtime_error("control server did not start: \"" + line + "\"");
    port = std::stoi(line.substr(10));
  }

  void command(const std::string &cmd)
  {
    std::string l = cmd + "\n";
    // The server's stdin is a pipe we own: write(2) of a short line is whole.
    CHECK(::write(stdinFd(), l.data(), l.size()) == static_cast<ssize_t>(l.size()));
  }

  /// The next line starting with `prefix` (others are skipped); "" on timeout.
  std::string expectLine(const std::string &prefix, std::chrono::milliseconds timeout = 30s)
  {
    auto deadline = testsupport::Clock::now() + timeout;
    std::string line;
    while (testsupport::Clock::now() < deadline)
    {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - testsupport::Clock::now());
      if (!Process::readLine(process.stdoutFd(), line, left))
        break;
      if (line.rfind(prefix, 0) == 0)
        return line;
    }
    return "";
  }

private:
  int stdinFd() const { return process.stdinFd(); }
};

/// What one client reported, under one mutex; waits are bounded.
struct Seen : testsupport::Recorder
{
  int opens = 0, stopped = 0, highs = 0, drains = 0;
  std::vector<std::pair<std::chrono::microseconds, std::string>> pongs;
  std::vector<std::pair<std::uint64_t, int>> receipts; // id, -1 written or the discard reason
  std::size_t highBytes = 0, drainedBytes = 0;

  void attach(MyWSClient &c)
  {
    CHECK(c.onOpen([this](const std::string &) { record([&] { opens++; }); }));
    CHECK(c.onStopped([this] { record([&] { stopped++; }); }));
    CHECK(c.onPong([this](std::chrono::microseconds rtt, const std::string &payload)
                   { record([&] { pongs.emplace_back(rtt, payload); }); }));
    CHECK(c.onWritten([this](std::uint64_t id) { record([&] { receipts.emplace_back(id, -1); }); }));
    CHECK(c.onDiscarded([this](std::uint64_t id, MyWSClient::DiscardReason why)
                        { record([&] { receipts.emplace_back(id, static_cast<int>(why)); }); }));
    CHECK(c.onQueueHigh([this](std::size_t bytes) { record([&] { highs++, highBytes = bytes; }); }));
    CHECK(c.onQueueDrained([this](std::size_t bytes) { record([&] { drains++, drainedBytes = bytes; }); }));
  }

  /// Ids 1..n each once, in order.
  bool receiptsInOrder(std::uint64_t n)
  {
    std::lock_guard<std::mutex> lock(m);
    if (receipts.size() != n)
      return false;
    for (std::size_t i = 0; i < receipts.size(); i++)
      if (receipts[i].first != i + 1)
        return false;
    return true;
  }
};

} // namespace

TEST(ping_measures_the_round_trip)
{
  Control server({"--pong-delay-ms", "200"});
  Seen seen;
  MyWSClient client(kHost, server.port, "/");
  seen.attach(client);
  std::string why;
  CHECK(!client.ping("early", &why));
  CHECK(!why.empty());
  client.start();
  CHECK(seen.wait([&] { return seen.opens == 1; }));
  CHECK(!client.ping(std::string(126, 'x'), &why));
  CHECK(client.ping("abc"));
  CHECK(seen.wait([&] { return seen.pongs.size() == 1; }));
  CHECK(seen.pongs[0].second == "abc");
  CHECK(seen.pongs[0].first >= 200ms); // causal: the server waits before answering
  MyWSClient::Stats st = client.stats();
  CHECK(st.rttSamples >= 1 && st.rttLast >= 200ms && st.rttSmoothed >= 200ms);
}

TEST(close_with_code_and_reason)
{
  Control server;
  Seen seen;
  MyWSClient client(kHost, server.port, "/");
  seen.attach(client);
  CHECK(!client.close(999, "no"));
  CHECK(!client.close(4000, std::string(124, 'r')));
  CHECK(!client.close(4000, "", MyWSClient::AfterClose::Reconnect)); // not running
  client.start();
  CHECK(seen.wait([&] { return seen.opens == 1; }));
  CHECK(client.close(4002, "again", MyWSClient::AfterClose::Reconnect));
  CHECK(server.expectLine("CLOSE ") == "CLOSE 4002 again");
  CHECK(seen.wait([&] { return seen.opens == 2; }));
  CHECK(client.close(4000, "done here"));
  CHECK(server.expectLine("CLOSE ") == "CLOSE 4000 done here");
  CHECK(client.state() == MyWSClient::State::Stopped);
  CHECK(seen.wait([&] { return seen.stopped == 1; }));
}

TEST(receipts_for_a_burst_a_cut_and_a_discarding_stop)
{
  Control server({"--recv-buffer", "16384"});
  Seen seen;
  MyWSClient client(kHost, server.port, "/");
  seen.attach(client);
  std::string why;
  CHECK(client.sendMessageEx("\xc3\x28", false, &why) == 0);
  client.start();
  CHECK(seen.wait([&] { return seen.opens == 1; }));
  std::uint64_t last = 0;
  for (int i = 0; i < 400; i++)
  {
    std::uint64_t id = i % 2 ? client.sendBinaryEx(std::string("b") + std::to_string(i))
                             : client.sendMessageEx("t" + std::to_string(i));
    CHECK(id == last + 1);
    last = id;
    if (i == 200)
      server.command("kill");
  }
  CHECK(seen.wait([&] { return seen.receipts.size() == last; }));
  CHECK(seen.receiptsInOrder(last));
  server.command("pause");
  std::string chunk(16 << 10, 'z');
  for (int i = 0; i < 600; i++)
    last = client.sendBinaryEx(chunk);
  CHECK(last != 0);
  CHECK(client.close(1000, "", MyWSClient::AfterClose::StopAndDiscard));
  CHECK(seen.wait([&] { return seen.stopped == 1; }));
  CHECK(seen.receiptsInOrder(last));
  std::lock_guard<std::mutex> lock(seen.m);
  bool inTail = false;
  for (const auto &r : seen.receipts)
  {
    if (r.second != -1)
    {
      CHECK(r.second == static_cast<int>(MyWSClient::DiscardReason::Stopped));
      inTail = true;
    }
    CHECK(!inTail || r.second != -1);
  }
  CHECK(inTail); // 9.6 MB cannot all fit the socket buffers of a paused server
  MyWSClient::Stats st = client.stats();
  CHECK(st.receiptsWritten + st.receiptsDiscarded == last);
}

TEST(watermarks_under_a_server_that_stops_reading)
{
  Control server({"--paused", "--recv-buffer", "16384"});
  Seen seen;
  MyWSClient client(kHost, server.port, "/");
  seen.attach(client);
  // The paused server answers no ping: with the heartbeat on, a slow run
  // (sanitizers, a loaded machine) could declare the connection dead before
  // the resume, and the new connection would start paused again.
  CHECK(client.setHeartbeat(std::chrono::milliseconds(0), std::chrono::milliseconds(0)));
  CHECK(!client.setQueueWatermarks(1000, 2000));
  CHECK(client.setQueueWatermarks(1 << 20, 256 << 10));
  client.start();
  CHECK(seen.wait([&] { return seen.opens == 1; }));
  // 16 MiB to a server that reads nothing: the kernel (at most 4 MiB of
  // send buffer with Linux's defaults) takes part of it, the rest stays
  // queued. While the socket buffer grows the queue may rise past the high
  // mark and drain again; in the end it stays high.
  std::string chunk(64 << 10, 'w');
  for (int i = 0; i < 256; i++)
    client.sendBinary(chunk);
  CHECK(seen.wait([&] { return seen.highs >= 1 && seen.highs == seen.drains + 1; }));
  CHECK(seen.highBytes >= (1u << 20));
  server.command("resume");
  CHECK(seen.wait([&] { return seen.drains == seen.highs; }));
  std::lock_guard<std::mutex> lock(seen.m);
  CHECK(seen.drainedBytes <= (256u << 10));
}

TEST(drop_oldest_overflow)
{
  Control server({"--echo"});
  Seen seen;
  MyWSClient client(kHost, server.port, "/");
  seen.attach(client);
  CHECK(client.setOverflowPolicy(MyWSClient::OverflowPolicy::DropOldest));
  CHECK(client.setQueueLimits(1 << 20, 10));
  for (int i = 0; i < 15; i++)
    CHECK(client.sendMessageEx("m" + std::to_string(i)) == static_cast<std::uint64_t>(i) + 1);
  client.start();
  CHECK(seen.wait([&] { return seen.receipts.size() == 15; }));
  CHECK(seen.receiptsInOrder(15));
  std::lock_guard<std::mutex> lock(seen.m);
  for (std::size_t i = 0; i < 15; i++)
    CHECK(seen.receipts[i].second == (i < 5 ? static_cast<int>(MyWSClient::DiscardReason::Overflow) : -1));
}

int main(int argc, char **argv)
{
  signal(SIGPIPE, SIG_IGN);
  return testsupport::runAll(argc, argv);
}
