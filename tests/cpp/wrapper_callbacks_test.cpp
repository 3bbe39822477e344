// Callbacks of the C++ class (part of cpp_wrapper_test): exceptions thrown
// in them become onError (never reach the library), the log callback gets
// single lines, and sending, stopping or destroying a client from inside a
// callback (its own or another client's) is safe.
#include "wrapper_support.h"

#include <memory>
#include <vector>

using namespace std::chrono_literals;
using namespace wrappertest;

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
