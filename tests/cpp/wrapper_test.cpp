// Threaded tests of the C++ additions to MyWSClient: callbacks and their
// exceptions, send/stop/destroy from callbacks, many threads sending, moves,
// refusals with reasons, setters, reconnect, TLS with a CA file, logging.
// Runs against the project's echo server (started here, on loopback); built
// and run normally and under ThreadSanitizer (and AddressSanitizer).
//
//   wrapper_test [TEST_NAME...]
#include "MyWSClient.h"
#include "test_support.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace std::chrono_literals;
using testsupport::Process;
using testsupport::Server;

namespace
{

const std::string kHost = "ws://127.0.0.1";

Server echoServer(std::vector<std::string> extra = {})
{
  std::vector<std::string> argv = {testsupport::echoServerPath()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return Server::start(argv);
}

bool contains(const std::string &s, const std::string &part) { return s.find(part) != std::string::npos; }

/// Everything a client reports, under one mutex; waits are bounded.
struct Events
{
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::string> messages;
  std::vector<std::string> binaries;
  std::vector<std::pair<MyWSClient::ErrorKind, std::string>> errors;
  std::vector<std::string> opens;
  std::vector<std::pair<int, MyWSClient::CloseInitiator>> closes;
  std::vector<unsigned> reconnects;
  int stopped = 0;
  std::atomic<int> inCallback{0};
  std::atomic<bool> overlapped{false};

  template <class Pred> bool wait(Pred pred, std::chrono::milliseconds timeout = 30s)
  {
    return testsupport::waitFor(m, cv, timeout, pred);
  }

  /// Runs f under the lock and notifies; flags callbacks that overlap.
  /// Nothing here is touched after the unlock: the waiting test may return
  /// (and this object go away) as soon as it gets the lock.
  template <class F> void record(F f)
  {
    if (inCallback.fetch_add(1) != 0)
      overlapped = true;
    std::lock_guard<std::mutex> lock(m);
    f();
    inCallback.fetch_sub(1);
    cv.notify_all();
  }

  void attach(MyWSClient &c, bool messages_too = true)
  {
    if (messages_too)
    {
      CHECK(c.onMessage([this](const std::string &s) { record([&] { messages.push_back(s); }); }));
      CHECK(c.onBinaryMessage([this](const std::string &s) { record([&] { binaries.push_back(s); }); }));
    }
    CHECK(c.onOpen([this](const std::string &p) { record([&] { opens.push_back(p); }); }));
    CHECK(c.onClose([this](int code, const std::string &, MyWSClient::CloseInitiator by)
                    { record([&] { closes.emplace_back(code, by); }); }));
    CHECK(c.onError([this](MyWSClient::ErrorKind k, const std::string &msg)
                    { record([&] { errors.emplace_back(k, msg); }); }));
    CHECK(c.onReconnect([this](unsigned attempt, std::chrono::milliseconds)
                        { record([&] { reconnects.push_back(attempt); }); }));
    CHECK(c.onStopped([this] { record([&] { stopped++; }); }));
  }

  std::size_t errorsOf(MyWSClient::ErrorKind k, const std::string &part = "")
  {
    std::lock_guard<std::mutex> lock(m);
    return static_cast<std::size_t>(std::count_if(
        errors.begin(), errors.end(), [&](const auto &e) { return e.first == k && contains(e.second, part); }));
  }
};

/// Captures what the wrapper writes to std::cerr (single-threaded sections only).
struct CerrCapture
{
  std::ostringstream buf;
  std::streambuf *old;
  CerrCapture() : old(std::cerr.rdbuf(buf.rdbuf())) {}
  ~CerrCapture() { std::cerr.rdbuf(old); }
  std::string text() const { return buf.str(); }
};

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

TEST(echo_text_and_binary_with_events)
{
  Server server = echoServer();
  Events ev;
  MyWSClient client(kHost, server.port, "/");
  ev.attach(client);
  CHECK(client.state() == MyWSClient::State::Idle);
  client.start();
  CHECK(ev.wait([&] { return ev.opens.size() == 1; }));
  CHECK(ev.opens[0].empty()); // this server selects no subprotocol: accepted
  client.sendMessage("hello");
  std::string bin("\0\1\2\xff", 4);
  client.sendBinary(bin);
  std::vector<std::uint8_t> vec = {9, 8, 7};
  CHECK(client.trySendBinary(vec));
  CHECK(ev.wait([&] { return ev.messages.size() == 1 && ev.binaries.size() == 2; }));
  CHECK(ev.messages[0] == "hello");
  CHECK(ev.binaries[0] == bin);
  CHECK(ev.binaries[1] == std::string("\x09\x08\x07"));
  CHECK(client.isOpen());
  MyWSClient::Stats s = client.stats();
  CHECK(s.messagesSent == 3 && s.messagesReceived == 3 && s.connections == 1 && s.reconnects == 0);
  CHECK(s.bytesSent == 5 + 4 + 3);
  client.stop();
  CHECK(client.state() == MyWSClient::State::Stopped);
  CHECK(ev.wait([&] { return ev.stopped == 1 && ev.closes.size() == 1; }));
  CHECK(ev.closes[0].second == MyWSClient::CloseInitiator::Client);
  CHECK(!ev.overlapped);
  CHECK(std::string(MyWSClient::stateName(client.state())) == "stopped");
  CHECK(contains(MyWSClient::version(), "mywsclient"));
}

TEST(binary_goes_to_message_callback_without_onBinaryMessage)
{
  // As in the original: one callback for every message.
  Server server = echoServer();
  Events ev;
  MyWSClient client(kHost, server.port, "/",
                    [&](const std::string &s) { ev.record([&] { ev.messages.push_back(s); }); });
  client.start();
  client.sendBinary(std::string("\0bin", 4));
  client.sendMessage("text");
  CHECK(ev.wait([&] { return ev.messages.size() == 2; }));
  CHECK(ev.messages[0] == std::string("\0bin", 4) && ev.messages[1] == "text");
}

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

TEST(exceptions_in_callbacks_become_onError)
{
  Server server = echoServer();
  Events ev;
  MyWSClient client(kHost, server.port, "/");
  ev.attach(client);
  std::atomic<int> n{0};
  CHECK(client.onMessage(
      [&](const std::string &s)
      {
        int i = n++;
        if (i == 0)
          throw std::runtime_error("boom in onMessage");
        if (i == 1)
          throw 42; // not a std::exception
        ev.record([&] { ev.messages.push_back(s); });
      }));
  CHECK(client.onOpen(
      [&](const std::string &)
      {
        ev.record([&] { ev.opens.push_back("open"); });
        throw std::logic_error("boom in onOpen");
      }));
  client.start();
  client.sendMessage("a");
  client.sendMessage("b");
  client.sendMessage("c");
  CHECK(ev.wait([&] { return ev.messages.size() == 1; }));
  CHECK(ev.messages[0] == "c"); // the client kept running
  CHECK(ev.errorsOf(MyWSClient::ErrorKind::Callback, "boom in onMessage") == 1);
  CHECK(ev.errorsOf(MyWSClient::ErrorKind::Callback, "boom in onOpen") == 1);
  CHECK(ev.errorsOf(MyWSClient::ErrorKind::Callback, "onMessage") == 2);
  CHECK(client.state() == MyWSClient::State::Open);
  CHECK(ev.opens.size() == 1); // no reconnect because of an exception
}

TEST(exceptions_in_event_and_log_callbacks)
{
  Server server = echoServer();
  Events ev;
  MyWSClient client(kHost, server.port, "/");
  ev.attach(client);
  CHECK(client.onClose([](int, const std::string &, MyWSClient::CloseInitiator)
                       { throw std::runtime_error("boom in onClose"); }));
  CHECK(client.onStopped(
      [&]
      {
        ev.record([&] { ev.stopped++; });
        throw std::runtime_error("boom in onStopped");
      }));
  std::atomic<int> logLines{0};
  CHECK(client.setLogLevel(MyWSClient::LogLevel::Debug));
  CHECK(client.setLogCallback(
      [&](MyWSClient::LogLevel, const std::string &)
      {
        if (logLines++ == 0)
          throw std::runtime_error("boom in log");
      }));
  client.start();
  client.sendMessage("x");
  CHECK(ev.wait([&] { return ev.messages.size() == 1; }));
  client.stop();
  CHECK(ev.wait([&] { return ev.stopped == 1; }));
  CHECK(logLines > 0);
  CHECK(ev.errorsOf(MyWSClient::ErrorKind::Callback, "boom in log") == 1);
  CHECK(ev.errorsOf(MyWSClient::ErrorKind::Callback, "boom in onClose") == 1);
  CHECK(ev.errorsOf(MyWSClient::ErrorKind::Callback, "boom in onStopped") == 1);
  CHECK(contains(client.lastError(), "boom in onStopped"));
}

TEST(exception_in_onError_is_contained)
{
  Server server = echoServer();
  Events ev;
  std::atomic<int> onErrorCalls{0};
  MyWSClient client(kHost, server.port, "/");
  std::atomic<int> n{0};
  CHECK(client.onMessage(
      [&](const std::string &s)
      {
        if (n++ == 0)
          throw std::runtime_error("first");
        ev.record([&] { ev.messages.push_back(s); });
      }));
  CHECK(client.onError(
      [&](MyWSClient::ErrorKind, const std::string &)
      {
        onErrorCalls++;
        throw std::runtime_error("onError itself throws");
      }));
  client.start();
  client.sendMessage("1");
  client.sendMessage("2");
  CHECK(ev.wait([&] { return ev.messages.size() == 1; }));
  CHECK(onErrorCalls == 1);
  CHECK(client.isOpen());
}

TEST(send_from_callback_ping_pong)
{
  Server server = echoServer();
  Events ev;
  const int rounds = 300;
  MyWSClient *self = nullptr;
  MyWSClient client(kHost, server.port, "/",
                    [&](const std::string &s)
                    {
                      int i = std::stoi(s);
                      if (i < rounds)
                        self->sendMessage(std::to_string(i + 1)); // send from inside the callback
                      ev.record([&] { ev.messages.push_back(s); });
                    });
  self = &client;
  client.start();
  client.sendMessage("0");
  CHECK(ev.wait([&] { return ev.messages.size() == rounds + 1; }));
  for (int i = 0; i <= rounds; i++)
    CHECK(ev.messages[static_cast<std::size_t>(i)] == std::to_string(i));
}

TEST(stop_from_callback_then_restart)
{
  Server server = echoServer();
  Events ev;
  MyWSClient *self = nullptr;
  std::atomic<bool> stopOnThird{true};
  MyWSClient client(kHost, server.port, "/",
                    [&](const std::string &s)
                    {
                      ev.record([&] { ev.messages.push_back(s); });
                      if (s == "3" && stopOnThird)
                        self->stop(); // returns at once; the I/O thread ends after this callback
                    });
  self = &client;
  ev.attach(client, false);
  client.start();
  for (int i = 1; i <= 3; i++)
    client.sendMessage(std::to_string(i));
  CHECK(ev.wait([&] { return ev.stopped == 1; }));
  CHECK(ev.messages.size() == 3);
  // A queued send after the stop stays queued and goes out after a restart.
  stopOnThird = false;
  CHECK(client.trySendMessage("4"));
  client.start();
  CHECK(ev.wait([&] { return ev.messages.size() == 4; }));
  CHECK(ev.messages[3] == "4");
  CHECK(ev.opens.size() == 2);
}

TEST(destroy_from_callback)
{
  Server server = echoServer();
  Events ev;
  auto holder = std::make_unique<MyWSClient>(kHost, server.port, "/");
  MyWSClient *raw = holder.get();
  CHECK(raw->onMessage(
      [&](const std::string &s)
      {
        if (s == "bye")
          holder.reset(); // destroys the client inside its own callback: deferred, safe
        ev.record([&] { ev.messages.push_back(s); });
      }));
  CHECK(raw->onStopped([&] { ev.record([&] { ev.stopped++; }); }));
  // Queued before start: after start() the client may be gone at any moment,
  // so this thread does not touch it again.
  CHECK(raw->trySendMessage("bye"));
  CHECK(raw->trySendMessage("never delivered to a callback"));
  raw->start();
  CHECK(ev.wait([&] { return ev.messages.size() == 1; }));
  CHECK(ev.messages[0] == "bye");
  // No callback runs after the destruction (ASan would see one touching freed state).
  CHECK(!holder);
  CHECK(ev.stopped == 0);
}

TEST(destroy_from_another_clients_callback)
{
  Server server = echoServer();
  Events ev;
  auto victim = std::make_unique<MyWSClient>(kHost, server.port, "/");
  victim->start();
  MyWSClient killer(kHost, server.port, "/",
                    [&](const std::string &)
                    {
                      victim.reset(); // stops and joins the other client's I/O thread
                      ev.record([&] { ev.messages.push_back("done"); });
                    });
  killer.start();
  killer.sendMessage("go");
  CHECK(ev.wait([&] { return ev.messages.size() == 1; }));
  CHECK(!victim);
}

TEST(many_threads_sending)
{
  Server server = echoServer();
  Events ev;
  const int threads = 8, perThread = 250;
  MyWSClient client(kHost, server.port, "/");
  ev.attach(client);
  client.start();
  std::atomic<bool> go{false};
  std::atomic<int> refused{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < threads; t++)
    senders.emplace_back(
        [&, t]
        {
          while (!go)
            std::this_thread::yield();
          for (int i = 0; i < perThread; i++)
          {
            std::string m = std::to_string(t) + ":" + std::to_string(i);
            if (i % 2)
              client.sendMessage(m);
            else if (!client.trySendMessage(m))
              refused++;
          }
        });
  std::thread observer(
      [&]
      {
        while (!go)
          std::this_thread::yield();
        for (int i = 0; i < 200; i++)
        {
          (void)client.state();
          (void)client.stats();
          (void)client.lastError();
        }
      });
  go = true;
  for (auto &s : senders)
    s.join();
  observer.join();
  CHECK(refused == 0);
  CHECK(ev.wait([&] { return ev.messages.size() == threads * perThread; }, 60s));
  std::map<int, int> next;
  std::set<std::string> seen;
  for (const auto &m : ev.messages)
  {
    CHECK_MSG(seen.insert(m).second, "duplicate " << m);
    int t = std::stoi(m.substr(0, m.find(':')));
    int i = std::stoi(m.substr(m.find(':') + 1));
    CHECK_MSG(next[t] == i, "thread " << t << " out of order: " << i << " after " << next[t] - 1);
    next[t] = i + 1;
  }
  CHECK(!ev.overlapped);
  CHECK(client.stats().messagesReceived == threads * perThread);
}

TEST(shared_io_clients_echo)
{
#if defined(__SANITIZE_THREAD__)
  // A client is handed to an already running shared I/O thread through the
  // library's (uninstrumented) lock, which TSan cannot see: every access of
  // the callbacks would look like a race. The normal and ASan runs cover it.
  return;
#endif
  Server server = echoServer();
  const int n = 50;
  std::mutex m;
  std::condition_variable cv;
  std::set<std::string> got;
  std::vector<std::unique_ptr<MyWSClient>> clients;
  for (int i = 0; i < n; i++)
  {
    clients.push_back(std::make_unique<MyWSClient>(kHost, server.port, "/",
                                                   [&](const std::string &msg)
                                                   {
                                                     std::lock_guard<std::mutex> lock(m);
                                                     got.insert(msg);
                                                     cv.notify_all();
                                                   }));
    CHECK(clients.back()->setSharedIo(true));
    clients.back()->sendMessage("client " + std::to_string(i));
    clients.back()->start();
  }
  {
    std::unique_lock<std::mutex> lock(m);
    CHECK(cv.wait_for(lock, 30s, [&] { return got.size() == static_cast<std::size_t>(n); }));
  }
  for (int i = 0; i < n; i++)
    CHECK(got.count("client " + std::to_string(i)) == 1);
  for (auto &c : clients)
  {
    CHECK(c->state() == MyWSClient::State::Open);
    c->stop();
    CHECK(c->state() == MyWSClient::State::Stopped);
  }
}

TEST(sends_before_start_are_queued)
{
  Server server = echoServer();
  Events ev;
  MyWSClient client(kHost, server.port, "/");
  ev.attach(client);
  for (int i = 0; i < 3; i++)
    CHECK(client.trySendMessage("early " + std::to_string(i)));
  CHECK(client.stats().queuedMessages == 3);
  client.start();
  CHECK(ev.wait([&] { return ev.messages.size() == 3; }));
  CHECK(ev.messages[0] == "early 0" && ev.messages[2] == "early 2");
  CHECK(client.stats().queuedMessages == 0);
}

TEST(refusals_have_reasons_and_never_throw)
{
  MyWSClient client("ws://127.0.0.1", 9, "/"); // never started
  std::string why;
  CHECK(!client.trySendMessage(std::string("\xff\xfe"), &why));
  CHECK_MSG(contains(why, "UTF-8"), why);
  CHECK(client.setMaxMessageSize(16));
  CHECK(!client.trySendMessage(std::string(17, 'x'), &why));
  CHECK_MSG(contains(why, "17"), why);
  CHECK(!client.trySendBinary(std::string(17, 'x'), &why));
  CHECK(client.trySendBinary(std::string(16, 'x'), &why));
  CHECK(client.setQueueLimits(1 << 20, 2));
  CHECK(client.setDelivery(MyWSClient::Delivery::AtLeastOnce));
  CHECK(client.setDelivery(MyWSClient::Delivery::ResendUnacknowledged));
  CHECK(client.trySendMessage("two"));
  CHECK(!client.trySendMessage("three", &why));
  CHECK_MSG(contains(why, "queue full"), why);
  CHECK(contains(client.lastError(), "queue full"));
  {
    CerrCapture cap;
    client.sendMessage("three"); // refused: logged, as the original did
    client.sendMessage(std::string("\xc3\x28"));
    client.sendBinary("x", 1);
    CHECK_MSG(contains(cap.text(), "sendMessage") && contains(cap.text(), "queue full"), cap.text());
    CHECK(contains(cap.text(), "sendBinary"));
  }
  // Empty messages are fine.
  MyWSClient other("ws://127.0.0.1", 9, "/");
  CHECK(other.trySendMessage(""));
  CHECK(other.trySendBinary(nullptr, 0));
}

TEST(setters_only_when_not_running)
{
  // A port where nothing listens: the client keeps retrying.
  int port;
  {
    Server s = echoServer();
    port = s.port;
  }
  Events ev;
  MyWSClient client(kHost, port, "/");
  ev.attach(client);
  CHECK(client.setBackoff(20ms, 50ms, 2.0, 0.5));
  client.start();
  CHECK(ev.wait([&] { return !ev.reconnects.empty(); }));
  CHECK(ev.errorsOf(MyWSClient::ErrorKind::Connect) >= 1);
  {
    CerrCapture cap;
    CHECK(!client.setReconnect(false));
    CHECK(!client.onOpen(nullptr));
    CHECK(!client.setLogCallback(nullptr));
    CHECK(!client.setCaFile(""));
    CHECK_MSG(contains(cap.text(), "setReconnect"), cap.text());
  }
  CHECK(client.trySendMessage("queued while reconnecting"));
  client.stop();
  CHECK(client.state() == MyWSClient::State::Stopped);
  CHECK(client.setReconnect(true, 3));
  CHECK(client.setHeartbeat(1s, 2s));
  CHECK(client.setHeartbeat(0ms));
  CHECK(client.setTimeouts(2s, 3s, 500ms));
  CHECK(client.setBackoffReset(2s));
  CHECK(client.addHeader("X-Test", "1"));
  CHECK(client.clearHeaders());
  CHECK(client.setUseSystemRoots(true));
  CHECK(client.setDangerousDisableTlsVerification(false));
  CHECK(client.setClientCertificate("", ""));
  CHECK(client.setLogLevel(MyWSClient::LogLevel::Warn));
  {
    CerrCapture cap;
    CHECK(!client.addHeader("Host", "x"));
    CHECK(!client.setBackoff(0ms, 1s));
    CHECK(!client.setCaFile("/nonexistent/ca.pem"));
    CHECK(contains(client.lastError(), "/nonexistent/ca.pem"));
    CHECK(!client.setClientCertificate("/nonexistent/c.pem", ""));
  }
}

TEST(give_up_after_max_attempts)
{
  int port;
  {
    Server s = echoServer();
    port = s.port;
  }
  Events ev;
  MyWSClient client(kHost, port, "/");
  ev.attach(client);
  CHECK(client.setReconnect(true, 3));
  CHECK(client.setBackoff(10ms, 20ms));
  client.start();
  CHECK(ev.wait([&] { return ev.stopped == 1; }));
  CHECK(ev.errorsOf(MyWSClient::ErrorKind::GaveUp) == 1);
  CHECK(client.state() == MyWSClient::State::Stopped);
}

TEST(invalid_url_is_inert)
{
  CerrCapture cap;
  MyWSClient client("http://example.com", 0, "/");
  CHECK(!client.valid());
  CHECK(contains(cap.text(), "http://example.com"));
  client.start();
  client.sendMessage("x");
  std::string why;
  CHECK(!client.trySendMessage("x", &why));
  CHECK_MSG(contains(why, "could not be created"), why);
  CHECK(!client.tryStart());
  CHECK(!client.setReconnect(false));
  CHECK(client.state() == MyWSClient::State::Idle);
  CHECK(client.stats().messagesSent == 0);
  client.stop();
}

TEST(moves_keep_a_running_client_working)
{
  Server server = echoServer();
  Events ev;
  MyWSClient a(kHost, server.port, "/");
  ev.attach(a);
  a.start();
  CHECK(ev.wait([&] { return ev.opens.size() == 1; }));

  MyWSClient b(std::move(a)); // running: callbacks keep working
  CHECK(!a.valid());
  std::string why;
  CHECK(!a.trySendMessage("x", &why));
  CHECK(contains(why, "moved"));
  a.stop();
  CHECK(a.state() == MyWSClient::State::Idle);
  b.sendMessage("after move");
  CHECK(ev.wait([&] { return ev.messages.size() == 1; }));

  Events ev2;
  MyWSClient c(kHost, server.port, "/");
  ev2.attach(c);
  c.start();
  CHECK(ev2.wait([&] { return ev2.opens.size() == 1; }));
  c = std::move(b); // the client that was in c is stopped and destroyed
  CHECK(ev2.wait([&] { return ev2.stopped == 1; }));
  c.sendMessage("after move assignment");
  CHECK(ev.wait([&] { return ev.messages.size() == 2; }));

  // A vector of running clients survives reallocation.
  Events ev3; // declared before the clients: it must outlive their callbacks
  std::vector<MyWSClient> many;
  for (int i = 0; i < 5; i++)
  {
    many.emplace_back(kHost, server.port, "/");
    ev3.attach(many.back());
    many.back().start();
  }
  for (auto &cl : many)
    cl.sendMessage("v");
  CHECK(ev3.wait([&] { return ev3.messages.size() == 5; }));
}

TEST(reconnect_after_server_restart_delivers_queued_sends)
{
  Server server = echoServer();
  const int port = server.port;
  Events ev;
  MyWSClient client(kHost, port, "/");
  ev.attach(client);
  CHECK(client.setBackoff(20ms, 200ms));
  client.start();
  client.sendMessage("before");
  CHECK(ev.wait([&] { return ev.messages.size() == 1; }));

  server.process.stop(); // the server goes away
  CHECK(ev.wait([&] { return ev.closes.size() == 1 && !ev.reconnects.empty(); }));
  for (int i = 0; i < 10; i++)
    CHECK(client.trySendMessage("during " + std::to_string(i)));

  Server again = echoServer({"--addr", "127.0.0.1:" + std::to_string(port)});
  CHECK(again.port == port);
  CHECK(ev.wait([&] { return ev.messages.size() == 11; }));
  for (int i = 0; i < 10; i++)
    CHECK(ev.messages[static_cast<std::size_t>(i) + 1] == "during " + std::to_string(i));
  CHECK(ev.opens.size() == 2);
  CHECK(client.stats().reconnects == 1);
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

TEST(log_callback_receives_lines)
{
  Server server = echoServer();
  Events ev;
  std::mutex m;
  std::vector<std::pair<MyWSClient::LogLevel, std::string>> lines;
  MyWSClient client(kHost, server.port, "/");
  ev.attach(client);
  CHECK(client.setLogLevel(MyWSClient::LogLevel::Debug));
  CHECK(client.setLogCallback(
      [&](MyWSClient::LogLevel l, const std::string &s)
      {
        std::lock_guard<std::mutex> lock(m);
        lines.emplace_back(l, s);
      }));
  client.start();
  client.sendMessage("log me");
  CHECK(ev.wait([&] { return ev.messages.size() == 1; }));
  client.stop();
  std::lock_guard<std::mutex> lock(m);
  CHECK(!lines.empty());
  for (const auto &l : lines)
  {
    CHECK(l.first >= MyWSClient::LogLevel::Error && l.first <= MyWSClient::LogLevel::Debug);
    CHECK(!l.second.empty() && l.second.find('\n') == std::string::npos);
  }
}

TEST(start_stop_cycles)
{
  Server server = echoServer();
  Events ev;
  MyWSClient client(kHost, server.port, "/");
  ev.attach(client);
  for (int i = 0; i < 20; i++)
  {
    client.start();
    client.sendMessage("c" + std::to_string(i));
    CHECK(ev.wait([&] { return ev.messages.size() == static_cast<std::size_t>(i) + 1; }));
    client.stop();
    CHECK(client.state() == MyWSClient::State::Stopped);
  }
  for (int i = 0; i < 20; i++)
    CHECK(ev.messages[static_cast<std::size_t>(i)] == "c" + std::to_string(i));
  CHECK(ev.wait([&] { return ev.stopped == 20; }));
  CHECK(client.stats().connections == 20);
}

int main(int argc, char **argv)
{
  // The tests decide about TLS verification themselves.
  unsetenv("MYWSCLIENT_TLS_INSECURE");
  signal(SIGPIPE, SIG_IGN);
  return testsupport::runAll(argc, argv);
}

/// For wait predicates (which run under the Events lock): an error of `k` containing `part`.
static bool hasError(Events &ev, MyWSClient::ErrorKind k, const std::string &part)
{
  return std::any_of(ev.errors.begin(), ev.errors.end(),
                     [&](const auto &e) { return e.first == k && contains(e.second, part); });
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

TEST(proxy_setters)
{
  Server server = echoServer();
  Events ev;
  MyWSClient client(kHost, server.port, "/");
  ev.attach(client);
  CHECK(!client.setProxy("ftp://nope"));
  CHECK(client.setProxy("http://127.0.0.1:1")); // nothing listens there: a PROXY error
  CHECK(client.setNoProxy("example.com"));
  CHECK(client.addResolve("echo.test:1:127.0.0.1"));
  CHECK(!client.addResolve("no port"));
  client.start();
  CHECK(ev.wait([&] { return hasError(ev, MyWSClient::ErrorKind::Proxy, "127.0.0.1:1"); }));
  client.stop();
  CHECK(client.setNoProxy("127.0.0.1")); // bypassed: direct
  ev.opens.clear();
  client.start();
  CHECK(ev.wait([&] { return ev.opens.size() == 1; }));
  client.stop();
  CHECK(client.setProxy(""));
  CHECK(client.setProxyFromEnvironment());
  CHECK(client.clearResolve());
}
