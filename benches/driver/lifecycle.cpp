// Scenarios of start and stop: start() -> first echo, idle CPU then stop()
// while connected, stop() while the server is unreachable.
#include "scenarios.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

// start() -> first echo, with a long connect timeout (for a contender whose
// sends wait for something else to wake its loop).
int sc_first_echo(const Args &a)
{
  auto c = connected_client(a, int(a.num("port", 0)));
  if (!c)
    return 2;
  R.num("first_echo_ms", std::stod(R.values["connect_ms"]));
  finish(0);
}

// CPU of the whole process while connected and idle, then how long stop() takes.
int sc_idle_stop(const Args &a)
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
int sc_stop_unreachable(const Args &a)
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
