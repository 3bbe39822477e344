// Part of MyWSClient.h (the trampolines: the C callbacks into the std::function members); not to be included on its
// own.
#pragma once
#ifndef MYWSCLIENT_CXX_TRAMPOLINES_H
#define MYWSCLIENT_CXX_TRAMPOLINES_H

#ifndef MYWSCLIENT_CXX_WRAPPER_H
#error "mywsclient/cxx/trampolines.h is part of MyWSClient.h: include \"MyWSClient.h\" instead"
#endif

// Called by the library on the I/O thread. noexcept, and every user
// callback runs inside guarded(): no exception ever unwinds into the library.

template <class F> inline void MyWSClient::guarded(Callbacks *cb, const char *which, F &&f) noexcept
{
  try
  {
    f();
    return;
  }
  catch (const std::exception &e)
  {
    reportCallbackException(cb, which, e.what());
  }
  catch (...)
  {
    reportCallbackException(cb, which, "an exception not derived from std::exception");
  }
}

inline void MyWSClient::reportCallbackException(Callbacks *cb, const char *which, const char *what) noexcept
{
  std::string message;
  try
  {
    message = std::string("the ") + which + " callback threw: " + (what ? what : "");
    cb->setLastError(message);
  }
  catch (...)
  {
    logLine("", "a callback threw, and reporting it failed");
    return;
  }
  // The error callback's own exceptions, and everything after the client
  // was destroyed inside its callback, go to std::cerr only.
  bool fromOnError = std::strcmp(which, "onError") == 0;
  if (fromOnError || cb->orphaned.load(std::memory_order_acquire) || !cb->onError)
  {
    logLine("", message);
    return;
  }
  try
  {
    try
    {
      cb->onError(ErrorKind::Callback, message);
    }
    catch (const std::exception &e)
    {
      logLine("", message + "; then onError threw: " + e.what());
    }
    catch (...)
    {
      logLine("", message + "; then onError threw");
    }
  }
  catch (...)
  {
    // Building the line above failed (out of memory): nothing more to do.
  }
}

inline void MyWSClient::messageTrampoline(void *userData, const std::uint8_t *data, std::size_t len,
                                          bool isBinary) noexcept
{
  Callbacks *cb = static_cast<Callbacks *>(userData);
  CallbackScope scope(cb);
  const MessageCallback &f = (isBinary && cb->onBinary) ? cb->onBinary : cb->onMessage;
  if (!f)
    return;
  guarded(cb, isBinary && cb->onBinary ? "onBinaryMessage" : "onMessage",
          [&] { f(std::string(reinterpret_cast<const char *>(data), len)); });
}

inline void MyWSClient::eventTrampoline(void *userData, const mywsclient_event *ev) noexcept
{
  Callbacks *cb = static_cast<Callbacks *>(userData);
  CallbackScope scope(cb);
  const char *text = ev->text ? ev->text : "";
  switch (ev->type)
  {
  case MYWSCLIENT_EVENT_TYPE_OPEN:
    if (cb->onOpen)
      guarded(cb, "onOpen", [&] { cb->onOpen(std::string(text)); });
    if (cb->onOpenInfo)
      guarded(cb, "onOpenInfo",
              [&]
              {
                OpenInfo info;
                info.subprotocol = text;
                info.httpStatus = ev->http_status;
                info.headers = readHeaders(ev->http_headers);
                cb->onOpenInfo(info);
              });
    break;
  case MYWSCLIENT_EVENT_TYPE_CLOSED:
    if (cb->onClose)
      guarded(cb, "onClose",
              [&]
              {
                cb->onClose(static_cast<int>(ev->close_code), std::string(text),
                            static_cast<CloseInitiator>(ev->close_initiator));
              });
    break;
  case MYWSCLIENT_EVENT_TYPE_ERROR:
    try
    {
      cb->setLastError(text);
    }
    catch (...)
    {
    }
    if (cb->onError)
      guarded(cb, "onError", [&] { cb->onError(static_cast<ErrorKind>(ev->error_kind), std::string(text)); });
    if (cb->onErrorInfo)
      guarded(cb, "onErrorInfo",
              [&]
              {
                ErrorInfo info;
                info.kind = static_cast<ErrorKind>(ev->error_kind);
                info.message = text;
                info.httpStatus = ev->http_status;
                info.headers = readHeaders(ev->http_headers);
                cb->onErrorInfo(info);
              });
    break;
  case MYWSCLIENT_EVENT_TYPE_RECONNECT_SCHEDULED:
    if (cb->onReconnect)
      guarded(cb, "onReconnect",
              [&]
              {
                auto delay = ev->delay_ms > static_cast<std::uint64_t>(
                                                std::numeric_limits<std::chrono::milliseconds::rep>::max())
                                 ? std::chrono::milliseconds::max()
                                 : std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(ev->delay_ms));
                cb->onReconnect(ev->attempt, delay);
              });
    break;
  case MYWSCLIENT_EVENT_TYPE_STOPPED:
    if (cb->onStopped)
      guarded(cb, "onStopped", [&] { cb->onStopped(); });
    break;
  case MYWSCLIENT_EVENT_TYPE_PONG:
    if (cb->onPong)
      guarded(cb, "onPong",
              [&]
              {
                auto rtt = std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(ev->rtt_us));
                std::string payload;
                if (ev->data && ev->data_len)
                  payload.assign(reinterpret_cast<const char *>(ev->data), ev->data_len);
                cb->onPong(rtt, payload);
              });
    break;
  case MYWSCLIENT_EVENT_TYPE_WRITTEN:
    if (cb->onWritten)
      guarded(cb, "onWritten", [&] { cb->onWritten(ev->message_id); });
    break;
  case MYWSCLIENT_EVENT_TYPE_DISCARDED:
    if (cb->onDiscarded)
      guarded(cb, "onDiscarded",
              [&] { cb->onDiscarded(ev->message_id, static_cast<DiscardReason>(ev->discard_reason)); });
    break;
  case MYWSCLIENT_EVENT_TYPE_QUEUE_HIGH:
    if (cb->onQueueHigh)
      guarded(cb, "onQueueHigh", [&] { cb->onQueueHigh(sizeOf(ev->queued_bytes)); });
    break;
  case MYWSCLIENT_EVENT_TYPE_QUEUE_DRAINED:
    if (cb->onQueueDrained)
      guarded(cb, "onQueueDrained", [&] { cb->onQueueDrained(sizeOf(ev->queued_bytes)); });
    break;
  default:
    break;
  }
}

inline MyWSClient::Headers MyWSClient::readHeaders(const mywsclient_headers *h)
{
  Headers out;
  std::size_t n = mywsclient_headers_count(h);
  for (std::size_t i = 0; i < n; i++)
  {
    const char *name = nullptr;
    const char *value = nullptr;
    if (mywsclient_headers_at(h, i, &name, &value) == MYWSCLIENT_RESULT_OK)
      out.emplace_back(name, value);
  }
  return out;
}

inline void MyWSClient::connectTrampoline(void *userData, mywsclient_request *request) noexcept
{
  Callbacks *cb = static_cast<Callbacks *>(userData);
  CallbackScope scope(cb);
  if (!cb->onBeforeConnect)
    return;
  guarded(cb, "onBeforeConnect",
          [&]
          {
            Request r(request);
            cb->onBeforeConnect(r);
          });
}

inline void MyWSClient::logTrampoline(void *userData, std::uint32_t level, const char *line) noexcept
{
  Callbacks *cb = static_cast<Callbacks *>(userData);
  CallbackScope scope(cb);
  if (!cb->onLog)
    return;
  guarded(cb, "log", [&] { cb->onLog(static_cast<LogLevel>(level), std::string(line ? line : "")); });
}

#endif /* MYWSCLIENT_CXX_TRAMPOLINES_H */
