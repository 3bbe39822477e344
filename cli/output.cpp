// What mywsc prints (see output.h).
#include "output.h"

#include "wake.h"

namespace mywsc
{

std::string jsonString(const std::string &s)
{
  std::string o = "\"";
  for (char ch : s)
  {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c)
    {
    case '"':
      o += "\\\"";
      break;
    case '\\':
      o += "\\\\";
      break;
    case '\n':
      o += "\\n";
      break;
    case '\r':
      o += "\\r";
      break;
    case '\t':
      o += "\\t";
      break;
    default:
      if (c < 0x20)
      {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        o += buf;
      }
      else
        o += static_cast<char>(c);
    }
  }
  return o + "\"";
}

const char *levelName(MyWSClient::LogLevel l)
{
  switch (l)
  {
  case MyWSClient::LogLevel::Error:
    return "error";
  case MyWSClient::LogLevel::Warn:
    return "warn";
  case MyWSClient::LogLevel::Info:
    return "info";
  case MyWSClient::LogLevel::Debug:
    return "debug";
  default:
    return "off";
  }
}

const char *initiatorName(MyWSClient::CloseInitiator i)
{
  switch (i)
  {
  case MyWSClient::CloseInitiator::Client:
    return "client";
  case MyWSClient::CloseInitiator::Server:
    return "server";
  default:
    return "abnormal";
  }
}

void Reporter::event(const char *name, const std::string &text, const std::string &fields, bool isError)
{
  if (quiet_ && !isError)
    return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (json_)
  {
    double t = std::chrono::duration<double>(Clock::now() - start_).count();
    std::fprintf(stderr, "{\"event\":\"%s\",\"t\":%.3f%s%s}\n", name, t, fields.empty() ? "" : ",", fields.c_str());
  }
  else
    std::fprintf(stderr, "mywsc: %s\n", text.c_str());
  std::fflush(stderr);
}

void Reporter::error(const std::string &kind, const std::string &message)
{
  event("error", "error (" + kind + "): " + message,
        "\"kind\":" + jsonString(kind) + ",\"message\":" + jsonString(message), true);
}

namespace
{

bool writeAll(FILE *f, const void *data, std::size_t len) { return std::fwrite(data, 1, len, f) == len; }

} // namespace

void printMessage(Shared &sh, const Settings &s, FILE *binaryOut, const std::string &m, bool binary)
{
  bool ok;
  if (!binary)
    ok = writeAll(stdout, m.data(), m.size()) && std::fputc('\n', stdout) != EOF && std::fflush(stdout) == 0;
  else if (binaryOut)
    ok = writeAll(binaryOut, m.data(), m.size()) && std::fflush(binaryOut) == 0;
  else
  {
    static const char digits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(m.size() * 2 + 1);
    for (char ch : m)
    {
      unsigned char c = static_cast<unsigned char>(ch);
      hex += digits[c >> 4];
      hex += digits[c & 15];
    }
    hex += '\n';
    ok = writeAll(stdout, hex.data(), hex.size()) && std::fflush(stdout) == 0;
  }
  sh.lastReceive.store(Clock::now().time_since_epoch().count());
  std::uint64_t n = sh.received.fetch_add(1) + 1;
  if (!ok && !sh.outputFailed.exchange(true))
    wake();
  if (s.count != 0 && n == s.count)
    wake();
}

} // namespace mywsc
