// The benchmark driver: one program for every contender, built once per
// contender (benches/build.sh) from the harness (harness.cpp, this file) and
// the contender's part:
//   ours         scenarios over include/MyWSClient.h (+ libmywsclient): ours.cpp
//   original     scenarios over a temporary copy of ../shared/seed (libwebsockets): original.cpp
//   websocketpp  scenarios over benches/peers/websocketpp/MyWSClient.h: websocketpp.cpp
//   beast        scenarios over benches/peers/beast/MyWSClient.h: beast.cpp
//   raw          no client class: a minimal hand-written WebSocket client
//                that only measures the echo server's ceiling: raw.cpp.
// The scenarios (scenarios.cpp and the files it names) are written once
// against the small client interface of client.h, which each adapter
// implements over its contender's class `MyWSClient` (the original's API).
//
// Usage: driver-<contender> SCENARIO --out FILE [--host 127.0.0.1] [--port P]
//        [--tls-ca FILE] [--proxy BIN] [--n N] [--tput-n N] [--size N]
//        [--reps N] [--idle-s S] [--clients N] [--deadline-s S]
// Scenarios: rtt, size, first_echo, idle_stop, stop_unreachable, cut, outage, halfopen,
//            outage_sends, many, contended, raw_tput.
// Results: one JSON object written to --out after every measurement (so a
// contender that crashes later keeps what it measured), with "stage" naming
// the step under way; stdout is left to the contender (the original logs there).
#include "harness.h"

#include <csignal>
#include <cstdio>
#include <cstring>

#include <fcntl.h>

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
  open_proc_views();
  R.str("contender", kContender);
  R.str("scenario", a.scenario);
  return run_scenario(a);
}
