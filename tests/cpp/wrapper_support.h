// Helpers shared by the threaded tests of the C++ class (wrapper_*_test.cpp,
// one test program: cpp_wrapper_test): the Events a client reports, a
// std::cerr capture and an error look-up for wait predicates. What does not
// depend on MyWSClient (servers, the test runner) is in test_support.h.
#pragma once

#include "MyWSClient.h"
#include "test_support.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace wrappertest
{

// What every wrapper test uses from test_support.h, with `using namespace wrappertest`.
using testsupport::closedPort;
using testsupport::contains;
using testsupport::echoServer;
using testsupport::Server;

inline const std::string kHost = "ws://127.0.0.1";

/// Everything a client reports, under one mutex; waits are bounded.
struct Events : testsupport::Recorder
{
  std::vector<std::string> messages;
  std::vector<std::string> binaries;
  std::vector<std::pair<MyWSClient::ErrorKind, std::string>> errors;
  std::vector<std::string> opens;
  std::vector<std::pair<int, MyWSClient::CloseInitiator>> closes;
  std::vector<unsigned> reconnects;
  int stopped = 0;
  std::atomic<int> inCallback{0};
  std::atomic<bool> overlapped{false};

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

/// For wait predicates (which run under the Events lock): an error of `k` containing `part`.
inline bool hasError(Events &ev, MyWSClient::ErrorKind k, const std::string &part)
{
  return std::any_of(ev.errors.begin(), ev.errors.end(),
                     [&](const auto &e) { return e.first == k && contains(e.second, part); });
}

/// Captures what the wrapper writes to std::cerr (single-threaded sections only).
struct CerrCapture
{
  std::ostringstream buf;
  std::streambuf *old;
  CerrCapture() : old(std::cerr.rdbuf(buf.rdbuf())) {}
  ~CerrCapture() { std::cerr.rdbuf(old); }
  std::string text() const { return buf.str(); }
};

} // namespace wrappertest
