// The driver's harness, the same in every contender's binary: the clock, what
// /proc says about this process, the results file, the command line.
//
// Each binary is the harness (harness.cpp, main.cpp) plus what it runs: the
// scenarios over a client (client.h, one adapter a contender) or, for raw,
// raw.cpp. That part defines kContender and run_scenario.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

// ------------------------------------------------------------------ provided by the contender's part

// The contender's name, recorded in the results ("ours", "original", ...).
extern const char *const kContender;

struct Args;
// Runs the scenario `a.scenario` names; returns the exit code (most scenarios
// leave through finish() instead).
int run_scenario(const Args &a);
// What run_scenario returns for a scenario the contender does not have (64), recorded as the error.
int unknown_scenario();

// ------------------------------------------------------------------ time

using Clock = std::chrono::steady_clock;

int64_t now_ns();
void sleep_ms(double ms);
// User + system CPU of the whole process, in seconds.
double cpu_seconds();

// ------------------------------------------------------------------ this process, from /proc

// /proc/self/status and /proc/self/fd are opened once, at start
// (open_proc_views), and read again from the start each time: with every fd of
// the process in use (the many-clients scenario), opening them then would fail.
void open_proc_views();
// A field of /proc/self/status ("VmRSS", "VmHWM", "Threads"), in its unit (kB or count).
long proc_status(const char *field);
// Peak RSS of this process image (VmHWM; getrusage's ru_maxrss would carry
// the parent's peak over fork + exec).
double maxrss_mib();
long count_fds();

// ------------------------------------------------------------------ results

struct Results
{
  std::string path;
  int fd = -1;                               // opened once (see open_proc_views)
  std::map<std::string, std::string> values; // key -> JSON value
  void num(const std::string &k, double v);
  void str(const std::string &k, const std::string &v);
  void boolean(const std::string &k, bool v);
  void nums(const std::string &k, const std::vector<double> &v);
  void stage(const std::string &s) { str("stage", s); }
  // Rewrites the whole file in place (the runner reads it after the exit).
  void flush();
};

extern Results R;

// The figures are on disk: leave at once. Tearing the client down is not
// measured (and the original's destructor can wait for its loop for ~30 s).
[[noreturn]] void finish(int rc);

// The value at fraction p (0..1) of the sorted values; -1 when there are none.
double percentile(std::vector<double> v, double p);

// ------------------------------------------------------------------ arguments

struct Args
{
  std::string scenario;
  std::map<std::string, std::string> kv;
  std::string get(const std::string &k, const std::string &d = "") const
  {
    auto it = kv.find(k);
    return it == kv.end() ? d : it->second;
  }
  long num(const std::string &k, long d) const
  {
    auto it = kv.find(k);
    return it == kv.end() ? d : atol(it->second.c_str());
  }
  double real(const std::string &k, double d) const
  {
    auto it = kv.find(k);
    return it == kv.end() ? d : atof(it->second.c_str());
  }
};
