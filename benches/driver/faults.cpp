// Scenarios through the fault proxy: connection reset (cut), server
// unreachable (outage), half-open connection (halfopen), sends during an
// outage (outage_sends).
#include "scenarios.h"

#include "sockets.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <thread>

// A prober thread sends "R<n>" every `period_ms` until told to stop.
struct Prober
{
  std::atomic<bool> run{true};
  std::thread t;
  Prober(BenchClient &c, double period_ms)
  {
    t = std::thread(
        [this, &c, period_ms]
        {
          long n = 0;
          while (run.load())
          {
            c.sendMessage("R" + std::to_string(n++));
            sleep_ms(period_ms);
          }
        });
  }
  ~Prober()
  {
    run = false;
    t.join();
  }
};

// Connection reset (RST both ways) -> first echo.
int sc_cut(const Args &a)
{
  Proxy p;
  auto c = via_proxy(a, p);
  if (!c)
    return 2;
  R.stage("cut");
  int64_t t0 = p.cmd("cut");
  C.r_first_ns = 0;
  double ms;
  {
    Prober pr(*c, 5);
    bool ok = C.wait_until([] { return C.r_first_ns.load() != 0; }, a.real("deadline-s", 15));
    ms = ok ? (C.r_first_ns.load() - t0) / 1e6 : -1;
  }
  if (ms < 0)
  {
    R.str("error", "no echo after the cut");
    finish(3);
  }
  R.num("cut_to_echo_ms", ms);
  finish(0);
}

// Server unreachable for 2 s (port closed, connections reset) -> first echo after it is back.
int sc_outage(const Args &a)
{
  Proxy p;
  auto c = via_proxy(a, p);
  if (!c)
    return 2;
  R.stage("outage");
  p.cmd("refuse");
  int64_t t_cut = p.cmd("cut");
  C.r_first_ns = 0;
  double ms;
  {
    Prober pr(*c, 5);
    sleep_ms(a.real("outage-s", 2) * 1000 - (now_ns() - t_cut) / 1e6);
    bool early = C.r_first_ns.load() != 0;
    int64_t t0 = p.cmd("accept");
    if (early)
    {
      R.str("error", "an echo arrived during the outage");
      finish(3);
    }
    bool ok = C.wait_until([] { return C.r_first_ns.load() != 0; }, a.real("deadline-s", 15));
    ms = ok ? (C.r_first_ns.load() - t0) / 1e6 : -1;
  }
  if (ms < 0)
  {
    R.str("error", "no echo after the server came back");
    finish(3);
  }
  R.num("outage_to_echo_ms", ms);
  finish(0);
}

// Half-open: the proxy keeps the connection open but drops every byte
// (blackhole). The proxy's blackhole also swallows new connections, so the
// port is closed at the same time (refuse: new attempts are refused, not
// swallowed); as soon as the client gives the dead connection up (closes or
// shuts down its socket, or opens another one), the proxy forwards and
// accepts again. The figure is detection + reconnect + first echo; if the
// client's first new attempt comes before the driver noticed (it polls every
// millisecond), that attempt is refused and the client's next backoff step
// is part of the figure.
int sc_halfopen(const Args &a)
{
  Proxy p;
  auto c = via_proxy(a, p);
  if (!c)
    return 2;
  unsigned long old = 0;
  for (auto &kv : sockets_to(p.port))
    if (kv.second == 1)
      old = kv.first; // ESTABLISHED
  if (!old)
  {
    R.str("error", "cannot find the client's connection");
    finish(3);
  }
  R.stage("halfopen");
  int64_t t0 = p.cmd("blackhole");
  p.cmd("refuse");
  C.r_first_ns = 0;
  double deadline = a.real("deadline-s", 20);
  double detect_ms = -1, ms = -1;
  std::string how;
  {
    Prober pr(*c, 20);
    for (long k = 0; (now_ns() - t0) / 1e9 < deadline; k++)
    {
      if (!have_socket(old))
      {
        how = "closed";
      }
      else if (k % 10 == 0)
      {
        auto now = sockets_to(p.port);
        auto it = now.find(old);
        if (it != now.end() && it->second != 1)
          how = "shut down";
        else if (now.size() > 1)
          how = "new connection";
      }
      if (!how.empty())
      {
        detect_ms = (now_ns() - t0) / 1e6;
        p.cmd("forward");
        p.cmd("accept");
        break;
      }
      sleep_ms(1);
    }
    if (detect_ms >= 0)
    {
      R.num("halfopen_detect_ms", detect_ms);
      R.str("halfopen_detected_by", how);
      bool ok = C.wait_until([] { return C.r_first_ns.load() > 0; }, std::max(1.0, deadline - (now_ns() - t0) / 1e9));
      if (ok)
        ms = (C.r_first_ns.load() - t0) / 1e6;
    }
  }
  if (ms < 0)
  {
    R.str("error", detect_ms < 0 ? "the dead connection was never given up" : "no echo after reconnecting");
    finish(3);
  }
  R.num("halfopen_to_echo_ms", ms);
  finish(0);
}

// 100 sends while the server is unreachable: how many come back, in order?
int sc_outage_sends(const Args &a)
{
  Proxy p;
  auto c = via_proxy(a, p, true);
  if (!c)
    return 2;
  R.stage("outage_sends");
  p.cmd("refuse");
  int64_t t_cut = p.cmd("cut");
  sleep_ms(100);
  int n = int(a.num("n", 100));
  for (int i = 0; i < n; i++)
  {
    char m[16];
    snprintf(m, sizeof m, "O%03d", i);
    c->sendMessage(m);
    sleep_ms(10);
  }
  sleep_ms(std::max(0.0, a.real("outage-s", 2) * 1000 - (now_ns() - t_cut) / 1e6));
  p.cmd("accept");
  C.wait_until([&] { return int(C.outage.size()) >= n; }, a.real("deadline-s", 10));
  sleep_ms(200); // duplicates, if any
  std::lock_guard<std::mutex> lk(C.mu);
  std::set<int> uniq(C.outage.begin(), C.outage.end());
  bool in_order = std::is_sorted(C.outage.begin(), C.outage.end()) && uniq.size() == C.outage.size();
  R.num("outage_echoed", double(uniq.size()));
  R.num("outage_duplicates", double(C.outage.size() - uniq.size()));
  R.boolean("outage_in_order", in_order);
  finish(0);
}
