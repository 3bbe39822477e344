// Helpers for the C++ tests: child processes (the echo servers) with pipes,
// and a tiny test runner. Test-only; POSIX.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern char **environ;

namespace testsupport
{

using Clock = std::chrono::steady_clock;

/// A child process with its stdin (write end), stdout and stderr (read ends)
/// on pipes. The destructor stops it: closes stdin (our servers exit on
/// EOF), waits a bounded time, then SIGKILLs.
class Process
{
public:
  Process() = default;
  Process(const Process &) = delete;
  Process &operator=(const Process &) = delete;
  Process(Process &&o) noexcept { *this = std::move(o); }
  Process &operator=(Process &&o) noexcept
  {
    if (this != &o)
    {
      stop();
      pid_ = o.pid_;
      in_ = o.in_;
      out_ = o.out_;
      err_ = o.err_;
      o.pid_ = -1;
      o.in_ = o.out_ = o.err_ = -1;
    }
    return *this;
  }
  ~Process() { stop(); }

  /// Starts `argv[0]` with `argv`; `env` entries ("K=V") are added to (or
  /// replace) this process's environment; `unset` names are removed.
  /// With captureStderr false, the child's stderr is ours.
  static Process spawn(const std::vector<std::string> &argv, const std::vector<std::string> &env = {},
                       const std::vector<std::string> &unset = {}, bool captureStderr = true)
  {
    int in[2], out[2], err[2] = {-1, -1};
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || (captureStderr && pipe2(err, O_CLOEXEC) != 0))
      throw std::runtime_error("pipe2 failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    if (captureStderr)
      posix_spawn_file_actions_adddup2(&fa, err[1], 2);

    std::vector<std::string> envs;
    for (char **e = environ; *e; ++e)
    {
      std::string kv = *e;
      std::string key = kv.substr(0, kv.find('='));
      bool drop = false;
      for (const auto &u : unset)
        drop = drop || key == u;
      for (const auto &n : env)
        drop = drop || key == n.substr(0, n.find('='));
      if (!drop)
        envs.push_back(kv);
    }
    envs.insert(envs.end(), env.begin(), env.end());
    std::vector<char *> cargv, cenv;
    for (const auto &a : argv)
      cargv.push_back(const_cast<char *>(a.c_str()));
    cargv.push_back(nullptr);
    for (const auto &e : envs)
      cenv.push_back(const_cast<char *>(e.c_str()));
    cenv.push_back(nullptr);

    Process p;
    int rc = posix_spawn(&p.pid_, cargv[0], &fa, nullptr, cargv.data(), cenv.data());
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    if (captureStderr)
      close(err[1]);
    p.in_ = in[1];
    p.out_ = out[0];
    p.err_ = err[0];
    if (rc != 0)
    {
      p.pid_ = -1;
      throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
    }
    return p;
  }

  pid_t pid() const { return pid_; }
  int stdinFd() const { return in_; }
  int stdoutFd() const { return out_; }
  int stderrFd() const { return err_; }

  /// Reads one line from fd (byte by byte, so nothing after it is consumed),
  /// waiting at most `timeout`. False on EOF or timeout.
  static bool readLine(int fd, std::string &line, std::chrono::milliseconds timeout)
  {
    line.clear();
    auto deadline = Clock::now() + timeout;
    for (;;)
    {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0)
        return false;
      pollfd pfd{fd, POLLIN, 0};
      int n = poll(&pfd, 1, static_cast<int>(left));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return false;
      char c;
      ssize_t r = read(fd, &c, 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return false;
      if (c == '\n')
        return true;
      line.push_back(c);
    }
  }

  void closeStdin()
  {
    if (in_ >= 0)
      close(in_);
    in_ = -1;
  }

  /// Waits for the exit at most `timeout`; returns the wait status, or -1
  /// on timeout (the process is then still running).
  int wait(std::chrono::milliseconds timeout)
  {
    if (pid_ < 0)
      return status_;
    // A pidfd becomes readable when the child exits: wait on it with poll.
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
    auto deadline = Clock::now() + timeout;
    for (;;)
    {
      int st = 0;
      pid_t r = waitpid(pid_, &st, WNOHANG);
      if (r == pid_ || (r < 0 && errno != EINTR))
      {
        if (pidfd >= 0)
          close(pidfd);
        pid_ = -1;
        status_ = r == -1 ? -1 : st;
        return status_;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0)
      {
        if (pidfd >= 0)
          close(pidfd);
        return -1;
      }
      if (pidfd >= 0)
      {
        pollfd pfd{pidfd, POLLIN, 0};
        poll(&pfd, 1, static_cast<int>(left));
      }
      else
      {
        // No pidfd (old kernel): short naps, bounded by the deadline.
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
  }

  void kill(int sig) const
  {
    if (pid_ > 0)
      ::kill(pid_, sig);
  }

  /// Closes stdin, waits up to 10 s, then SIGKILL. Idempotent.
  void stop()
  {
    closeStdin();
    if (pid_ > 0 && wait(std::chrono::seconds(10)) == -1)
    {
      kill(SIGKILL);
      wait(std::chrono::seconds(10));
    }
    for (int *fd : {&out_, &err_})
    {
      if (*fd >= 0)
        close(*fd);
      *fd = -1;
    }
  }

private:
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  int status_ = -1;
};

/// A server that prints "LISTENING <port>" first (mywsclient-echo-server, lws_server).
struct Server
{
  Process process;
  int port = 0;

  static Server start(const std::vector<std::string> &argv)
  {
    Server s;
    s.process = Process::spawn(argv, {}, {}, false);
    std::string line;
    if (!Process::readLine(s.process.stdoutFd(), line, std::chrono::seconds(30)) || line.rfind("LISTENING ", 0) != 0)
      throw std::runtime_error("server " + argv[0] + " did not print LISTENING <port> (got \"" + line + "\")");
    s.port = std::stoi(line.substr(10));
    return s;
  }
};

/// The echo server binary: $MYWSCLIENT_ECHO_SERVER, else the build-time default.
inline std::string echoServerPath()
{
  const char *p = std::getenv("MYWSCLIENT_ECHO_SERVER");
  if (p && *p)
    return p;
#ifdef MYWSCLIENT_ECHO_SERVER_DEFAULT
  return MYWSCLIENT_ECHO_SERVER_DEFAULT;
#else
  throw std::runtime_error("set MYWSCLIENT_ECHO_SERVER to the mywsclient-echo-server binary");
#endif
}

/// The echo server started with `extra` arguments (e.g. {"--subprotocol", "ws"}).
inline Server echoServer(const std::vector<std::string> &extra = {})
{
  std::vector<std::string> argv = {echoServerPath()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return Server::start(argv);
}

/// A loopback port where nothing listens: the echo server's, after it stopped.
inline int closedPort()
{
  Server s = echoServer();
  return s.port;
}

/// Whether `s` contains `part`.
inline bool contains(const std::string &s, const std::string &part) { return s.find(part) != std::string::npos; }

/// Waits on a condition variable for `pred`, at most `timeout` (anti-hang).
template <class Pred>
bool waitFor(std::mutex &m, std::condition_variable &cv, std::chrono::milliseconds timeout, Pred pred)
{
  std::unique_lock<std::mutex> lock(m);
  return cv.wait_for(lock, timeout, pred);
}

/// What a test's callbacks record goes under one mutex: `record` changes it
/// and wakes the waiters, `wait` waits for a condition on it (bounded).
struct Recorder
{
  std::mutex m;
  std::condition_variable cv;

  template <class Pred> bool wait(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(30))
  {
    return waitFor(m, cv, timeout, pred);
  }

  template <class F> void record(F f)
  {
    std::lock_guard<std::mutex> lock(m);
    f();
    cv.notify_all();
  }
};

// ------------------------------------------------------------------ a tiny test runner

struct TestCase
{
  const char *name;
  void (*fn)();
};

inline std::vector<TestCase> &registry()
{
  static std::vector<TestCase> r;
  return r;
}

struct Register
{
  Register(const char *name, void (*fn)()) { registry().push_back({name, fn}); }
};

struct Failure : std::runtime_error
{
  using std::runtime_error::runtime_error;
};

#define TEST(name)                                                                                                     \
  static void test_##name();                                                                                           \
  static ::testsupport::Register register_##name(#name, &test_##name);                                                 \
  static void test_##name()

#define CHECK(cond)                                                                                                    \
  do                                                                                                                   \
  {                                                                                                                    \
    if (!(cond))                                                                                                       \
    {                                                                                                                  \
      std::ostringstream os_;                                                                                          \
      os_ << __FILE__ << ":" << __LINE__ << ": CHECK(" #cond ") failed";                                               \
      throw ::testsupport::Failure(os_.str());                                                                         \
    }                                                                                                                  \
  } while (0)

#define CHECK_MSG(cond, msg)                                                                                           \
  do                                                                                                                   \
  {                                                                                                                    \
    if (!(cond))                                                                                                       \
    {                                                                                                                  \
      std::ostringstream os_;                                                                                          \
      os_ << __FILE__ << ":" << __LINE__ << ": CHECK(" #cond ") failed: " << msg;                                      \
      throw ::testsupport::Failure(os_.str());                                                                         \
    }                                                                                                                  \
  } while (0)

/// Runs every test (or those whose names are given as arguments).
inline int runAll(int argc, char **argv)
{
  int failed = 0, ran = 0;
  for (const TestCase &t : registry())
  {
    bool selected = argc <= 1;
    for (int i = 1; i < argc; i++)
      selected = selected || std::string(argv[i]) == t.name;
    if (!selected)
      continue;
    ran++;
    auto t0 = Clock::now();
    std::cout << "[ RUN  ] " << t.name << std::endl;
    try
    {
      t.fn();
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
      std::cout << "[  OK  ] " << t.name << " (" << ms << " ms)" << std::endl;
    }
    catch (const std::exception &e)
    {
      failed++;
      std::cout << "[ FAIL ] " << t.name << ": " << e.what() << std::endl;
    }
  }
  std::cout << ran - failed << "/" << ran << " tests passed" << std::endl;
  return (failed || ran == 0) ? 1 : 0;
}

} // namespace testsupport
