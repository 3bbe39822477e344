// The fault proxy (child process).
#include "proxy.h"

#include "harness.h"

#include <csignal>
#include <cstdlib>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

bool Proxy::start(const std::string &bin, int target_port)
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

bool Proxy::read_line(std::string &line, int timeout_ms)
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

int64_t Proxy::cmd(const std::string &c)
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

Proxy::~Proxy()
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
