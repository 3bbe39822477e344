// Part of MyWSClient.h (the option setters and the long-lived session setters); not to be included on its own.
#pragma once
#ifndef MYWSCLIENT_CXX_OPTIONS_H
#define MYWSCLIENT_CXX_OPTIONS_H

#ifndef MYWSCLIENT_CXX_WRAPPER_H
#error "mywsclient/cxx/options.h is part of MyWSClient.h: include \"MyWSClient.h\" instead"
#endif

template <class... Params, class... Args>
inline bool MyWSClient::option(const char *what, mywsclient_result (*set)(mywsclient *, Params...), Args &&...args)
{
  return handle_ ? check(set(handle_.get(), std::forward<Args>(args)...), nullptr, what)
                 : fail(nullptr, notUsable(), what);
}

inline bool MyWSClient::setLogLevel(LogLevel level)
{
  return option("setLogLevel", mywsclient_set_log_level, static_cast<std::uint32_t>(level));
}

inline bool MyWSClient::setReconnect(bool enabled, unsigned maxAttempts)
{
  return option("setReconnect", mywsclient_set_reconnect, enabled, maxAttempts);
}

inline bool MyWSClient::setBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, double factor,
                                   double jitter)
{
  return option("setBackoff", mywsclient_set_backoff, ms(initial), ms(max), factor, jitter);
}

inline bool MyWSClient::setBackoffReset(std::chrono::milliseconds after)
{
  return option("setBackoffReset", mywsclient_set_backoff_reset, ms(after));
}

inline bool MyWSClient::setHeartbeat(std::chrono::milliseconds interval, std::chrono::milliseconds timeout)
{
  return option("setHeartbeat", mywsclient_set_heartbeat, ms(interval), ms(timeout));
}

inline bool MyWSClient::setTimeouts(std::chrono::milliseconds connect, std::chrono::milliseconds handshake,
                                    std::chrono::milliseconds close)
{
  return option("setTimeouts", mywsclient_set_timeouts, ms(connect), ms(handshake), ms(close));
}

inline bool MyWSClient::setQueueLimits(std::size_t maxBytes, std::size_t maxMessages)
{
  return option("setQueueLimits", mywsclient_set_queue_limits, maxBytes, maxMessages);
}

inline bool MyWSClient::setMaxMessageSize(std::size_t maxBytes)
{
  return option("setMaxMessageSize", mywsclient_set_max_message_size, maxBytes);
}

inline bool MyWSClient::setCompression(Compression mode, int level, std::size_t threshold)
{
  return option("setCompression", mywsclient_set_compression, static_cast<std::uint32_t>(mode), level, threshold);
}

inline bool MyWSClient::setSharedIo(bool shared) { return option("setSharedIo", mywsclient_set_shared_io, shared); }

inline bool MyWSClient::setDelivery(Delivery mode)
{
  return option("setDelivery", mywsclient_set_delivery, static_cast<std::uint32_t>(mode));
}

inline bool MyWSClient::setCaFile(const std::string &pemPath)
{
  return option("setCaFile", mywsclient_set_ca_file, pemPath.empty() ? nullptr : pemPath.c_str());
}

inline bool MyWSClient::setUseSystemRoots(bool use)
{
  return option("setUseSystemRoots", mywsclient_set_system_roots, use);
}

inline bool MyWSClient::setClientCertificate(const std::string &certPemPath, const std::string &keyPemPath)
{
  bool clear = certPemPath.empty() && keyPemPath.empty();
  return option("setClientCertificate", mywsclient_set_client_cert, clear ? nullptr : certPemPath.c_str(),
                clear ? nullptr : keyPemPath.c_str());
}

inline bool MyWSClient::setDangerousDisableTlsVerification(bool disable)
{
  return option("setDangerousDisableTlsVerification", mywsclient_set_dangerous_disable_tls_verification, disable);
}

inline bool MyWSClient::addHeader(const std::string &name, const std::string &value)
{
  return option("addHeader", mywsclient_add_header, name.c_str(), value.c_str());
}

inline bool MyWSClient::clearHeaders() { return option("clearHeaders", mywsclient_clear_headers); }

inline bool MyWSClient::setProxy(const std::string &url)
{
  return option("setProxy", mywsclient_set_proxy, url.c_str());
}

inline bool MyWSClient::setProxyFromEnvironment()
{
  return option("setProxyFromEnvironment", mywsclient_set_proxy, nullptr);
}

inline bool MyWSClient::setNoProxy(const std::string &list)
{
  return option("setNoProxy", mywsclient_set_no_proxy, list.c_str());
}

inline bool MyWSClient::setOrigin(const std::string &origin)
{
  return option("setOrigin", mywsclient_set_origin, origin.empty() ? nullptr : origin.c_str());
}

inline bool MyWSClient::addResolve(const std::string &entry)
{
  return option("addResolve", mywsclient_add_resolve, entry.c_str());
}

inline bool MyWSClient::clearResolve() { return option("clearResolve", mywsclient_clear_resolve); }

inline bool MyWSClient::setSubprotocols(const std::vector<std::string> &protocols)
{
  if (!handle_)
    return fail(nullptr, notUsable(), "setSubprotocols");
  if (!check(mywsclient_clear_subprotocols(handle_.get()), nullptr, "setSubprotocols"))
    return false;
  for (const std::string &p : protocols)
  {
    mywsclient_result r = mywsclient_add_subprotocol(handle_.get(), p.c_str());
    if (r != MYWSCLIENT_RESULT_OK)
    {
      std::string why = describe(r);
      mywsclient_clear_subprotocols(handle_.get());
      for (const std::string &old : cb_->subprotocols)
        mywsclient_add_subprotocol(handle_.get(), old.c_str());
      return fail(nullptr, why, "setSubprotocols");
    }
  }
  cb_->subprotocols = protocols;
  return true;
}

inline bool MyWSClient::setOverflowPolicy(OverflowPolicy p)
{
  return option("setOverflowPolicy", mywsclient_set_overflow_policy, static_cast<std::uint32_t>(p));
}

inline bool MyWSClient::setQueueWatermarks(std::size_t high, std::size_t low)
{
  return option("setQueueWatermarks", mywsclient_set_queue_watermarks, high, low);
}

inline bool MyWSClient::setDiscardOnStop(bool discard)
{
  return option("setDiscardOnStop", mywsclient_set_discard_on_stop, discard);
}

inline bool MyWSClient::setUrl(const std::string &url) { return option("setUrl", mywsclient_set_url, url.c_str()); }

inline bool MyWSClient::setHeader(const std::string &name, const std::string &value)
{
  return option("setHeader", mywsclient_set_header, name.c_str(), value.c_str());
}

inline bool MyWSClient::removeHeader(const std::string &name)
{
  return option("removeHeader", mywsclient_remove_header, name.c_str());
}

inline bool MyWSClient::reconnect() { return option("reconnect", mywsclient_reconnect); }

inline bool MyWSClient::setHttpErrorPolicy(HttpErrorPolicy p)
{
  return option("setHttpErrorPolicy", mywsclient_set_http_error_policy, static_cast<std::uint32_t>(p));
}

inline bool MyWSClient::setFollowRedirects(unsigned maxRedirects)
{
  return option("setFollowRedirects", mywsclient_set_follow_redirects, maxRedirects);
}

#endif /* MYWSCLIENT_CXX_OPTIONS_H */
