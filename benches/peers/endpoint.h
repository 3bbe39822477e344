// Shared by the peer adapters: turns the original class's (url, port, path)
// into scheme, host, port and target, with the same rules as ours: a bare
// host means wss:// (as the original), port > 0 overrides the URL's port, a
// non-empty path overrides the URL's path.
#pragma once
#include <string>

namespace bench_peer
{

struct Endpoint
{
  bool tls = true;
  std::string host;
  std::string port;
  std::string target = "/";
};

inline Endpoint resolve_endpoint(const std::string &url, int port, const std::string &path)
{
  Endpoint ep;
  std::string rest = url;
  if (rest.rfind("ws://", 0) == 0)
  {
    ep.tls = false;
    rest = rest.substr(5);
  }
  else if (rest.rfind("wss://", 0) == 0)
  {
    rest = rest.substr(6);
  }
  std::string url_target = "/";
  auto slash = rest.find('/');
  if (slash != std::string::npos)
  {
    url_target = rest.substr(slash);
    rest = rest.substr(0, slash);
  }
  std::string url_port = ep.tls ? "443" : "80";
  if (!rest.empty() && rest[0] == '[')
  { // [v6]:port
    auto close = rest.find(']');
    ep.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':')
      url_port = rest.substr(close + 2);
  }
  else
  {
    auto colon = rest.find(':');
    ep.host = rest.substr(0, colon);
    if (colon != std::string::npos)
      url_port = rest.substr(colon + 1);
  }
  ep.port = port > 0 ? std::to_string(port) : url_port;
  ep.target = path.empty() ? url_target : path;
  if (ep.target.empty() || ep.target[0] != '/')
    ep.target = "/" + ep.target;
  return ep;
}

/// Reconnect delays shared by both peers: the same schedule as ours'
/// defaults (100 ms doubling to 5 s), without jitter, reset on open.
struct Backoff
{
  long next_ms = 100;
  long take()
  {
    long d = next_ms;
    next_ms = next_ms * 2 > 5000 ? 5000 : next_ms * 2;
    return d;
  }
  void reset() { next_ms = 100; }
};

} // namespace bench_peer
