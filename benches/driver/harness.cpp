// The harness: clock, /proc readings, the results file, percentiles.
#include "harness.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <thread>

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

int64_t now_ns()
{
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

void sleep_ms(double ms) { std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(ms * 1000))); }

double cpu_seconds()
{
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// ------------------------------------------------------------------ this process, from /proc

static int status_fd = -1;
static DIR *fd_dir = nullptr;

void open_proc_views()
{
  status_fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  fd_dir = opendir("/proc/self/fd");
}

long proc_status(const char *field)
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

double maxrss_mib() { return proc_status("VmHWM") / 1024.0; }

long count_fds()
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

Results R;

void Results::num(const std::string &k, double v)
{
  char b[64];
  snprintf(b, sizeof b, "%.9g", v);
  values[k] = b;
  flush();
}

void Results::str(const std::string &k, const std::string &v)
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

void Results::boolean(const std::string &k, bool v)
{
  values[k] = v ? "true" : "false";
  flush();
}

void Results::nums(const std::string &k, const std::vector<double> &v)
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

void Results::flush()
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

void finish(int rc)
{
  R.stage("done");
  fflush(stdout);
  fflush(stderr);
  _exit(rc);
}

int unknown_scenario()
{
  R.str("error", "unknown scenario for this contender");
  return 64;
}

double percentile(std::vector<double> v, double p)
{
  if (v.empty())
    return -1;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5));
  return v[i];
}
