// raw: no client class, a minimal hand-written WebSocket client that only
// measures the echo server's ceiling (scenario raw_tput).
#include "harness.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

const char *const kContender = "raw";

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

int run_scenario(const Args &a)
{
  if (a.scenario == "raw_tput")
    return sc_raw_tput(a);
  return unknown_scenario();
}
