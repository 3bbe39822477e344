// cpp-demo: MyWSClient used the way a user uses it (the installed package,
// find_package(MyWSClient), MyWSClient::MyWSClient).
//
//   cpp-demo URL      connect to URL (ws://host:port/path or wss://...),
//                     echo a few messages, print what happened
//   cpp-demo          start the project's own echo server and show, as a
//                     timeline: connect, echoes, the server killed, sends
//                     queued during the outage, the server back on the same
//                     port, the automatic reconnect, the queued messages
//                     delivered in order
//
// The echo server is $MYWSCLIENT_ECHO_SERVER, else the path baked in at
// configure time (MYWSCLIENT_DEMO_ECHO_SERVER, the build tree's
// target/release/mywsclient-echo-server). Exit status 0 when every message
// came back.
#include <MyWSClient.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <sstream>

extern char **environ;

namespace
{

using Clock = std::chrono::steady_clock;
const Clock::time_point t0 = Clock::now();
std::mutex printMutex;

/// One timeline line: "[  1234.5 ms] text".
void say(const std::string &text)
{
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  std::lock_guard<std::mutex> lock(printMutex);
  std::cout << "[" << std::fixed << std::setprecision(1) << std::setw(9) << ms << " ms] " << text << std::endl;
}

std::string ms(Clock::duration d)
{
  std::ostringstream os;
  os << std::fixed << std::setprecision(1) << std::chrono::duration<double, std::milli>(d).count() << " ms";
  return os.str();
}

/// What the client reported, for the main thread to wait on.
struct Observed
{
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::string> echoes;
  int opens = 0;
  int closes = 0;
  int reconnectsScheduled = 0;

  template <class Pred> bool waitFor(std::chrono::seconds limit, Pred pred)
  {
    std::unique_lock<std::mutex> lock(m);
    return cv.wait_for(lock, limit, pred);
  }
};

void attach(MyWSClient &client, Observed &o)
{
  // Every event is printed by the callbacks below: keep the library's own
  // log (warnings to stderr by default) for real errors only.
  client.setLogLevel(MyWSClient::LogLevel::Error);
  client.onOpen(
      [&o](const std::string &protocol)
      {
        say("onOpen: connected" + (protocol.empty() ? std::string() : " (subprotocol " + protocol + ")"));
        {
          std::lock_guard<std::mutex> lock(o.m);
          o.opens++;
        }
        o.cv.notify_all();
      });
  client.onClose(
      [&o](int code, const std::string &reason, MyWSClient::CloseInitiator by)
      {
        const char *who = by == MyWSClient::CloseInitiator::Client   ? "by us"
                          : by == MyWSClient::CloseInitiator::Server ? "by the server"
                                                                     : "abnormally";
        say("onClose: connection closed " + std::string(who) + ", code " + std::to_string(code) +
            (reason.empty() ? "" : " (" + reason + ")"));
        {
          std::lock_guard<std::mutex> lock(o.m);
          o.closes++;
        }
        o.cv.notify_all();
      });
  client.onError([](MyWSClient::ErrorKind kind, const std::string &message)
                 { say(std::string("onError [") + MyWSClient::errorKindName(kind) + "]: " + message); });
  client.onReconnect(
      [&o](unsigned attempt, std::chrono::milliseconds delay)
      {
        say("onReconnect: attempt " + std::to_string(attempt) + " in " + std::to_string(delay.count()) + " ms");
        {
          std::lock_guard<std::mutex> lock(o.m);
          o.reconnectsScheduled++;
        }
        o.cv.notify_all();
      });
  client.onMessage(
      [&o](const std::string &message)
      {
        say("echo received: \"" + message + "\"");
        {
          std::lock_guard<std::mutex> lock(o.m);
          o.echoes.push_back(message);
        }
        o.cv.notify_all();
      });
}

/// The project's echo server as a child process; stops when its stdin closes.
class EchoServer
{
public:
  EchoServer(const std::string &path, const std::string &addr)
  {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe2 failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    std::vector<std::string> args = {path, "--addr", addr};
    std::vector<char *> argv;
    for (auto &a : args)
      argv.push_back(&a[0]);
    argv.push_back(nullptr);
    int rc = posix_spawn(&pid_, path.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    if (rc != 0)
    {
      close(out[0]);
      close(stdin_);
      pid_ = -1;
      throw std::runtime_error(
          "cannot start " + path + ": " + std::strerror(rc) +
          " (build it with: cargo build --release -p mywsclient-tools, or set MYWSCLIENT_ECHO_SERVER)");
    }
    // First line: "LISTENING <port>" (bounded wait).
    std::string line;
    auto deadline = Clock::now() + std::chrono::seconds(30);
    while (Clock::now() < deadline)
    {
      pollfd p{out[0], POLLIN, 0};
      if (poll(&p, 1, 1000) <= 0)
        continue;
      char c;
      if (read(out[0], &c, 1) != 1 || c == '\n')
        break;
      line.push_back(c);
    }
    close(out[0]);
    if (line.rfind("LISTENING ", 0) != 0)
    {
      kill();
      throw std::runtime_error("the echo server did not start (got \"" + line + "\")");
    }
    port_ = std::stoi(line.substr(10));
  }
  ~EchoServer() { stop(); }
  EchoServer(const EchoServer &) = delete;
  EchoServer &operator=(const EchoServer &) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  /// Abrupt death: SIGKILL, as a crash or a machine going away.
  void kill()
  {
    if (pid_ > 0)
    {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    closeStdin();
  }

  /// Orderly: close its stdin, it exits.
  void stop()
  {
    closeStdin();
    if (pid_ > 0)
    {
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

private:
  void closeStdin()
  {
    if (stdin_ >= 0)
      close(stdin_);
    stdin_ = -1;
  }
  pid_t pid_ = -1;
  int stdin_ = -1;
  int port_ = 0;
};

std::string echoServerPath()
{
  const char *p = std::getenv("MYWSCLIENT_ECHO_SERVER");
  if (p && *p)
    return p;
#ifdef MYWSCLIENT_DEMO_ECHO_SERVER
  return MYWSCLIENT_DEMO_ECHO_SERVER;
#else
  throw std::runtime_error("set MYWSCLIENT_ECHO_SERVER to the mywsclient-echo-server binary");
#endif
}

int connectTo(const std::string &url)
{
  say("connecting to " + url + " (" + MyWSClient::version() + ")");
  Observed o;
  MyWSClient client(url, 0, "");
  if (!client.valid())
    return 2;
  attach(client, o);
  auto start = Clock::now();
  client.start();
  if (!o.waitFor(std::chrono::seconds(15), [&] { return o.opens > 0; }))
  {
    say("could not connect within 15 s: " + client.lastError());
    return 1;
  }
  say("connected after " + ms(Clock::now() - start));
  const int n = 3;
  for (int i = 1; i <= n; i++)
  {
    std::string m = "hello " + std::to_string(i) + " from cpp-demo";
    client.sendMessage(m);
    say("sent \"" + m + "\"");
  }
  bool all = o.waitFor(std::chrono::seconds(15), [&] { return o.echoes.size() >= n; });
  say(all ? "all " + std::to_string(n) + " messages echoed" : "not every message came back within 15 s");
  client.stop();
  say("stopped");
  return all ? 0 : 1;
}

int localTimeline()
{
  say("mywsclient demo: " + MyWSClient::version());
  const std::string server = echoServerPath();
  auto server1 = std::make_unique<EchoServer>(server, "127.0.0.1:0");
  const int port = server1->port();
  say("started the echo server (pid " + std::to_string(server1->pid()) + ") on 127.0.0.1:" + std::to_string(port));

  Observed o;
  MyWSClient client("ws://127.0.0.1", port, "/"); // the original constructor
  attach(client, o);
  auto tStart = Clock::now();
  client.start();
  say("client.start() returned after " + ms(Clock::now() - tStart) + " (the I/O thread connects in the background)");
  if (!o.waitFor(std::chrono::seconds(30), [&] { return o.opens == 1; }))
  {
    say("FAILED: no connection");
    return 1;
  }
  say("connected " + ms(Clock::now() - tStart) + " after start()");

  // 1. Messages echoed.
  for (int i = 1; i <= 3; i++)
  {
    auto t = Clock::now();
    client.sendMessage("hello " + std::to_string(i));
    std::size_t want = static_cast<std::size_t>(i);
    if (!o.waitFor(std::chrono::seconds(10), [&] { return o.echoes.size() >= want; }))
    {
      say("FAILED: no echo");
      return 1;
    }
    say("  round trip " + std::to_string(i) + ": " + ms(Clock::now() - t));
  }

  // 2. The server dies.
  say("killing the echo server (SIGKILL)");
  auto tKill = Clock::now();
  server1->kill();
  server1.reset();
  o.waitFor(std::chrono::seconds(10), [&] { return o.closes >= 1 && o.reconnectsScheduled >= 1; });
  say("the client noticed after " + ms(Clock::now() - tKill) + " and keeps retrying with backoff");

  // 3. Sends during the outage are queued, not dropped.
  std::vector<std::string> queued;
  for (int i = 1; i <= 5; i++)
  {
    std::string m = "queued during the outage #" + std::to_string(i);
    std::string why;
    if (client.trySendMessage(m, &why))
      queued.push_back(m);
    else
      say("refused: " + why);
  }
  MyWSClient::Stats s = client.stats();
  say("sent " + std::to_string(queued.size()) + " messages while disconnected: " + std::to_string(s.queuedMessages) +
      " queued (" + std::to_string(s.queuedBytes) + " bytes), state " + MyWSClient::stateName(client.state()));

  // 4. The outage lasts a moment (a demo, not a test: a fixed pause).
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));

  // 5. The server comes back on the same port.
  auto server2 = std::make_unique<EchoServer>(server, "127.0.0.1:" + std::to_string(port));
  auto tBack = Clock::now();
  say("echo server back (pid " + std::to_string(server2->pid()) + ") on the same port " +
      std::to_string(server2->port()) + ", " + ms(tBack - tKill) + " after the kill");
  if (!o.waitFor(std::chrono::seconds(30), [&] { return o.opens == 2; }))
  {
    say("FAILED: no reconnect within 30 s");
    return 1;
  }
  say("reconnected automatically " + ms(Clock::now() - tBack) + " after the server came back");

  // 6. The queued messages are delivered, in order.
  std::size_t want = 3 + queued.size();
  bool all = o.waitFor(std::chrono::seconds(30), [&] { return o.echoes.size() >= want; });
  bool inOrder = all;
  {
    std::lock_guard<std::mutex> lock(o.m);
    for (std::size_t i = 0; all && i < queued.size(); i++)
      inOrder = inOrder && o.echoes[3 + i] == queued[i];
  }
  say(all && inOrder ? "all " + std::to_string(queued.size()) + " queued messages delivered, in order, " +
                           ms(Clock::now() - tBack) + " after the server came back"
                     : "FAILED: queued messages missing or out of order");

  s = client.stats();
  say("stats: " + std::to_string(s.messagesSent) + " sent, " + std::to_string(s.messagesReceived) + " received, " +
      std::to_string(s.connections) + " connections (" + std::to_string(s.reconnects) + " reconnect), " +
      std::to_string(s.queuedMessages) + " still queued");
  auto tStop = Clock::now();
  client.stop();
  say("client.stop() took " + ms(Clock::now() - tStop));
  server2->stop();
  say("echo server stopped; done");
  return all && inOrder ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
  signal(SIGPIPE, SIG_IGN);
  try
  {
    if (argc > 1 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help"))
    {
      std::cout << "usage: " << argv[0] << " [ws://host:port/path | wss://...]\n"
                << "without a URL: a local timeline with the project's echo server "
                   "($MYWSCLIENT_ECHO_SERVER)"
                << std::endl;
      return 0;
    }
    return argc > 1 ? connectTo(argv[1]) : localTimeline();
  }
  catch (const std::exception &e)
  {
    std::cerr << "cpp-demo: " << e.what() << std::endl;
    return 1;
  }
}
