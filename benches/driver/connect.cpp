// The client a scenario uses: made with the command line's options, started, connected.
#include "scenarios.h"

#include "sockets.h"

std::unique_ptr<BenchClient> make_client(const Args &a, int port, MessageCallback cb)
{
  bool tls = !a.get("tls-ca").empty();
  auto c = new_client(a.get("host", "127.0.0.1"), tls, port, std::move(cb));
  if (a.num("shared-io", 0))
  {
    std::string err = c->setSharedIo();
    if (!err.empty())
    {
      R.str("error", err);
      finish(5);
    }
  }
  if (tls && !c->setCaFile(a.get("tls-ca")))
  {
    R.str("error", "TLS not supported by this contender");
    return nullptr;
  }
  if (!a.get("delivery").empty())
  {
    // --delivery 0|1|2: at-most-once, resend unacknowledged (default), at least once.
    std::string err = c->setDelivery(std::uint32_t(a.num("delivery", 1)));
    if (!err.empty())
    {
      R.str("error", err);
      finish(5);
    }
  }
  return c;
}

double wait_connected(BenchClient &c, int port, double timeout_s, bool tcp_fallback)
{
  int64_t t0 = now_ns(), tcp_since = 0;
  uint64_t before = C.probes.load();
  while ((now_ns() - t0) / 1e9 < timeout_s)
  {
    c.sendMessage("P");
    if (C.wait_until([&] { return C.probes.load() > before; }, 0.02))
    {
      double s = (now_ns() - t0) / 1e9;
      sleep_ms(100); // let the echoes of queued probes arrive
      return s;
    }
    if (tcp_fallback)
    {
      if (!tcp_established(port))
      {
        tcp_since = 0;
      }
      else if (!tcp_since)
      {
        tcp_since = now_ns();
      }
      else if (now_ns() - tcp_since > 2000000000LL)
      {
        R.boolean("connected_tcp_only", true);
        return (tcp_since - t0) / 1e9;
      }
    }
  }
  return -1;
}

std::unique_ptr<BenchClient> connected_client(const Args &a, int port, bool tcp_fallback)
{
  R.stage("connect");
  auto c = make_client(a, port);
  if (!c)
    return nullptr;
  c->start();
  double s = wait_connected(*c, port, a.real("connect-timeout-s", 15), tcp_fallback);
  if (s < 0)
  {
    R.str("error", "no echo within the connect timeout");
    finish(2);
  }
  R.num("connect_ms", s * 1000);
  return c;
}

std::unique_ptr<BenchClient> via_proxy(const Args &a, Proxy &p, bool tcp_fallback)
{
  if (!p.start(a.get("proxy"), int(a.num("port", 0))))
  {
    R.str("error", "cannot start the fault proxy");
    return nullptr;
  }
  return connected_client(a, p.port, tcp_fallback);
}
