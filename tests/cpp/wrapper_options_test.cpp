// Setters and refusals of the C++ class (part of cpp_wrapper_test): refused
// sends say why and never throw, setters refuse while the client runs and
// check their values, and the proxy and resolve setters take effect.
#include "wrapper_support.h"

using namespace std::chrono_literals;
using namespace wrappertest;

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
  const int port = closedPort();
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
