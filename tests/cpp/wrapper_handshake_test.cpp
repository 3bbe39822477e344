// What the C++ class's opening handshake sends and accepts (part of
// cpp_wrapper_test): the default subprotocol "ws" (and why a libwebsockets
// server needs it), the Origin header like the original's and setOrigin, and
// TLS verified with a CA file, refused without it, or switched off in code.
#include "wrapper_support.h"

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace std::chrono_literals;
using namespace wrappertest;

namespace
{

/// A server that records each upgrade request and answers 403 Forbidden
/// (enough to see the headers a client sends). Stops in its destructor.
struct RequestRecorder
{
  int fd = -1;
  int port = 0;
  std::atomic<bool> stop{false};
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::string> requests;
  std::thread thread;

  RequestRecorder()
  {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    CHECK(fd >= 0 && bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0 && listen(fd, 16) == 0 &&
          getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) == 0);
    port = ntohs(a.sin_port);
    thread = std::thread([this] { serve(); });
  }

  ~RequestRecorder()
  {
    stop = true;
    thread.join();
    close(fd);
  }

  void serve()
  {
    while (!stop)
    {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0)
        continue;
      int c = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0)
        continue;
      std::string req;
      char buf[4096];
      for (int i = 0; i < 100 && req.find("\r\n\r\n") == std::string::npos; i++)
      {
        pollfd q{c, POLLIN, 0};
        if (poll(&q, 1, 100) <= 0)
          continue;
        ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0)
          break;
        req.append(buf, static_cast<std::size_t>(n));
      }
      const char reply[] = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
      (void)!write(c, reply, sizeof reply - 1);
      close(c);
      std::lock_guard<std::mutex> lock(m);
      requests.push_back(req);
      cv.notify_all();
    }
  }

  /// The next request from index `from` on (bounded wait).
  std::string next(std::size_t from)
  {
    CHECK(testsupport::waitFor(m, cv, 30s, [&] { return requests.size() > from; }));
    std::lock_guard<std::mutex> lock(m);
    return requests[from];
  }

  std::size_t count()
  {
    std::lock_guard<std::mutex> lock(m);
    return requests.size();
  }
};

} // namespace

TEST(default_subprotocol_is_ws)
{
  Server server = echoServer({"--subprotocol", "ws"});
  Events ev;
  MyWSClient client(kHost, server.port, "/");
  ev.attach(client);
  client.start();
  CHECK(ev.wait([&] { return ev.opens.size() == 1; }));
  CHECK(ev.opens[0] == "ws");
  client.stop();
  // Another list, all or nothing: an invalid token leaves the previous list.
  CHECK(!client.setSubprotocols({"chat", "bad token"}));
  CHECK(client.setSubprotocols({"chat", "ws"}));
  ev.opens.clear();
  client.start();
  CHECK(ev.wait([&] { return ev.opens.size() == 1; }));
  CHECK(ev.opens[0] == "ws");
}

TEST(libwebsockets_server_routes_by_the_default_subprotocol)
{
#ifdef MYWSCLIENT_LWS_SERVER_DEFAULT
  // lws_server.c: an HTTP handler first, the echo handler "ws" second.
  Server server = Server::start({MYWSCLIENT_LWS_SERVER_DEFAULT});
  {
    Events ev;
    MyWSClient client(kHost, server.port, "/");
    ev.attach(client);
    client.start();
    client.sendMessage("routed to ws");
    CHECK(ev.wait([&] { return ev.messages.size() == 1; }));
    CHECK(ev.opens.size() == 1 && ev.opens[0] == "ws");
  }
  {
    // Without it, libwebsockets binds the connection to its default (HTTP)
    // handler: the handshake succeeds, selecting no subprotocol, and nothing
    // echoes. This is why MyWSClient requests "ws" like the original did.
    Events ev;
    MyWSClient client(kHost, server.port, "/");
    ev.attach(client);
    CHECK(client.setSubprotocols({}));
    client.start();
    CHECK(ev.wait([&] { return ev.opens.size() == 1; }));
    CHECK(ev.opens[0].empty());
  }
#else
  std::cout << "  (skipped: built without libwebsockets)" << std::endl;
#endif
}

TEST(origin_is_http_host_by_default_like_the_original_and_setOrigin_changes_it)
{
  RequestRecorder server;
  Events ev;
  MyWSClient client(kHost, server.port, "/");
  ev.attach(client);
  client.start();
  std::string req = server.next(0);
  CHECK(contains(req, "\r\nOrigin: http://127.0.0.1\r\n"));
  // The refusal names the likely cause (wait for it before stopping: the
  // server records the request before its 403 reaches the client).
  CHECK(ev.wait([&] { return hasError(ev, MyWSClient::ErrorKind::Handshake, "Origin"); }));
  client.stop();
  CHECK(client.setOrigin("https://app.example"));
  std::size_t n = server.count();
  client.start();
  req = server.next(n);
  client.stop();
  CHECK(contains(req, "\r\nOrigin: https://app.example\r\n"));
  CHECK(client.setOrigin(""));
  n = server.count();
  client.start();
  req = server.next(n);
  client.stop();
  CHECK(!contains(req, "Origin:"));
  CHECK(!client.setOrigin("bad\norigin"));
}

TEST(tls_with_ca_file)
{
  char tmpl[] = "/tmp/mywsclient-cpp-ca-XXXXXX";
  CHECK(mkdtemp(tmpl) != nullptr);
  std::filesystem::path dir = tmpl;
  struct Rm
  {
    std::filesystem::path d;
    ~Rm()
    {
      std::error_code ec;
      std::filesystem::remove_all(d, ec);
    }
  } rm{dir};
  Server server = echoServer({"--tls-self-signed", dir.string()});

  // Without the CA: refused, with a reason that says what to do.
  {
    Events ev;
    MyWSClient client("127.0.0.1", server.port, "/");
    ev.attach(client);
    CHECK(client.setReconnect(false));
    CHECK(client.setLogLevel(MyWSClient::LogLevel::Off));
    client.start();
    CHECK(ev.wait([&] { return ev.stopped == 1; }));
    CHECK(ev.errorsOf(MyWSClient::ErrorKind::TlsVerify, "setCaFile") == 1);
    CHECK(ev.messages.empty());
  }
  // With it: verified, and it works.
  {
    Events ev;
    MyWSClient client("wss://localhost", server.port, "/");
    ev.attach(client);
    CHECK(client.setCaFile((dir / "ca.pem").string()));
    client.start();
    client.sendMessage("over TLS");
    CHECK(ev.wait([&] { return ev.messages.size() == 1; }));
    CHECK(ev.messages[0] == "over TLS");
  }
  // The dangerous switch in code.
  {
    Events ev;
    MyWSClient client("127.0.0.1", server.port, "/");
    ev.attach(client);
    CHECK(client.setDangerousDisableTlsVerification(true));
    CHECK(client.setLogLevel(MyWSClient::LogLevel::Error));
    client.start();
    client.sendMessage("insecure");
    CHECK(ev.wait([&] { return ev.messages.size() == 1; }));
  }
}
