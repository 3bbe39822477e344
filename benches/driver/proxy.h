// The fault proxy (mywsclient-fault-proxy) as a child process, driven through
// its stdin: "cut", "refuse", "accept", "blackhole", "forward".
#pragma once

#include <cstdint>
#include <string>

#include <sys/types.h>

struct Proxy
{
  pid_t pid = -1;
  int in = -1, out = -1;
  int port = 0;
  std::string buf;

  // Starts `bin` in front of 127.0.0.1:target_port; `port` is where it listens.
  bool start(const std::string &bin, int target_port);
  bool read_line(std::string &line, int timeout_ms);
  // Sends a command and waits for "OK <cmd>"; returns the time of the ack.
  int64_t cmd(const std::string &c);
  ~Proxy();
};
