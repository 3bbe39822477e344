// Part of MyWSClient.h (MyWSClient::Request, lent to onBeforeConnect); not to be included on its own.
#pragma once
#ifndef MYWSCLIENT_CXX_REQUEST_H
#define MYWSCLIENT_CXX_REQUEST_H

#ifndef MYWSCLIENT_CXX_WRAPPER_H
#error "mywsclient/cxx/request.h is part of MyWSClient.h: include \"MyWSClient.h\" instead"
#endif

class MyWSClient::Request
{
public:
  Request(const Request &) = delete;
  Request &operator=(const Request &) = delete;

  /// The URL this attempt connects to, e.g. "wss://example.com:443/path".
  std::string url() const { return mywsclient_request_url(r_); }
  /// The attempt's number (1 for the first after start or after a healthy connection).
  unsigned attempt() const noexcept { return mywsclient_request_attempt(r_); }
  /// Another URL for this attempt (ws://, wss:// or a bare host meaning wss://).
  bool setUrl(const std::string &url, std::string *why = nullptr)
  {
    return done(mywsclient_request_set_url(r_, url.c_str()), why);
  }
  /// Sets a header for this attempt, replacing any of that name (e.g. "Authorization", "Bearer ...").
  bool setHeader(const std::string &name, const std::string &value, std::string *why = nullptr)
  {
    return done(mywsclient_request_set_header(r_, name.c_str(), value.c_str()), why);
  }
  /// Removes a header (every header of that name) for this attempt.
  bool removeHeader(const std::string &name, std::string *why = nullptr)
  {
    return done(mywsclient_request_remove_header(r_, name.c_str()), why);
  }
  /// The subprotocols this attempt asks for ({} for none).
  bool setSubprotocols(const std::vector<std::string> &protocols, std::string *why = nullptr)
  {
    std::vector<const char *> p;
    for (const std::string &s : protocols)
      p.push_back(s.c_str());
    return done(mywsclient_request_set_subprotocols(r_, p.data(), p.size()), why);
  }

private:
  friend class MyWSClient;
  explicit Request(mywsclient_request *r) noexcept : r_(r) {}
  static bool done(mywsclient_result r, std::string *why)
  {
    if (r == MYWSCLIENT_RESULT_OK)
      return true;
    if (why)
      *why = describe(r);
    return false;
  }
  mywsclient_request *r_;
};

#endif /* MYWSCLIENT_CXX_REQUEST_H */
