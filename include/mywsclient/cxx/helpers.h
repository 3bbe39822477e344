// Part of MyWSClient.h (private helpers: results and errors, std::cerr, conversions); not to be included on its own.
#pragma once
#ifndef MYWSCLIENT_CXX_HELPERS_H
#define MYWSCLIENT_CXX_HELPERS_H

#ifndef MYWSCLIENT_CXX_WRAPPER_H
#error "mywsclient/cxx/helpers.h is part of MyWSClient.h: include \"MyWSClient.h\" instead"
#endif

inline std::size_t MyWSClient::sizeOf(std::uint64_t v) noexcept
{
  return v > std::numeric_limits<std::size_t>::max() ? std::numeric_limits<std::size_t>::max()
                                                     : static_cast<std::size_t>(v);
}

inline std::string MyWSClient::defaultOrigin(const std::string &url)
{
  std::string h = url;
  std::string::size_type p = h.find("://");
  if (p != std::string::npos)
    h = h.substr(p + 3);
  h = h.substr(0, h.find_first_of("/?#"));
  p = h.rfind('@');
  if (p != std::string::npos)
    h = h.substr(p + 1);
  if (!h.empty() && h[0] == '[')
    h = h.substr(0, h.find(']') + 1);
  else if (h.find(':') != h.rfind(':'))
    h = "[" + h + "]";
  else
    h = h.substr(0, h.find(':'));
  return "http://" + h;
}

inline std::uint32_t MyWSClient::ms(std::chrono::milliseconds d) noexcept
{
  if (d.count() <= 0)
    return 0;
  if (d.count() >= static_cast<std::chrono::milliseconds::rep>(std::numeric_limits<std::uint32_t>::max()))
    return std::numeric_limits<std::uint32_t>::max();
  return static_cast<std::uint32_t>(d.count());
}

inline std::string MyWSClient::describe(mywsclient_result r)
{
  std::string name = mywsclient_result_str(static_cast<std::int32_t>(r));
  const char *detail = mywsclient_last_error();
  if (!detail || !*detail)
    return name;
  std::string d = detail;
  // The details usually start with the result's name already.
  return d.compare(0, name.size(), name) == 0 ? d : name + ": " + d;
}

inline std::string MyWSClient::notUsable() const
{
  if (cb_)
    return "this MyWSClient could not be created: " + cb_->getLastError();
  return "this MyWSClient was moved from";
}

inline void MyWSClient::logLine(const char *where, const std::string &what) noexcept
{
  try
  {
    std::cerr << "[MyWSClient" << (*where ? "::" : "") << where << "] " << what << std::endl;
  }
  catch (...)
  {
  }
}

inline bool MyWSClient::fail(std::string *why, const std::string &reason, const char *where)
{
  if (why)
    *why = reason;
  if (where)
    logLine(where, reason);
  if (cb_ && handle_)
    cb_->setLastError(reason);
  return false;
}

inline bool MyWSClient::check(mywsclient_result r, std::string *why, const char *where)
{
  if (r == MYWSCLIENT_RESULT_OK)
    return true;
  return fail(why, describe(r), where);
}

inline void MyWSClient::reportRefusedSend(const char *where, std::size_t len, mywsclient_result r) noexcept
{
  try
  {
    std::string why = handle_ ? describe(r) : notUsable();
    if (handle_)
      cb_->setLastError(why);
    logLine(where, "error send, message of " + std::to_string(len) + " bytes not queued: " + why);
  }
  catch (...)
  {
  }
}

inline char MyWSClient::asciiLower(char c) noexcept
{
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

#endif /* MYWSCLIENT_CXX_HELPERS_H */
