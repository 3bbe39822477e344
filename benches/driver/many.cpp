// Many clients in one process: connect all, memory, threads and fds per
// client, idle CPU.
#include "scenarios.h"

#include <cstdio>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

// N clients in one process, each echoing one message.
int sc_many(const Args &a)
{
  long n = a.num("clients", 1000);
  double deadline = a.real("deadline-s", 60), idle_s = a.real("idle-s", 5);
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  R.num("fd_limit", double(rl.rlim_cur));
  std::unique_ptr<std::atomic<bool>[]> echoed(new std::atomic<bool>[size_t(n)]);
  for (long i = 0; i < n; i++)
    echoed[i] = false;
  std::atomic<long> count{0};
  std::atomic<int64_t> last_ns{0};
  std::vector<std::unique_ptr<BenchClient>> clients;
  clients.reserve(size_t(n));
  R.stage("create");
  int64_t t0 = now_ns();
  std::string err;
  for (long i = 0; i < n; i++)
  {
    try
    {
      auto cb = [i, &echoed, &count, &last_ns](const std::string &m)
      {
        if (!m.empty() && m[0] == 'M' && !echoed[i].exchange(true))
        {
          count.fetch_add(1);
          last_ns.store(now_ns());
        }
      };
      auto c = make_client(a, int(a.num("port", 0)), cb);
      if (!c)
        break;
      c->start();
      clients.push_back(std::move(c));
    }
    catch (const std::exception &e)
    {
      err = e.what();
      break;
    }
  }
  R.num("created", double(clients.size()));
  R.num("create_s", (now_ns() - t0) / 1e9);
  if (!err.empty())
    R.str("error", "creating client " + std::to_string(clients.size()) + ": " + err);
  R.stage("connect_all");
  long created = long(clients.size());
  // Until all echoed, the deadline, or no new echo for --stall-s seconds
  // (clients that cannot connect, e.g. out of file descriptors).
  double stall = a.real("stall-s", 12);
  long seen = -1;
  int64_t progress = now_ns();
  while (count.load() < created && (now_ns() - t0) / 1e9 < deadline && (now_ns() - progress) / 1e9 < stall)
  {
    for (long i = 0; i < created; i++)
      if (!echoed[i].load())
        clients[size_t(i)]->sendMessage("M" + std::to_string(i));
    for (int k = 0; k < 20 && count.load() < created; k++)
      sleep_ms(10);
    if (count.load() != seen)
    {
      seen = count.load();
      progress = now_ns();
    }
  }
  double all_s = (now_ns() - t0) / 1e9;
  R.num("connected", double(count.load()));
  if (count.load() == n)
    R.num("connect_all_s", all_s);
  if (count.load() < n && err.empty())
    R.str("error", std::to_string(count.load()) + " of " + std::to_string(n) + " connected");
  if (count.load() > 0)
    R.num("last_connect_s", (last_ns.load() - t0) / 1e9);
  R.num("rss_mib", proc_status("VmRSS") / 1024.0);
  R.num("threads", double(proc_status("Threads")));
  R.num("fds", double(count_fds()));
  R.stage("idle");
  double cpu0 = cpu_seconds();
  int64_t i0 = now_ns();
  sleep_ms(idle_s * 1000);
  R.num("idle_cpu_s_per_10s", (cpu_seconds() - cpu0) * 10 / ((now_ns() - i0) / 1e9));
  R.num("rss_after_idle_mib", proc_status("VmRSS") / 1024.0);
  if (count.load() > 0)
    R.num("rss_per_client_kib", proc_status("VmRSS") / double(count.load()));
  R.stage("done");
  // Tearing 10,000 clients down is not measured: leave without it.
  fflush(stdout);
  _exit(count.load() == n ? 0 : 3);
}
