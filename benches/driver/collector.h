// What comes back: every scenario's echoes go to on_message, which sorts them
// by their first byte into the collector C.
//   P  probe (connect)        L  latency (round trip)   T  throughput
//   S  size                   R  reconnect probe         O  sends during an outage
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

struct Collector
{
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<uint64_t> probes{0};
  std::atomic<long> lat_seq{-1};
  std::atomic<int64_t> lat_recv_ns{0};
  std::atomic<uint64_t> tput{0};
  uint64_t tput_target = 0;
  std::atomic<int64_t> tput_done_ns{0};
  const std::string *size_expected = nullptr; // set under mu
  bool size_got = false, size_intact = false;
  size_t size_len = 0;
  int64_t size_recv_ns = 0;
  std::atomic<int64_t> r_first_ns{0};
  std::atomic<uint64_t> r_count{0};
  std::vector<int> outage;

  void notify()
  {
    std::lock_guard<std::mutex> lk(mu);
    cv.notify_all();
  }
  template <class P> bool wait_until(P pred, double timeout_s)
  {
    std::unique_lock<std::mutex> lk(mu);
    return cv.wait_for(lk, std::chrono::duration<double>(timeout_s), pred);
  }
};

extern Collector C;

// The message callback of every client the scenarios make (but many's).
void on_message(const std::string &m);
