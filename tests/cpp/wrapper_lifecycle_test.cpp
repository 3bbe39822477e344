// The life of a C++ client (part of cpp_wrapper_test): start/stop cycles,
// moves of running clients, an invalid URL leaving an inert client, giving up
// after the maximum number of attempts, and a reconnect after the server
// restarts that delivers what was queued meanwhile.
#include "wrapper_support.h"

#include <vector>

using namespace std::chrono_literals;
using namespace wrappertest;

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

TEST(give_up_after_max_attempts)
{
  const int port = closedPort();
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
