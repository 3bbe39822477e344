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
//
// Server paths: $MYWSCLIENT_ECHO_SERVER and $MYWSCLIENT_LWS_SERVER, else the
// build-time defaults. Every wait is bounded; every process started here is
// stopped here.
#include "test_support.h"

#include <filesystem>
#include <map>

using testsupport::Clock;
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

bool contains(const std::string &s, const char *part) { return s.find(part) != std::string::npos; }

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
  else if (which == "tls-insecure" || which == "tls-refused")
  {
    char tmpl[] = "/tmp/mywsclient-cpp-tls-XXXXXX";
    if (!mkdtemp(tmpl))
      throw std::runtime_error("mkdtemp failed");
    tlsDir = tmpl;
    serverArgs = {testsupport::echoServerPath(), "--tls-self-signed", tlsDir.string()};
    host = "127.0.0.1"; // a bare host, as the original took it: wss://
    if (which == "tls-insecure")
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

  Server server = Server::start(serverArgs);
  std::cout << "server " << serverArgs[0] << " listening on port " << server.port << std::endl;
  std::vector<std::string> argv = {clientPath, host, std::to_string(server.port), "/", "20"};
  std::cout << "client:";
  for (const auto &a : argv)
    std::cout << " " << a;
  std::cout << (env.empty() ? "" : " (MYWSCLIENT_TLS_INSECURE=1)") << std::endl;

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
  }
  std::cout << (ok ? "PASS " : "FAIL ") << which << std::endl;
  return ok ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
  if (argc != 3)
  {
    std::cerr << "usage: " << argv[0] << " plain|lws|tls-insecure|tls-refused CLIENT_BINARY" << std::endl;
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
