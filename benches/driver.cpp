// The benchmark driver: one source for every contender. Each contender is a
// class `MyWSClient` with the original's API (constructor(url, port, path,
// callback), start, stop, sendMessage), found as <MyWSClient.h> on the
// include path the build chooses:
//   ours         include/MyWSClient.h (+ libmywsclient)
//   original     a temporary copy of ../shared/seed (libwebsockets)
//   websocketpp  benches/peers/websocketpp/MyWSClient.h
//   beast        benches/peers/beast/MyWSClient.h
//   raw          no client class: a minimal hand-written WebSocket client
//                that only measures the echo server's ceiling.
// CONTENDER_<NAME> selects the few contender-specific lines (URL form, CA file).
//
// Usage: driver-<contender> SCENARIO --out FILE [--host 127.0.0.1] [--port P]
//        [--tls-ca FILE] [--proxy BIN] [--n N] [--tput-n N] [--size N]
//        [--reps N] [--idle-s S] [--clients N] [--deadline-s S]
// Scenarios: rtt, size, first_echo, idle_stop, stop_unreachable, cut, outage, halfopen,
//            outage_sends, many, contended, raw_tput.
// Results: one JSON object written to --out after every measurement (so a
// contender that crashes later keeps what it measured), with "stage" naming
// the step under way; stdout is left to the contender (the original logs there).
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CONTENDER_RAW
#include <MyWSClient.h>
#endif

#if defined(CONTENDER_OURS)
static const char *kContender = "ours";
#elif defined(CONTENDER_ORIGINAL)
static const char *kContender = "original";
#elif defined(CONTENDER_WEBSOCKETPP)
static const char *kContender = "websocketpp";
#elif defined(CONTENDER_BEAST)
static const char *kContender = "beast";
#elif defined(CONTENDER_RAW)
static const char *kContender = "raw";
#else
#error "define CONTENDER_OURS, CONTENDER_ORIGINAL, CONTENDER_WEBSOCKETPP, CONTENDER_BEAST or CONTENDER_RAW"
#endif

using Clock = std::chrono::steady_clock;

static int64_t now_ns()
{
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

static void sleep_ms(double ms)
{
  std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(ms * 1000)));
}

[[maybe_unused]] static double cpu_seconds()
{
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// /proc/self/status and /proc/self/fd are opened once, at start, and read
// again from the start each time: with every fd of the process in use (the
// many-clients scenario), opening them then would fail.
static int status_fd = -1;
static DIR *fd_dir = nullptr;

// A field of /proc/self/status ("VmRSS", "VmHWM", "Threads"), in its unit (kB or count).
static long proc_status(const char *field)
{
  if (status_fd < 0)
    return -1;
  std::string text;
  char buf[4096];
  ssize_t n;
  off_t off = 0;
  while ((n = pread(status_fd, buf, sizeof buf, off)) > 0)
  {
    text.append(buf, size_t(n));
    off += n;
  }
  size_t len = strlen(field);
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
  {
    if (line.compare(0, len, field) == 0 && line.size() > len && line[len] == ':')
      return atol(line.c_str() + len + 1);
  }
  return -1;
}

// Peak RSS of this process image (VmHWM; getrusage's ru_maxrss would carry
// the parent's peak over fork + exec).
[[maybe_unused]] static double maxrss_mib() { return proc_status("VmHWM") / 1024.0; }

[[maybe_unused]] static long count_fds()
{
  if (!fd_dir)
    return -1;
  long n = 0;
  rewinddir(fd_dir);
  while (dirent *e = readdir(fd_dir))
    if (e->d_name[0] != '.')
      n++;
  return n;
}

// ------------------------------------------------------------------ results

struct Results
{
  std::string path;
  int fd = -1;                               // opened once (see proc_status)
  std::map<std::string, std::string> values; // key -> JSON value
  void num(const std::string &k, double v)
  {
    char b[64];
    snprintf(b, sizeof b, "%.9g", v);
    values[k] = b;
    flush();
  }
  void str(const std::string &k, const std::string &v)
  {
    std::string s = "\"";
    for (char c : v)
    {
      if (c == '"' || c == '\\')
        s += '\\', s += c;
      else if (static_cast<unsigned char>(c) < 0x20)
        s += ' ';
      else
        s += c;
    }
    values[k] = s + "\"";
    flush();
  }
  void boolean(const std::string &k, bool v)
  {
    values[k] = v ? "true" : "false";
    flush();
  }
  void nums(const std::string &k, const std::vector<double> &v)
  {
    std::string s = "[";
    char b[64];
    for (size_t i = 0; i < v.size(); i++)
    {
      snprintf(b, sizeof b, "%s%.6g", i ? ", " : "", v[i]);
      s += b;
    }
    values[k] = s + "]";
    flush();
  }
  void stage(const std::string &s) { str("stage", s); }
  // Rewrites the whole file in place (the runner reads it after the exit).
  void flush()
  {
    if (fd < 0)
      return;
    std::string text = "{";
    bool first = true;
    for (auto &kv : values)
    {
      text += (first ? "\"" : ", \"") + kv.first + "\": " + kv.second;
      first = false;
    }
    text += "}\n";
    if (ftruncate(fd, 0) == 0 && pwrite(fd, text.data(), text.size(), 0) < 0)
      perror("results");
  }
};

static Results R;

// The figures are on disk: leave at once. Tearing the client down is not
// measured (and the original's destructor can wait for its loop for ~30 s).
[[maybe_unused]] [[noreturn]] static void finish(int rc)
{
  R.stage("done");
  fflush(stdout);
  fflush(stderr);
  _exit(rc);
}

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

// ------------------------------------------------------------------ the fault proxy (child process)

struct Proxy
{
  pid_t pid = -1;
  int in = -1, out = -1;
  int port = 0;
  std::string buf;

  bool start(const std::string &bin, int target_port)
  {
    int to_child[2], from_child[2];
    if (pipe2(to_child, O_CLOEXEC) || pipe2(from_child, O_CLOEXEC))
      return false;
    std::string target = "127.0.0.1:" + std::to_string(target_port);
    pid = fork();
    if (pid == 0)
    {
      dup2(to_child[0], 0);
      dup2(from_child[1], 1);
      execl(bin.c_str(), bin.c_str(), "--listen", "127.0.0.1:0", "--target", target.c_str(), (char *)nullptr);
      _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    in = to_child[1];
    out = from_child[0];
    std::string line;
    if (!read_line(line, 10000) || line.rfind("LISTENING ", 0) != 0)
      return false;
    port = atoi(line.c_str() + 10);
    return port > 0;
  }

  bool read_line(std::string &line, int timeout_ms)
  {
    int64_t deadline = now_ns() + int64_t(timeout_ms) * 1000000;
    for (;;)
    {
      auto nl = buf.find('\n');
      if (nl != std::string::npos)
      {
        line = buf.substr(0, nl);
        buf.erase(0, nl + 1);
        return true;
      }
      int left = int((deadline - now_ns()) / 1000000);
      if (left <= 0)
        return false;
      pollfd p{out, POLLIN, 0};
      if (poll(&p, 1, left) <= 0)
        continue;
      char tmp[256];
      ssize_t n = read(out, tmp, sizeof tmp);
      if (n <= 0)
        return false;
      buf.append(tmp, size_t(n));
    }
  }

  // Sends a command and waits for "OK <cmd>"; returns the time of the ack.
  int64_t cmd(const std::string &c)
  {
    std::string l = c + "\n";
    if (write(in, l.data(), l.size()) != ssize_t(l.size()))
      return -1;
    std::string line;
    while (read_line(line, 15000))
      if (line == "OK " + c)
        return now_ns();
    return -1;
  }

  ~Proxy()
  {
    if (in >= 0)
      close(in); // EOF: the proxy exits
    if (pid > 0)
    {
      for (int i = 0; i < 200; i++)
      {
        if (waitpid(pid, nullptr, WNOHANG) == pid)
          return;
        sleep_ms(10);
      }
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    if (out >= 0)
      close(out);
  }
};

// ------------------------------------------------------------------ what comes back

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

static Collector C;

[[maybe_unused]] static void on_message(const std::string &m)
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

// ------------------------------------------------------------------ contender specifics

#ifndef CONTENDER_RAW
// The URL each contender needs for a plain or TLS server on `host`.
static std::string url_for(const std::string &host, bool tls)
{
#if defined(CONTENDER_ORIGINAL)
  (void)tls;
  return host; // the original takes a bare host (its copy is built for plain ws://)
#else
  return (tls ? "wss://" : "ws://") + host;
#endif
}

static bool set_ca(MyWSClient &c, const std::string &ca)
{
#if defined(CONTENDER_OURS) || defined(CONTENDER_BEAST)
  c.setCaFile(ca);
  return true;
#else
  (void)c;
  (void)ca;
  return false;
#endif
}

static std::unique_ptr<MyWSClient> make_client(const Args &a, int port, MyWSClient::MessageCallback cb = on_message)
{
  bool tls = !a.get("tls-ca").empty();
  auto c = std::make_unique<MyWSClient>(url_for(a.get("host", "127.0.0.1"), tls), port, "/", cb);
  if (a.num("shared-io", 0))
  {
#if defined(CONTENDER_OURS) && defined(BENCH_HAVE_SHARED_IO)
    // Many clients on a few shared I/O threads (one fd per client).
    if (!c->setSharedIo(true))
    {
      R.str("error", "setSharedIo failed: " + c->lastError());
      finish(5);
    }
#else
    R.str("error", "no shared I/O mode in this contender");
    finish(5);
#endif
  }
  if (tls && !set_ca(*c, a.get("tls-ca")))
  {
    R.str("error", "TLS not supported by this contender");
    return nullptr;
  }
  if (!a.get("delivery").empty())
  {
#ifdef CONTENDER_OURS
    // --delivery 0|1|2: at-most-once, resend unacknowledged (default), at least once.
    if (!c->setDelivery(MyWSClient::Delivery(std::uint32_t(a.num("delivery", 1)))))
    {
      R.str("error", "setDelivery failed: " + c->lastError());
      finish(5);
    }
#else
    R.str("error", "no delivery modes in this contender");
    finish(5);
#endif
  }
  return c;
}

// The sockets of this process connected to 127.0.0.1:port: inode -> TCP state
// (1 = ESTABLISHED), from /proc: a view that needs nothing from the contender.
static std::map<unsigned long, int> sockets_to(int port)
{
  std::set<unsigned long> mine;
  if (DIR *d = opendir("/proc/self/fd"))
  {
    while (dirent *e = readdir(d))
    {
      char path[300], target[64];
      snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
      ssize_t n = readlink(path, target, sizeof target - 1);
      if (n <= 0)
        continue;
      target[n] = 0;
      unsigned long ino;
      if (sscanf(target, "socket:[%lu]", &ino) == 1)
        mine.insert(ino);
    }
    closedir(d);
  }
  std::map<unsigned long, int> out;
  std::ifstream f("/proc/self/net/tcp");
  std::string line;
  std::getline(f, line);
  while (std::getline(f, line))
  {
    unsigned la, lp, ra, rp, st;
    unsigned long ino;
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
    if (sscanf(line.c_str(), " %*d: %x:%x %x:%x %x %*x:%*x %*x:%*x %*x %*u %*u %lu", &la, &lp, &ra, &rp, &st, &ino) !=
        6)
      continue;
    if (int(rp) == port && mine.count(ino))
      out[ino] = int(st);
  }
  return out;
}

static bool tcp_established(int port)
{
  for (auto &kv : sockets_to(port))
    if (kv.second == 1)
      return true;
  return false;
}

// Sends probes until one comes back; returns the time it took (s), or -1.
// With `tcp_fallback`, a TCP connection that has been up for 2 s without an
// echo also counts (for scenarios that need no echo: idle CPU, stop); the
// result then says "connected_tcp_only".
static double wait_connected(MyWSClient &c, int port, double timeout_s, bool tcp_fallback)
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

static std::unique_ptr<MyWSClient> connected_client(const Args &a, int port, bool tcp_fallback = false)
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

static double percentile(std::vector<double> v, double p)
{
  if (v.empty())
    return -1;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5));
  return v[i];
}

// ------------------------------------------------------------------ scenarios

// Round-trip latency (one message in flight), then throughput (all sent back
// to back, all echoes awaited) and the peak RSS of the process.
static int sc_rtt(const Args &a)
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

// One message of --size bytes, --reps round trips; is it intact?
// Throughput with several threads sending at once through one client (the
// send path under contention): `threads` threads each send tput-n / threads
// 64-byte messages back to back, released together; all echoes awaited.
static int sc_contended(const Args &a)
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

static int sc_size(const Args &a)
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

// start() -> first echo, with a long connect timeout (for a contender whose
// sends wait for something else to wake its loop).
static int sc_first_echo(const Args &a)
{
  auto c = connected_client(a, int(a.num("port", 0)));
  if (!c)
    return 2;
  R.num("first_echo_ms", std::stod(R.values["connect_ms"]));
  finish(0);
}

// CPU of the whole process while connected and idle, then how long stop() takes.
static int sc_idle_stop(const Args &a)
{
  auto c = connected_client(a, int(a.num("port", 0)), true);
  if (!c)
    return 2;
  double idle_s = a.real("idle-s", 10);
  R.stage("idle");
  sleep_ms(500);
  double cpu0 = cpu_seconds();
  int64_t t0 = now_ns();
  sleep_ms(idle_s * 1000);
  double wall = (now_ns() - t0) / 1e9;
  double cpu = cpu_seconds() - cpu0;
  R.num("idle_cpu_s_per_10s", cpu * 10 / wall);
  R.num("idle_threads", double(proc_status("Threads")));
  R.stage("stop_connected");
  t0 = now_ns();
  c->stop();
  R.num("stop_connected_ms", (now_ns() - t0) / 1e6);
  finish(0);
}

// stop() while the server is unreachable (a closed port), after 1 s of trying.
static int sc_stop_unreachable(const Args &a)
{
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  bind(s, reinterpret_cast<sockaddr *>(&sa), sizeof sa);
  getsockname(s, reinterpret_cast<sockaddr *>(&sa), &len);
  int port = ntohs(sa.sin_port);
  close(s); // nothing listens there now: connects are refused
  auto c = make_client(a, port);
  if (!c)
    return 2;
  R.stage("trying");
  c->start();
  sleep_ms(a.real("try-s", 1) * 1000);
  R.stage("stop_unreachable");
  int64_t t0 = now_ns();
  c->stop();
  R.num("stop_unreachable_ms", (now_ns() - t0) / 1e6);
  finish(0);
}

// A prober thread sends "R<n>" every `period_ms` until told to stop.
struct Prober
{
  std::atomic<bool> run{true};
  std::thread t;
  Prober(MyWSClient &c, double period_ms)
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

static std::unique_ptr<MyWSClient> via_proxy(const Args &a, Proxy &p, bool tcp_fallback = false)
{
  if (!p.start(a.get("proxy"), int(a.num("port", 0))))
  {
    R.str("error", "cannot start the fault proxy");
    return nullptr;
  }
  return connected_client(a, p.port, tcp_fallback);
}

// Connection reset (RST both ways) -> first echo.
static int sc_cut(const Args &a)
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
static int sc_outage(const Args &a)
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

// Is "socket:[inode]" still one of this process's fds? (cheap: a few entries)
static bool have_socket(unsigned long inode)
{
  char want[64];
  snprintf(want, sizeof want, "socket:[%lu]", inode);
  bool found = false;
  if (DIR *d = opendir("/proc/self/fd"))
  {
    while (dirent *e = readdir(d))
    {
      char path[300], target[64];
      snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
      ssize_t n = readlink(path, target, sizeof target - 1);
      if (n > 0)
      {
        target[n] = 0;
        if (!strcmp(target, want))
          found = true;
      }
    }
    closedir(d);
  }
  return found;
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
static int sc_halfopen(const Args &a)
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
static int sc_outage_sends(const Args &a)
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

// N clients in one process, each echoing one message.
static int sc_many(const Args &a)
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
  std::vector<std::unique_ptr<MyWSClient>> clients;
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
#endif // !CONTENDER_RAW

// ------------------------------------------------------------------ raw: the echo server's ceiling

#ifdef CONTENDER_RAW
static bool write_all(int fd, const char *p, size_t n)
{
  while (n)
  {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return false;
    p += k;
    n -= size_t(k);
  }
  return true;
}

// A minimal client: fixed handshake, masked 64 B frames written in batches
// from one thread while another counts the echoes. No library in the way.
static int sc_raw_tput(const Args &a)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(uint16_t(a.num("port", 0)));
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa))
    return 2;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::string req = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    "Sec-WebSocket-Protocol: ws\r\n\r\n";
  write_all(fd, req.data(), req.size());
  std::string resp;
  char b[65536];
  while (resp.find("\r\n\r\n") == std::string::npos)
  {
    ssize_t k = read(fd, b, sizeof b);
    if (k <= 0)
      return 2;
    resp.append(b, size_t(k));
  }
  size_t extra = resp.size() - (resp.find("\r\n\r\n") + 4);
  long n = a.num("tput-n", 100000);
  const size_t in_frame = 2 + 64, out_frame = 2 + 4 + 64;
  std::string frame(out_frame, 'z');
  frame[0] = char(0x81);
  frame[1] = char(0x80 | 64);
  memset(&frame[2], 0, 4); // mask key 0: payload unchanged
  std::atomic<int64_t> done_ns{0};
  int64_t t0 = now_ns();
  std::thread reader(
      [&]
      {
        size_t want = size_t(n) * in_frame, got = extra;
        while (got < want)
        {
          ssize_t k = read(fd, b, sizeof b);
          if (k <= 0)
            break;
          got += size_t(k);
        }
        done_ns = got >= want ? now_ns() : -1;
      });
  std::string batch;
  for (int i = 0; i < 256; i++)
    batch += frame;
  for (long sent = 0; sent < n;)
  {
    long k = std::min(256L, n - sent);
    if (!write_all(fd, batch.data(), size_t(k) * out_frame))
      break;
    sent += k;
  }
  reader.join();
  if (done_ns <= 0)
    return 3;
  R.num("tput_msgs_per_s", n / ((done_ns - t0) / 1e9));
  R.num("tput_received", double(n));
  R.boolean("tput_complete", true);
  close(fd);
  return 0;
}
#endif

int main(int argc, char **argv)
{
  Args a;
  if (argc < 2)
  {
    fprintf(stderr, "usage: %s SCENARIO --out FILE [--key value]...\n", argv[0]);
    return 64;
  }
  a.scenario = argv[1];
  for (int i = 2; i + 1 < argc; i += 2)
  {
    if (strncmp(argv[i], "--", 2) != 0)
    {
      fprintf(stderr, "bad argument %s\n", argv[i]);
      return 64;
    }
    a.kv[argv[i] + 2] = argv[i + 1];
  }
  signal(SIGPIPE, SIG_IGN);
  R.path = a.get("out");
  if (!R.path.empty())
    R.fd = open(R.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  fd_dir = opendir("/proc/self/fd");
  R.str("contender", kContender);
  R.str("scenario", a.scenario);
  const std::string &s = a.scenario;
#ifdef CONTENDER_RAW
  if (s == "raw_tput")
    return sc_raw_tput(a);
#else
  if (s == "rtt")
    return sc_rtt(a);
  if (s == "size")
    return sc_size(a);
  if (s == "contended")
    return sc_contended(a);
  if (s == "first_echo")
    return sc_first_echo(a);
  if (s == "idle_stop")
    return sc_idle_stop(a);
  if (s == "stop_unreachable")
    return sc_stop_unreachable(a);
  if (s == "cut")
    return sc_cut(a);
  if (s == "outage")
    return sc_outage(a);
  if (s == "halfopen")
    return sc_halfopen(a);
  if (s == "outage_sends")
    return sc_outage_sends(a);
  if (s == "many")
    return sc_many(a);
#endif
  R.str("error", "unknown scenario for this contender");
  return 64;
}
