// mywsc's flag table and value parsers (see flags.h).
#include "flags.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <utility>

namespace mywsc
{
namespace
{

using std::chrono::milliseconds;

/// Parses "NAME: VALUE" (or "NAME:VALUE").
std::pair<std::string, std::string> splitHeader(const std::string &v)
{
  auto colon = v.find(':');
  if (colon == std::string::npos || colon == 0)
    throw UsageError("expected 'NAME: VALUE', got '" + v + "'");
  std::string name = v.substr(0, colon);
  std::size_t start = v.find_first_not_of(" \t", colon + 1);
  return {name, start == std::string::npos ? std::string() : v.substr(start)};
}

double parseNumber(const std::string &s, const char *what)
{
  if (s.empty())
    throw UsageError(std::string("empty ") + what);
  errno = 0;
  char *end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (errno != 0 || end != s.c_str() + s.size() || !std::isfinite(d) || d < 0)
    throw UsageError(std::string("bad ") + what + " '" + s + "'");
  return d;
}

MyWSClient::Compression parseCompression(const std::string &v)
{
  if (v == "off")
    return MyWSClient::Compression::Off;
  if (v == "on" || v == "context-takeover")
    return MyWSClient::Compression::ContextTakeover;
  if (v == "no-context-takeover")
    return MyWSClient::Compression::NoContextTakeover;
  throw UsageError("compression must be off, on (context-takeover) or no-context-takeover, not '" + v + "'");
}

MyWSClient::Delivery parseDelivery(const std::string &v)
{
  if (v == "at-most-once")
    return MyWSClient::Delivery::AtMostOnce;
  if (v == "resend-unacknowledged")
    return MyWSClient::Delivery::ResendUnacknowledged;
  if (v == "at-least-once")
    return MyWSClient::Delivery::AtLeastOnce;
  throw UsageError("delivery must be at-most-once, resend-unacknowledged or at-least-once, not '" + v + "'");
}

MyWSClient::LogLevel parseLevel(const std::string &v)
{
  if (v == "off")
    return MyWSClient::LogLevel::Off;
  if (v == "error")
    return MyWSClient::LogLevel::Error;
  if (v == "warn")
    return MyWSClient::LogLevel::Warn;
  if (v == "info")
    return MyWSClient::LogLevel::Info;
  if (v == "debug")
    return MyWSClient::LogLevel::Debug;
  throw UsageError("log level must be off, error, warn, info or debug, not '" + v + "'");
}

/// A list of 1..max comma-separated items.
std::vector<std::string> items(const std::string &v, std::size_t min, std::size_t max)
{
  std::vector<std::string> parts = splitList(v);
  if (parts.size() < min || parts.size() > max)
    throw UsageError("expected " + std::to_string(min) + (min == max ? "" : " to " + std::to_string(max)) +
                     " comma-separated values, got '" + v + "'");
  return parts;
}

unsigned toUnsigned(std::uint64_t n)
{
  if (n > std::numeric_limits<unsigned>::max())
    throw UsageError("number too large: " + std::to_string(n));
  return static_cast<unsigned>(n);
}

/// Sets a CLI setting or a gathered option from a flag: always accepted.
template <class T, class V> bool store(T &field, V &&value)
{
  field = std::forward<V>(value);
  return true;
}

// The table. Each row: name, argument (nullptr for a switch), help, action.
// A library option is one row calling one MyWSClient setter; options that a
// later release adds (proxy, origin, compression, ...) are one row each.
const std::vector<Flag> kFlags = {
    {nullptr, nullptr, "Connection", nullptr},
    {"--header", "'NAME: VALUE'", "extra HTTP header for the upgrade request (repeatable)",
     [](Target &t, const std::string &v)
     {
       auto h = splitHeader(v);
       return t.client.addHeader(h.first, h.second);
     }},
    {"--subprotocol", "NAME", "subprotocol to request (repeatable; default: ws, as MyWSClient)",
     [](Target &t, const std::string &v)
     {
       if (!t.gathered.subprotocols)
         t.gathered.subprotocols.emplace();
       t.gathered.subprotocols->push_back(v);
       return true;
     }},
    {"--no-subprotocol", nullptr, "request no subprotocol",
     [](Target &t, const std::string &) { return store(t.gathered.subprotocols, std::vector<std::string>()); }},
    {"--connect-timeout", "DURATION", "TCP connect timeout (10s)",
     [](Target &t, const std::string &v) { return store(t.gathered.connectTimeout, parseDuration(v)); }},
    {"--handshake-timeout", "DURATION", "TLS + WebSocket handshake timeout (10s)",
     [](Target &t, const std::string &v) { return store(t.gathered.handshakeTimeout, parseDuration(v)); }},
    {"--close-timeout", "DURATION", "how long closing waits for the server's close reply (1s)",
     [](Target &t, const std::string &v) { return store(t.gathered.closeTimeout, parseDuration(v)); }},
    {"--proxy", "URL",
     "proxy: http://, https://, socks5://, socks5h://, socks4a:// ('' = none; default: from the environment)",
     [](Target &t, const std::string &v) { return t.client.setProxy(v); }},
    {"--no-proxy", "LIST", "hosts that bypass the proxy, NO_PROXY syntax (default: no_proxy / NO_PROXY)",
     [](Target &t, const std::string &v) { return t.client.setNoProxy(v); }},
    {"--origin", "URL", "Origin header ('' = none; default: http://<host>, as MyWSClient)",
     [](Target &t, const std::string &v) { return t.client.setOrigin(v); }},
    {"--resolve", "HOST:PORT:ADDR[,ADDR]", "use these addresses for HOST:PORT instead of DNS (repeatable)",
     [](Target &t, const std::string &v) { return t.client.addResolve(v); }},
    {"--compression", "MODE[,LEVEL[,THRESHOLD]]",
     "permessage-deflate: off (default), on, no-context-takeover; zlib level (-1), threshold (128)",
     [](Target &t, const std::string &v)
     {
       auto p = items(v, 1, 3);
       int level = p.size() > 1 ? static_cast<int>(parseNumber(p[1], "level")) : -1;
       return t.client.setCompression(parseCompression(p[0]), level, p.size() > 2 ? parseSize(p[2]) : 128);
     }},
    {"--shared-io", nullptr, "run on the library's shared I/O threads instead of a thread of its own",
     [](Target &t, const std::string &) { return t.client.setSharedIo(true); }},

    {nullptr, nullptr, "TLS (wss://)", nullptr},
    {"--ca-file", "FILE", "trust the CA certificate(s) in this PEM file (besides the system roots)",
     [](Target &t, const std::string &v) { return t.client.setCaFile(v); }},
    {"--no-system-roots", nullptr, "do not trust the system's root certificates (only --ca-file)",
     [](Target &t, const std::string &) { return t.client.setUseSystemRoots(false); }},
    {"--cert", "FILE", "client certificate chain (PEM) for mutual TLS; needs --key",
     [](Target &t, const std::string &v) { return store(t.gathered.certFile, v); }},
    {"--key", "FILE", "private key (PEM) of --cert",
     [](Target &t, const std::string &v) { return store(t.gathered.keyFile, v); }},
    {"--dangerous-disable-tls-verification", nullptr, "DANGEROUS: accept any server certificate",
     [](Target &t, const std::string &) { return t.client.setDangerousDisableTlsVerification(true); }},

    {nullptr, nullptr, "Reconnecting and liveness", nullptr},
    {"--once", nullptr, "no reconnect: exit when the connection fails or ends",
     [](Target &t, const std::string &)
     {
       t.settings.once = true;
       return t.client.setReconnect(false);
     }},
    {"--max-attempts", "N", "give up after N consecutive failed attempts (0 = never; default)",
     [](Target &t, const std::string &v) { return t.client.setReconnect(true, toUnsigned(parseCount(v))); }},
    {"--backoff", "INITIAL,MAX[,FACTOR[,JITTER]]", "reconnect delays (100ms,5s,2,0.5)",
     [](Target &t, const std::string &v)
     {
       auto p = items(v, 2, 4);
       return t.client.setBackoff(parseDuration(p[0]), parseDuration(p[1]),
                                  p.size() > 2 ? parseNumber(p[2], "factor") : 2.0,
                                  p.size() > 3 ? parseNumber(p[3], "jitter") : 0.5);
     }},
    {"--backoff-reset", "DURATION", "a connection open this long resets the backoff (1s)",
     [](Target &t, const std::string &v) { return t.client.setBackoffReset(parseDuration(v)); }},
    {"--follow-redirects", "N", "follow up to N HTTP redirects of the upgrade (0 = none; default)",
     [](Target &t, const std::string &v) { return t.client.setFollowRedirects(toUnsigned(parseCount(v))); }},
    {"--stop-on-http-error", nullptr, "stop (exit) when the server refuses the upgrade with an HTTP error",
     [](Target &t, const std::string &) { return t.client.setHttpErrorPolicy(MyWSClient::HttpErrorPolicy::Stop); }},
    {"--delivery", "MODE",
     "after a broken connection resend: at-most-once, resend-unacknowledged (default), at-least-once",
     [](Target &t, const std::string &v) { return t.client.setDelivery(parseDelivery(v)); }},
    {"--heartbeat", "INTERVAL[,TIMEOUT]", "ping after INTERVAL of silence, dead after TIMEOUT more (3s,3s; 0 = off)",
     [](Target &t, const std::string &v)
     {
       auto p = items(v, 1, 2);
       return t.client.setHeartbeat(parseDuration(p[0]), p.size() > 1 ? parseDuration(p[1]) : milliseconds(3000));
     }},

    {nullptr, nullptr, "Limits", nullptr},
    {"--max-message-size", "SIZE", "largest message sent or received (64M)",
     [](Target &t, const std::string &v) { return t.client.setMaxMessageSize(parseSize(v)); }},
    {"--queue-limit", "BYTES[,MESSAGES]", "send queue limits (64M, no message limit)",
     [](Target &t, const std::string &v)
     {
       auto p = items(v, 1, 2);
       return t.client.setQueueLimits(parseSize(p[0]), p.size() > 1 ? static_cast<std::size_t>(parseCount(p[1])) : 0);
     }},

    {nullptr, nullptr, "Input and output", nullptr},
    {"--send-binary", nullptr, "send each stdin line as a binary message (default: text)",
     [](Target &t, const std::string &) { return store(t.settings.sendBinary, true); }},
    {"--binary-file", "FILE", "write received binary messages, raw, to FILE (default: hex lines on stdout)",
     [](Target &t, const std::string &v) { return store(t.settings.binaryFile, v); }},
    {"--count", "N", "exit after receiving N messages",
     [](Target &t, const std::string &v) { return store(t.settings.count, parseCount(v)); }},
    {"--linger", "DURATION", "after EOF and the queue drained, exit once nothing arrived for DURATION (1s; 'forever')",
     [](Target &t, const std::string &v)
     {
       t.settings.lingerForever = v == "forever";
       if (!t.settings.lingerForever)
         t.settings.linger = parseDuration(v);
       return true;
     }},
    {"--drain-timeout", "DURATION",
     "after EOF, give up when the queue has not drained within DURATION (default: no limit)",
     [](Target &t, const std::string &v) { return store(t.settings.drainTimeout, parseDuration(v)); }},

    {nullptr, nullptr, "Events and logging", nullptr},
    {"--json", nullptr, "events (and library log lines) on stderr as JSON lines",
     [](Target &t, const std::string &) { return store(t.settings.json, true); }},
    {"--quiet", nullptr, "no events on stderr, only errors",
     [](Target &t, const std::string &) { return store(t.settings.quiet, true); }},
    {"--log-level", "LEVEL", "library log level: off, error, warn (default), info, debug",
     [](Target &t, const std::string &v) { return t.client.setLogLevel(parseLevel(v)); }},
};

} // namespace

const std::vector<Flag> &flags() { return kFlags; }

const Flag *findFlag(const std::string &name)
{
  for (const Flag &f : kFlags)
    if (f.name && name == f.name)
      return &f;
  return nullptr;
}

bool applyGathered(Target &t)
{
  MyWSClient &c = t.client;
  Gathered &g = t.gathered;
  if (g.subprotocols && !c.setSubprotocols(*g.subprotocols))
    return false;
  if (g.certFile.empty() != g.keyFile.empty())
    throw UsageError("--cert and --key go together");
  if (!g.certFile.empty() && !c.setClientCertificate(g.certFile, g.keyFile))
    return false;
  if (g.connectTimeout || g.handshakeTimeout || g.closeTimeout)
    return c.setTimeouts(g.connectTimeout.value_or(milliseconds(10000)),
                         g.handshakeTimeout.value_or(milliseconds(10000)), g.closeTimeout.value_or(milliseconds(1000)));
  return true;
}

std::string usage()
{
  std::ostringstream o;
  o << "usage: mywsc [OPTIONS] URL\n"
       "\n"
       "Connects to URL (ws://HOST[:PORT]/PATH, wss://..., or a bare host = wss://),\n"
       "sends each line of standard input as a message, and prints each message\n"
       "received on standard output (binary ones as hex). Events (open, close,\n"
       "error, reconnect) go to standard error. Reconnects after failures, keeping\n"
       "what was sent in the meantime. On EOF it waits until everything queued is\n"
       "written, lingers for late replies, closes and exits.\n"
       "\n"
       "DURATION: 250 or 250ms, 3s, 1.5s, 2m. SIZE: bytes, or with K, M, G (x1024).\n";
  for (const Flag &f : kFlags)
  {
    if (!f.name)
    {
      o << "\n" << f.help << ":\n";
      continue;
    }
    std::string left = std::string("  ") + f.name + (f.arg ? std::string(" ") + f.arg : "");
    o << left;
    if (left.size() < 36)
      o << std::string(36 - left.size(), ' ');
    else
      o << "\n" << std::string(36, ' ');
    o << f.help << "\n";
  }
  o << "\nGeneral:\n"
       "  --help                            this text\n"
       "  --version                         mywsc's and the library's versions\n"
       "\n"
       "Exit status: 0 when every line was sent and the client closed cleanly;\n"
       "1 when something was refused, lost or failed; 2 for a usage error;\n"
       "128+N after signal N. The library honours MYWSCLIENT_LOG and\n"
       "MYWSCLIENT_TLS_INSECURE=1 (DANGEROUS) as well.\n";
  return o.str();
}

std::chrono::milliseconds parseDuration(const std::string &s)
{
  std::size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.'))
    i++;
  double n = parseNumber(s.substr(0, i), "duration");
  std::string unit = s.substr(i);
  double scale;
  if (unit.empty() || unit == "ms")
    scale = 1;
  else if (unit == "s")
    scale = 1000;
  else if (unit == "m")
    scale = 60000;
  else
    throw UsageError("bad duration '" + s + "' (use 250ms, 3s, 2m)");
  double ms = n * scale;
  if (ms > 4e9)
    throw UsageError("duration too long: '" + s + "'");
  return milliseconds(static_cast<long long>(std::llround(ms)));
}

std::size_t parseSize(const std::string &s)
{
  if (s.empty())
    throw UsageError("empty size");
  std::size_t mult = 1;
  std::string digits = s;
  switch (s.back())
  {
  case 'K':
  case 'k':
    mult = 1024;
    break;
  case 'M':
  case 'm':
    mult = 1024 * 1024;
    break;
  case 'G':
  case 'g':
    mult = 1024 * 1024 * 1024;
    break;
  default:
    break;
  }
  if (mult != 1)
    digits.pop_back();
  std::uint64_t n = parseCount(digits);
  if (n > std::numeric_limits<std::size_t>::max() / mult)
    throw UsageError("size too large: '" + s + "'");
  return static_cast<std::size_t>(n) * mult;
}

std::uint64_t parseCount(const std::string &s)
{
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
    throw UsageError("expected a non-negative integer, got '" + s + "'");
  errno = 0;
  unsigned long long n = std::strtoull(s.c_str(), nullptr, 10);
  if (errno == ERANGE)
    throw UsageError("number too large: '" + s + "'");
  return n;
}

std::vector<std::string> splitList(const std::string &s)
{
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true)
  {
    std::size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos)
      return out;
    start = comma + 1;
  }
}

} // namespace mywsc
