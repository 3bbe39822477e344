// This process's TCP sockets, from /proc.
#include "sockets.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>
#include <string>

#include <dirent.h>
#include <unistd.h>

std::map<unsigned long, int> sockets_to(int port)
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

bool tcp_established(int port)
{
  for (auto &kv : sockets_to(port))
    if (kv.second == 1)
      return true;
  return false;
}

bool have_socket(unsigned long inode)
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
