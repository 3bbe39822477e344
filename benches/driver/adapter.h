// What the adapters share: BenchClient over a class with the original's API
// (MyWSClient(url, port, path, callback), start, stop, sendMessage). Included
// by each adapter after its contender's <MyWSClient.h>.
#pragma once

#include "client.h"
#include "harness.h"

#include <string>
#include <utility>

// The URL a contender that takes a scheme needs for a plain or TLS server on `host`.
inline std::string ws_url(const std::string &host, bool tls) { return (tls ? "wss://" : "ws://") + host; }

template <class W> class Adapter : public BenchClient
{
public:
  Adapter(const std::string &url, int port, MessageCallback cb) : w(url, port, "/", std::move(cb)) {}
  void start() override { w.start(); }
  void stop() override { w.stop(); }
  void sendMessage(const std::string &message) override { w.sendMessage(message); }

protected:
  W w;
};

// A contender with setCaFile(path) (wss:// with a given CA).
template <class W> class AdapterWithCa : public Adapter<W>
{
public:
  using Adapter<W>::Adapter;
  bool setCaFile(const std::string &path) override
  {
    this->w.setCaFile(path);
    return true;
  }
};
