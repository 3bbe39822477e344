// Scenarios of messages echoed: round trips and throughput (rtt), throughput
// with several sending threads (contended), one message of a given size (size).
#include "scenarios.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

// Round-trip latency (one message in flight), then throughput (all sent back
// to back, all echoes awaited) and the peak RSS of the process.
int sc_rtt(const Args &a)
{
  auto c = connected_client(a, int(a.num("port", 0)));
  if (!c)
    return 2;
  long n = a.num("n", 5000), warm = std::min(200L, n / 10 + 1);
  double deadline = a.real("deadline-s", 20);
  R.stage("latency");
  std::vector<double> us;
  us.reserve(size_t(n));
  char msg[33];
  int64_t t_start = now_ns();
  for (long i = 0; i < warm + n; i++)
  {
    snprintf(msg, sizeof msg, "L%08ld", i);
    int64_t t0 = now_ns();
    c->sendMessage(std::string(msg) + std::string(32 - 9, 'x'));
    if (!C.wait_until([&] { return C.lat_seq.load() >= i; }, 5))
    {
      R.str("error", "latency: echo " + std::to_string(i) + " lost");
      finish(3);
    }
    if (i >= warm)
      us.push_back((C.lat_recv_ns.load() - t0) / 1e3);
    if ((now_ns() - t_start) / 1e9 > deadline)
      break;
  }
  R.num("latency_n", double(us.size()));
  R.num("latency_p50_us", percentile(us, 0.5));
  R.num("latency_p99_us", percentile(us, 0.99));
  // The distribution for the report's CDF chart: every percentile, then 99.5 and 99.9.
  std::vector<double> cdf;
  for (int q = 0; q <= 100; q++)
    cdf.push_back(percentile(us, q / 100.0));
  cdf.push_back(percentile(us, 0.995));
  cdf.push_back(percentile(us, 0.999));
  R.nums("latency_cdf_us", cdf);
  double sum = 0;
  for (double x : us)
    sum += x;
  R.num("latency_mean_us", us.empty() ? -1 : sum / us.size());

  R.stage("throughput");
  long tn = a.num("tput-n", 100000);
  C.tput_target = uint64_t(tn);
  std::vector<std::string> msgs;
  msgs.reserve(size_t(tn));
  for (long i = 0; i < tn; i++)
  {
    snprintf(msg, sizeof msg, "T%08ld", i);
    msgs.emplace_back(std::string(msg) + std::string(64 - 9, 'y'));
  }
  double cpu0 = cpu_seconds();
  int64_t t0 = now_ns();
  for (auto &m : msgs)
    c->sendMessage(m);
  double send_s = (now_ns() - t0) / 1e9;
  bool all = C.wait_until([&] { return C.tput.load() >= C.tput_target; }, deadline);
  int64_t t1 = all ? C.tput_done_ns.load() : now_ns();
  double secs = (t1 - t0) / 1e9;
  R.num("tput_send_s", send_s);
  R.num("tput_received", double(C.tput.load()));
  R.num("tput_msgs_per_s", C.tput.load() / secs);
  R.num("tput_cpu_s", cpu_seconds() - cpu0);
  R.boolean("tput_complete", all);
  R.num("tput_maxrss_mib", maxrss_mib());
  finish(all ? 0 : 4);
}

// Throughput with several threads sending at once through one client (the
// send path under contention): `threads` threads each send tput-n / threads
// 64-byte messages back to back, released together; all echoes awaited.
int sc_contended(const Args &a)
{
  auto c = connected_client(a, int(a.num("port", 0)));
  if (!c)
    return 2;
  double deadline = a.real("deadline-s", 30);
  R.stage("contended");
  int nt = std::max(1, int(a.num("threads", 8)));
  long per = a.num("tput-n", 100000) / nt;
  C.tput_target = uint64_t(per) * uint64_t(nt);
  std::vector<std::vector<std::string>> msgs(static_cast<size_t>(nt));
  for (int t = 0; t < nt; t++)
  {
    msgs[size_t(t)].reserve(size_t(per));
    for (long i = 0; i < per; i++)
    {
      char m[32];
      snprintf(m, sizeof m, "T%02d%07ld", t, i);
      msgs[size_t(t)].emplace_back(std::string(m) + std::string(64 - strlen(m), 'y'));
    }
  }
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> senders;
  for (int t = 0; t < nt; t++)
    senders.emplace_back(
        [&, t]
        {
          ready.fetch_add(1);
          while (!go.load())
            std::this_thread::yield();
          for (auto &m : msgs[size_t(t)])
            c->sendMessage(m);
        });
  while (ready.load() < nt)
    std::this_thread::yield();
  double cpu0 = cpu_seconds();
  int64_t t0 = now_ns();
  go.store(true);
  for (auto &th : senders)
    th.join();
  double send_s = (now_ns() - t0) / 1e9;
  bool all = C.wait_until([&] { return C.tput.load() >= C.tput_target; }, deadline);
  int64_t t1 = all ? C.tput_done_ns.load() : now_ns();
  R.num("threads", nt);
  R.num("contended_send_s", send_s);
  R.num("contended_received", double(C.tput.load()));
  R.num("contended_msgs_per_s", C.tput.load() / ((t1 - t0) / 1e9));
  R.num("contended_cpu_s", cpu_seconds() - cpu0);
  R.boolean("contended_complete", all);
  finish(all ? 0 : 4);
}

// One message of --size bytes, --reps round trips; is it intact?
int sc_size(const Args &a)
{
  auto c = connected_client(a, int(a.num("port", 0)));
  if (!c)
    return 2;
  long size = a.num("size", 100), reps = a.num("reps", 3);
  double timeout = a.real("deadline-s", 20);
  R.stage("size");
  std::vector<double> ms;
  bool intact = true;
  long echoed = 0;
  for (long r = 0; r < reps; r++)
  {
    std::string payload(size_t(size), 'a');
    char head[8];
    snprintf(head, sizeof head, "S%03ld", r % 1000);
    for (size_t i = 0; i < payload.size(); i++)
      payload[i] = char('a' + (i * 7 + r) % 26);
    memcpy(&payload[0], head, std::min<size_t>(4, payload.size()));
    {
      std::lock_guard<std::mutex> lk(C.mu);
      C.size_expected = &payload;
      C.size_got = false;
    }
    int64_t t0 = now_ns();
    c->sendMessage(payload);
    bool got = C.wait_until([&] { return C.size_got; }, timeout);
    std::lock_guard<std::mutex> lk(C.mu);
    C.size_expected = nullptr;
    if (!got)
    {
      intact = false;
      R.str("error", "no echo within " + std::to_string(int(timeout)) + " s");
      break;
    }
    echoed++;
    intact = intact && C.size_intact;
    ms.push_back((C.size_recv_ns - t0) / 1e6);
    R.num("size_rtt_ms", percentile(ms, 0.5));
    R.num("size_echoed", double(echoed));
    R.boolean("size_intact", intact);
  }
  R.num("size_echoed", double(echoed));
  R.boolean("size_intact", intact && echoed == reps);
  finish(echoed == reps ? 0 : 3);
}
