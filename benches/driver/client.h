// The small client interface the scenarios are written against: the
// original's API (start, stop, sendMessage; the message callback given at
// construction) and the few options a scenario may ask beyond it. Each
// contender's adapter (ours.cpp, original.cpp, websocketpp.cpp, beast.cpp)
// implements it over its class `MyWSClient` and provides new_client.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

using MessageCallback = std::function<void(const std::string &)>;

class BenchClient
{
public:
  virtual ~BenchClient() = default;
  virtual void start() = 0;
  virtual void stop() = 0;
  virtual void sendMessage(const std::string &message) = 0;

  // Beyond the original's API; the defaults: this contender has no such option.
  // Trusts the CA file for wss://; false: no TLS in this contender.
  virtual bool setCaFile(const std::string &path)
  {
    (void)path;
    return false;
  }
  // Many clients on a few shared I/O threads; "" when set, else why not.
  virtual std::string setSharedIo() { return "no shared I/O mode in this contender"; }
  // Delivery mode 0|1|2; "" when set, else why not.
  virtual std::string setDelivery(std::uint32_t mode)
  {
    (void)mode;
    return "no delivery modes in this contender";
  }
};

// The contender's client for a server on host:port, path "/", ws:// or wss://
// (`tls`), not started. Provided by the contender's adapter.
std::unique_ptr<BenchClient> new_client(const std::string &host, bool tls, int port, MessageCallback cb);
