// Runs the original-API client program (original_api_client.cpp, or the same
// source built by the package-consumer project) against a server, as ctest
// cases:
//
//   original_api_harness CASE CLIENT_BINARY
//
//   plain         mywsclient-echo-server, ws://127.0.0.1 + port: all echoes back
//   lws           tests/cpp/lws_server (HTTP handler first, echo handler "ws"
//                 second), ws://127.0.0.1 + port: all echoes back, which needs
//                 the subprotocol "ws" that MyWSClient requests by default
//   tls-insecure  mywsclient-echo-server --tls-self-signed DIR, the bare host
//                 127.0.0.1 (= wss://) with MYWSCLIENT_TLS_INSECURE=1: all
//                 echoes back, and a warning that verification is disabled
//   tls-refused   the same without the variable: the certificate is refused,
//                 with a log line on stderr that names MYWSCLIENT_TLS_INSECURE
//                 and setCaFile; once seen, the client is terminated
//   proxy-env     as tls-insecure, with https_proxy naming a tinyproxy on
//                 127.0.0.1 (scripts/deps.sh installs it) and no_proxy naming
//                 other hosts in the environment: all echoes back, and the
//                 proxy logged the CONNECT (no code change: curl's rules)
//   proxy-bypass  the same with no_proxy=localhost,127.0.0.1: all echoes back
//                 and the proxy saw nothing
//
// Server paths: $MYWSCLIENT_ECHO_SERVER and $MYWSCLIENT_LWS_SERVER, else the
// build-time defaults. Every wait is bounded; every process started here is
// stopped here.
#include "test_support.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using testsupport::Clock;
using testsupport::contains;
using testsupport::Process;
using testsupport::Server;

namespace
{

std::string lwsServerPath()
{
  const char *p = std::getenv("MYWSCLIENT_LWS_SERVER");
  if (p && *p)
    return p;
#ifdef MYWSCLIENT_LWS_SERVER_DEFAULT
  return MYWSCLIENT_LWS_SERVER_DEFAULT;
#else
  throw std::runtime_error("set MYWSCLIENT_LWS_SERVER");
#endif
}

/// An executable named `name` on $PATH (posix_spawn does not search it).
std::string onPath(const std::string &name)
{
  const char *path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  std::string::size_type start = 0;
  while (start <= dirs.size())
  {
    std::string::size_type end = dirs.find(':', start);
    std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
    if (access(candidate.c_str(), X_OK) == 0)
      return candidate.string();
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  throw std::runtime_error(name + " not found on PATH (run scripts/deps.sh)");
}

/// A tinyproxy on 127.0.0.1 with a config written to `dir`, logging there;
/// stopped (SIGTERM, then the Process's own bounded stop) by the destructor.
struct Tinyproxy
{
  Process process;
  int port = 0;
  std::filesystem::path log;

  explicit Tinyproxy(const std::filesystem::path &dir)
  {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) != 0)
      throw std::runtime_error("cannot find a free port");
    port = ntohs(a.sin_port);
    close(fd);
    log = dir / "tinyproxy.log";
    std::filesystem::path conf = dir / "tinyproxy.conf";
    {
      std::ofstream c(conf);
      c << "Port " << port << "\nListen 127.0.0.1\nTimeout 60\nMaxClients 50\nLogLevel Info\n"
        << "DisableViaHeader Yes\nLogFile \"" << log.string() << "\"\n";
    }
    process = Process::spawn({onPath("tinyproxy"), "-d", "-c", conf.string()}, {}, {}, false);
    auto deadline = Clock::now() + std::chrono::seconds(10);
    for (;;)
    {
      int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      a.sin_port = htons(static_cast<std::uint16_t>(port));
      bool up = s >= 0 && connect(s, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
      if (s >= 0)
        close(s);
      if (up)
        break;
      if (Clock::now() > deadline)
        throw std::runtime_error("tinyproxy did not listen within 10 s");
      // A listening port has no notification: look again shortly (bounded above).
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  ~Tinyproxy()
  {
    process.kill(SIGTERM);
    process.stop();
  }

  /// CONNECT requests for 127.0.0.1:`target` in the proxy's log.
  int connectsTo(int target) const
  {
    std::ifstream in(log);
    std::string line, want = "CONNECT 127.0.0.1:" + std::to_string(target) + " ";
    int n = 0;
    while (std::getline(in, line))
      n += line.find(want) != std::string::npos ? 1 : 0;
    return n;
  }
};

struct Output
{
  std::vector<std::string> out, err;
};

/// Forwards the client's output (prefixed) and collects its lines until both
/// pipes close or the deadline passes; `onErrLine` sees each stderr line.
bool collect(Process &client, Output &o, std::chrono::seconds limit,
             const std::function<void(const std::string &)> &onErrLine)
{
  auto deadline = Clock::now() + limit;
  std::string partial[2];
  bool open[2] = {true, true};
  int fds[2] = {client.stdoutFd(), client.stderrFd()};
  while (open[0] || open[1])
  {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0)
      return false;
    pollfd pfd[2];
    nfds_t n = 0;
    int which[2];
    for (int i = 0; i < 2; i++)
      if (open[i])
      {
        pfd[n] = pollfd{fds[i], POLLIN, 0};
        which[n++] = i;
      }
    int r = poll(pfd, n, static_cast<int>(left));
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return false;
    for (nfds_t k = 0; k < n; k++)
    {
      if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      int i = which[k];
      char buf[4096];
      ssize_t got = read(fds[i], buf, sizeof buf);
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
      {
        open[i] = false;
        if (!partial[i].empty())
          (i == 0 ? o.out : o.err).push_back(partial[i]);
        continue;
      }
      partial[i].append(buf, static_cast<std::size_t>(got));
      std::size_t nl;
      while ((nl = partial[i].find('\n')) != std::string::npos)
      {
        std::string line = partial[i].substr(0, nl);
        partial[i].erase(0, nl + 1);
        std::cout << (i == 0 ? "  client| " : "  client! ") << line << std::endl;
        (i == 0 ? o.out : o.err).push_back(line);
        if (i == 1)
          onErrLine(line);
      }
    }
  }
  return true;
}

int run(const std::string &which, const std::string &clientPath)
{
  std::vector<std::string> serverArgs;
  std::string host = "ws://127.0.0.1";
  std::filesystem::path tlsDir;
  std::vector<std::string> env, unset = {"MYWSCLIENT_TLS_INSECURE"};

  if (which == "plain")
    serverArgs = {testsupport::echoServerPath()};
  else if (which == "lws")
    serverArgs = {lwsServerPath()};
  else if (which == "tls-insecure" || which == "tls-refused" || which == "proxy-env" || which == "proxy-bypass")
  {
    char tmpl[] = "/tmp/mywsclient-cpp-tls-XXXXXX";
    if (!mkdtemp(tmpl))
      throw std::runtime_error("mkdtemp failed");
    tlsDir = tmpl;
    serverArgs = {testsupport::echoServerPath(), "--tls-self-signed", tlsDir.string()};
    host = "127.0.0.1"; // a bare host, as the original took it: wss://
    if (which != "tls-refused")
      env = {"MYWSCLIENT_TLS_INSECURE=1"};
  }
  else
  {
    std::cerr << "unknown case " << which << std::endl;
    return 2;
  }

  struct Cleanup
  {
    std::filesystem::path dir;
    ~Cleanup()
    {
      std::error_code ec;
      if (!dir.empty())
        std::filesystem::remove_all(dir, ec);
    }
  } cleanup{tlsDir};

  std::unique_ptr<Tinyproxy> proxy;
  if (which == "proxy-env" || which == "proxy-bypass")
  {
    proxy.reset(new Tinyproxy(tlsDir));
    for (const char *v : {"ws_proxy", "WS_PROXY", "wss_proxy", "WSS_PROXY", "http_proxy", "HTTPS_PROXY", "all_proxy",
                          "ALL_PROXY", "NO_PROXY"})
      unset.push_back(v);
    env.push_back("https_proxy=http://127.0.0.1:" + std::to_string(proxy->port));
    env.push_back(which == "proxy-env" ? "no_proxy=example.com,.internal" : "no_proxy=localhost,127.0.0.1");
  }

  Server server = Server::start(serverArgs);
  std::cout << "server " << serverArgs[0] << " listening on port " << server.port << std::endl;
  std::vector<std::string> argv = {clientPath, host, std::to_string(server.port), "/", "20"};
  std::cout << "client:";
  for (const auto &a : argv)
    std::cout << " " << a;
  for (const auto &e : env)
    std::cout << " [" << e << "]";
  std::cout << std::endl;

  Process client = Process::spawn(argv, env, unset);
  Output o;
  bool refusalLogged = false;
  bool terminated = false;
  bool finished =
      collect(client, o, std::chrono::seconds(90),
              [&](const std::string &line)
              {
                if (which == "tls-refused" && contains(line, "MYWSCLIENT_TLS_INSECURE") && contains(line, "setCaFile"))
                {
                  refusalLogged = true;
                  if (!terminated)
                  {
                    terminated = true;
                    client.kill(SIGTERM); // the original API cannot see the failure: the user would give up
                  }
                }
              });
  if (!finished)
  {
    std::cout << "FAIL: the client did not finish within 90 s" << std::endl;
    client.kill(SIGKILL);
  }
  int st = client.wait(std::chrono::seconds(30));
  bool ok = false;
  auto anyLine = [](const std::vector<std::string> &lines, std::initializer_list<const char *> parts)
  {
    for (const auto &l : lines)
    {
      bool all = true;
      for (const char *p : parts)
        all = all && contains(l, p);
      if (all)
        return true;
    }
    return false;
  };
  bool printedOk = anyLine(o.out, {"OK"});
  if (which == "tls-refused")
  {
    ok = finished && refusalLogged && !printedOk && !anyLine(o.out, {"echoed"});
    if (!refusalLogged)
      std::cout << "FAIL: no stderr line names both MYWSCLIENT_TLS_INSECURE and setCaFile" << std::endl;
    if (printedOk)
      std::cout << "FAIL: the self-signed server was accepted without MYWSCLIENT_TLS_INSECURE" << std::endl;
  }
  else
  {
    bool exited0 = st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    ok = finished && exited0 && printedOk;
    if (which == "tls-insecure" && !anyLine(o.err, {"DISABLED", "MYWSCLIENT_TLS_INSECURE"}))
    {
      std::cout << "FAIL: no warning that MYWSCLIENT_TLS_INSECURE disabled verification" << std::endl;
      ok = false;
    }
    if (!exited0)
      std::cout << "FAIL: client wait status " << st << std::endl;
    if (proxy)
    {
      int n = proxy->connectsTo(server.port);
      bool want = which == "proxy-env";
      std::cout << "the proxy logged " << n << " CONNECT to the server" << std::endl;
      if (want ? n < 1 : n != 0)
      {
        std::cout << "FAIL: " << (want ? "https_proxy was not used" : "no_proxy did not bypass the proxy") << std::endl;
        ok = false;
      }
    }
  }
  std::cout << (ok ? "PASS " : "FAIL ") << which << std::endl;
  return ok ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
  if (argc != 3)
  {
    std::cerr << "usage: " << argv[0] << " plain|lws|tls-insecure|tls-refused|proxy-env|proxy-bypass CLIENT_BINARY"
              << std::endl;
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  try
  {
    return run(argv[1], argv[2]);
  }
  catch (const std::exception &e)
  {
    std::cout << "FAIL: " << e.what() << std::endl;
    return 1;
  }
}
