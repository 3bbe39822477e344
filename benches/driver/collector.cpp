// What comes back.
#include "collector.h"

#include "harness.h"

#include <cstdlib>

Collector C;

void on_message(const std::string &m)
{
  int64_t t = now_ns();
  if (m.empty())
    return;
  switch (m[0])
  {
  case 'P':
    C.probes.fetch_add(1);
    C.notify();
    break;
  case 'L':
    C.lat_recv_ns.store(t);
    C.lat_seq.store(atol(m.c_str() + 1));
    C.notify();
    break;
  case 'T':
    if (C.tput.fetch_add(1) + 1 == C.tput_target)
    {
      C.tput_done_ns.store(t);
      C.notify();
    }
    break;
  case 'S':
  {
    std::lock_guard<std::mutex> lk(C.mu);
    C.size_got = true;
    C.size_len = m.size();
    C.size_intact = C.size_expected && m == *C.size_expected;
    C.size_recv_ns = t;
    C.cv.notify_all();
    break;
  }
  case 'R':
  {
    int64_t zero = 0;
    C.r_first_ns.compare_exchange_strong(zero, t);
    C.r_count.fetch_add(1);
    C.notify();
    break;
  }
  case 'O':
  {
    std::lock_guard<std::mutex> lk(C.mu);
    C.outage.push_back(atoi(m.c_str() + 1));
    C.cv.notify_all();
    break;
  }
  default:
    break;
  }
}
