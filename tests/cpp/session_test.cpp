// Long-lived sessions through the C++ class, against the gate server
// (tools: mywsclient-gate-server): onBeforeConnect supplies the current
// token at every attempt across 4001 "token expired" closes; a 401/403 is
// seen with its status and headers in onErrorInfo, retried by default or
// stopped with HttpErrorPolicy::Stop; redirect chains with
// setFollowRedirects, loops bounded; setUrl + reconnect() to a second
// server; an exception in onBeforeConnect never reaches the library.
// Built and run normally and under the sanitizers (ASan+UBSan, TSan).
//
//   session_test [TEST_NAME...]
#include "MyWSClient.h"
#include "test_support.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

using namespace std::chrono_literals;
using testsupport::contains;
using testsupport::Process;
using testsupport::Server;

namespace
{

std::string gatePath()
{
  const char *p = std::getenv("MYWSCLIENT_GATE_SERVER");
  if (p && *p)
    return p;
#ifdef MYWSCLIENT_GATE_SERVER_DEFAULT
  return MYWSCLIENT_GATE_SERVER_DEFAULT;
#else
  throw std::runtime_error("set MYWSCLIENT_GATE_SERVER to the mywsclient-gate-server binary");
#endif
}

/// The gate server with its command channel (serialised: the I/O thread
/// asks for the token while the test thread rotates it).
struct Gate
{
  Server server;
  std::mutex m;

  /// `extra`: arguments, e.g. {"--tls-self-signed", DIR} for wss://.
  explicit Gate(const std::vector<std::string> &extra = {})
  {
    std::vector<std::string> argv = {gatePath()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    server = Server::start(argv);
  }

  std::string command(const std::string &cmd)
  {
    std::lock_guard<std::mutex> lock(m);
    std::string line = cmd + "\n";
    if (write(server.process.stdinFd(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
      throw std::runtime_error("cannot write to the gate server");
    std::string answer;
    if (!Process::readLine(server.process.stdoutFd(), answer, 20s))
      throw std::runtime_error("no answer from the gate server to " + cmd);
    return answer;
  }

  long number(const std::string &cmd)
  {
    std::string a = command(cmd);
    return std::stol(a.substr(a.find(' ') + 1));
  }

  std::string token() { return command("token").substr(6); }

  std::string url(const std::string &path) const { return "ws://127.0.0.1:" + std::to_string(server.port) + path; }
};

/// What a client reports, under one mutex; waits are bounded.
struct Seen : testsupport::Recorder
{
  int opens = 0;
  int stopped = 0;
  int hookCalls = 0;
  std::vector<int> closeCodes;
  std::vector<MyWSClient::ErrorInfo> errors;
  std::vector<MyWSClient::OpenInfo> openInfos;
  std::vector<std::string> messages;

  void attach(MyWSClient &c)
  {
    CHECK(c.onMessage([this](const std::string &s) { record([&] { messages.push_back(s); }); }));
    CHECK(c.onOpen([this](const std::string &) { record([&] { opens++; }); }));
    CHECK(c.onOpenInfo([this](const MyWSClient::OpenInfo &i) { record([&] { openInfos.push_back(i); }); }));
    CHECK(c.onClose([this](int code, const std::string &, MyWSClient::CloseInitiator)
                    { record([&] { closeCodes.push_back(code); }); }));
    CHECK(c.onErrorInfo([this](const MyWSClient::ErrorInfo &e) { record([&] { errors.push_back(e); }); }));
    CHECK(c.onStopped([this] { record([&] { stopped++; }); }));
  }

  std::size_t httpErrors()
  {
    return static_cast<std::size_t>(
        std::count_if(errors.begin(), errors.end(), [](const auto &e) { return e.httpStatus != 0; }));
  }
};

MyWSClient fastClient(const std::string &url)
{
  MyWSClient c(url, 0, "");
  CHECK(c.setBackoff(20ms, 200ms));
  CHECK(c.setLogLevel(MyWSClient::LogLevel::Error));
  return c;
}

} // namespace

TEST(before_connect_refreshes_the_token_across_expiries)
{
  Gate gate;
  Seen seen; // declared first: destroyed after the client
  MyWSClient client = fastClient(gate.url("/auth"));
  seen.attach(client);
  CHECK(client.onBeforeConnect(
      [&](MyWSClient::Request &req)
      {
        std::string token = gate.token();
        CHECK(req.setHeader("Authorization", "Bearer " + token));
        std::string why;
        CHECK(!req.setHeader("Host", "evil", &why) && contains(why, "Host"));
        CHECK(req.attempt() >= 1);
        CHECK(contains(req.url(), "/auth"));
        seen.record([&] { seen.hookCalls++; });
      }));
  client.start();
  CHECK(seen.wait([&] { return seen.opens == 1; }));
  for (int i = 0; i < 3; i++)
  {
    client.sendMessage("hello");
    CHECK(seen.wait([&] { return seen.messages.size() == static_cast<std::size_t>(i + 1); }));
    gate.command("rotate");
    CHECK(seen.wait([&] { return seen.opens == i + 2; }));
  }
  std::lock_guard<std::mutex> lock(seen.m);
  CHECK(seen.httpErrors() == 0);
  CHECK(seen.hookCalls == 4);
  CHECK(std::count(seen.closeCodes.begin(), seen.closeCodes.end(), 4001) == 3);
}

TEST(http_401_is_retried_by_default_and_403_stops_with_the_stop_policy)
{
  Gate gate;
  {
    Seen seen; // declared first: destroyed after the client
    MyWSClient client = fastClient(gate.url("/status/401"));
    seen.attach(client);
    client.start();
    CHECK(seen.wait([&] { return seen.httpErrors() >= 2; }));
    std::lock_guard<std::mutex> lock(seen.m);
    const MyWSClient::ErrorInfo &e = seen.errors.back();
    CHECK(e.httpStatus == 401);
    CHECK(e.kind == MyWSClient::ErrorKind::Handshake);
    CHECK(contains(e.header("www-authenticate"), "Bearer realm=\"gate\""));
    CHECK(contains(e.message, "401"));
    CHECK(seen.stopped == 0);
  }
  Seen seen; // declared first: destroyed after the client
  MyWSClient client = fastClient(gate.url("/status/403"));
  seen.attach(client);
  CHECK(client.setHttpErrorPolicy(MyWSClient::HttpErrorPolicy::Stop));
  client.start();
  CHECK(seen.wait([&] { return seen.stopped == 1; }));
  {
    std::lock_guard<std::mutex> lock(seen.m);
    CHECK(seen.httpErrors() == 1 && seen.errors.back().httpStatus == 403);
    CHECK(seen.errors.back().header("X-Gate") == "refused");
  }
  CHECK(gate.number("count /status/403") == 1);
}

TEST(redirects_followed_and_loops_bounded)
{
  Gate gate;
  {
    Seen seen; // declared first: destroyed after the client
    MyWSClient client = fastClient(gate.url("/hop/3/308"));
    seen.attach(client);
    CHECK(client.setFollowRedirects(5));
    client.start();
    CHECK(seen.wait([&] { return seen.opens == 1 && seen.openInfos.size() == 1; }));
    std::lock_guard<std::mutex> lock(seen.m);
    const MyWSClient::OpenInfo &o = seen.openInfos[0];
    CHECK(o.httpStatus == 101);
    CHECK(o.header("X-Gate-Request") == "4");
    CHECK(std::count_if(o.headers.begin(), o.headers.end(), [](const auto &h) { return h.first == "Set-Cookie"; }) ==
          2);
  }
  Seen seen; // declared first: destroyed after the client
  MyWSClient client = fastClient(gate.url("/loop/a"));
  seen.attach(client);
  CHECK(client.setFollowRedirects(10));
  CHECK(client.setReconnect(false));
  client.start();
  CHECK(seen.wait([&] { return seen.stopped == 1; }));
  {
    std::lock_guard<std::mutex> lock(seen.m);
    CHECK(seen.httpErrors() == 1);
    CHECK(contains(seen.errors.back().message, "redirect loop"));
  }
  CHECK(gate.number("count /loop") == 2);
}

TEST(a_redirect_from_wss_to_ws_is_refused)
{
  char tmpl[] = "/tmp/mywsclient-cpp-gate-XXXXXX";
  CHECK(mkdtemp(tmpl) != nullptr);
  struct Cleanup
  {
    std::string dir;
    ~Cleanup()
    {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{tmpl};
  Gate secure({"--tls-self-signed", tmpl});
  Gate plain;
  Seen seen; // declared first: destroyed after the client
  MyWSClient client = fastClient("wss://127.0.0.1:" + std::to_string(secure.server.port) + "/goto/" +
                                 std::to_string(plain.server.port) + "/x");
  seen.attach(client);
  CHECK(client.setCaFile(std::string(tmpl) + "/ca.pem"));
  CHECK(client.setFollowRedirects(5));
  CHECK(client.setReconnect(false));
  client.start();
  CHECK(seen.wait([&] { return seen.stopped == 1; }));
  {
    std::lock_guard<std::mutex> lock(seen.m);
    CHECK(seen.httpErrors() == 1);
    CHECK(seen.errors.back().httpStatus == 302);
    CHECK_MSG(contains(seen.errors.back().message, "wss:// to ws://"), seen.errors.back().message);
    CHECK(seen.opens == 0);
  }
  CHECK(plain.number("count /") == 0);
}

TEST(set_url_then_reconnect_moves_to_the_second_server)
{
  Gate a, b;
  Seen seen; // declared first: destroyed after the client
  MyWSClient client = fastClient(a.url("/one"));
  seen.attach(client);
  CHECK(!client.reconnect());
  client.start();
  CHECK(seen.wait([&] { return seen.opens == 1; }));
  CHECK(!client.setUrl("http://nope"));
  CHECK(client.setUrl(b.url("/two")));
  CHECK(client.setHeader("X-Session", "2"));
  CHECK(client.removeHeader("X-Nothing"));
  CHECK(client.reconnect());
  CHECK(seen.wait([&] { return seen.opens == 2; }));
  client.sendMessage("on b");
  CHECK(seen.wait([&] { return seen.messages.size() == 1; }));
  CHECK(b.number("opened") == 1);
  CHECK(b.command("last x-session") == "HEADER 2");
  std::lock_guard<std::mutex> lock(seen.m);
  CHECK(seen.closeCodes.size() == 1 && seen.closeCodes[0] == 1000);
}

TEST(exception_in_before_connect_is_reported_and_the_attempt_goes_on)
{
  Gate gate;
  Seen seen; // declared first: destroyed after the client
  std::vector<std::string> errors;
  MyWSClient client = fastClient(gate.url("/"));
  seen.attach(client);
  CHECK(client.onError(
      [&](MyWSClient::ErrorKind k, const std::string &msg)
      {
        if (k == MyWSClient::ErrorKind::Callback)
          seen.record([&] { errors.push_back(msg); });
      }));
  CHECK(client.onBeforeConnect([](MyWSClient::Request &) { throw std::runtime_error("no token service"); }));
  client.start();
  CHECK(seen.wait([&] { return seen.opens == 1 && !errors.empty(); }));
  std::lock_guard<std::mutex> lock(seen.m);
  CHECK(contains(errors[0], "onBeforeConnect") && contains(errors[0], "no token service"));
}

/// Open file descriptors of this process.
static std::size_t openFds()
{
  std::size_t n = 0;
  for (const auto &e : std::filesystem::directory_iterator("/proc/self/fd"))
  {
    (void)e;
    n++;
  }
  return n;
}

/// Threads of this process whose name is exactly `name`.
static std::size_t threadsNamed(const std::string &name)
{
  std::size_t n = 0;
  for (const auto &e : std::filesystem::directory_iterator("/proc/self/task"))
  {
    std::ifstream comm(e.path() / "comm");
    std::string line;
    std::getline(comm, line);
    if (line == name)
      n++;
  }
  return n;
}

// Registered by ctest as cpp_session_shared_io, with MYWSCLIENT_SHARED_IO=1
// in the environment (the zero-code switch); without it there is nothing to check.
TEST(shared_io_env_switch_one_fd_per_client)
{
#if defined(__SANITIZE_THREAD__)
  // As wrapper_test's shared_io_clients_echo: a client is handed to a running
  // shared I/O thread through the library's (uninstrumented) lock, which TSan
  // cannot see. The normal and ASan runs cover it.
  return;
#endif
  const char *env = std::getenv("MYWSCLIENT_SHARED_IO");
  if (!env || std::string(env) != "1")
  {
    std::cout << "  (needs MYWSCLIENT_SHARED_IO=1: run as the ctest cpp_session_shared_io)" << std::endl;
    return;
  }
  Gate gate;
  const int n = 20;
  // A program written against the original API: no setSharedIo call.
  std::mutex m;
  std::condition_variable cv;
  int echoes = 0;
  auto onMessage = [&](const std::string &)
  {
    std::lock_guard<std::mutex> lock(m);
    echoes++;
    cv.notify_all();
  };
  MyWSClient first("ws://127.0.0.1", gate.server.port, "/", onMessage);
  first.start();
  first.sendMessage("first");
  CHECK(testsupport::waitFor(m, cv, 30s, [&] { return echoes == 1; }));
  std::size_t before = openFds();
  std::vector<std::unique_ptr<MyWSClient>> clients;
  for (int i = 0; i < n; i++)
  {
    clients.push_back(std::make_unique<MyWSClient>("ws://127.0.0.1", gate.server.port, "/", onMessage));
    clients.back()->start();
    clients.back()->sendMessage("hello");
  }
  CHECK(testsupport::waitFor(m, cv, 30s, [&] { return echoes == n + 1; }));
  std::size_t after = openFds();
  std::cout << "  open fds: " << before << " -> " << after << " for " << n << " more clients on the shared I/O threads"
            << std::endl;
  CHECK_MSG(after - before < static_cast<std::size_t>(2 * n),
            "fds: " << before << " -> " << after << " for " << n << " clients");
  CHECK(threadsNamed("mywsclient-io") == 0);
  CHECK(threadsNamed("mywsclient-io-0") == 1);
  for (auto &c : clients)
    c->stop();
}

int main(int argc, char **argv)
{
  signal(SIGPIPE, SIG_IGN);
  return testsupport::runAll(argc, argv);
}
