// Part of MyWSClient.h (the callbacks' storage on the heap, the callback scope and the callback setters); not to be
// included on its own.
#pragma once
#ifndef MYWSCLIENT_CXX_CALLBACKS_H
#define MYWSCLIENT_CXX_CALLBACKS_H

#ifndef MYWSCLIENT_CXX_WRAPPER_H
#error "mywsclient/cxx/callbacks.h is part of MyWSClient.h: include \"MyWSClient.h\" instead"
#endif

struct MyWSClient::Callbacks
{
  MessageCallback onMessage{};
  MessageCallback onBinary{};
  OpenCallback onOpen{};
  CloseCallback onClose{};
  ErrorCallback onError{};
  ReconnectCallback onReconnect{};
  StoppedCallback onStopped{};
  LogCallback onLog{};
  PongCallback onPong{};
  WrittenCallback onWritten{};
  DiscardedCallback onDiscarded{};
  QueueCallback onQueueHigh{};
  QueueCallback onQueueDrained{};
  ErrorInfoCallback onErrorInfo{};
  OpenInfoCallback onOpenInfo{};
  BeforeConnectCallback onBeforeConnect{};
  std::vector<std::string> subprotocols{};

  /// The thread running one of our callbacks (none when idle), and how
  /// deeply. Only the thread running callbacks touches `depth` and
  /// `orphaned`; they are atomics (uncontended, so cheap) so that tools
  /// like ThreadSanitizer, which cannot see the library's own
  /// synchronisation between successive I/O threads, see it here.
  std::atomic<std::thread::id> callbackThread{std::thread::id()};
  std::atomic<int> depth{0};
  /// The MyWSClient was destroyed inside a callback: the outermost
  /// callback frame deletes this object when it returns. The library
  /// calls nothing more after mywsclient_free(); this flag covers what it
  /// cannot see, the rest of the callback already running (an exception
  /// it throws is then not passed to onError) and who deletes this object.
  std::atomic<bool> orphaned{false};

  mutable std::mutex errorMutex{};
  std::string lastError{};

  void setLastError(const std::string &e)
  {
    std::lock_guard<std::mutex> lock(errorMutex);
    lastError = e;
  }
  std::string getLastError() const
  {
    std::lock_guard<std::mutex> lock(errorMutex);
    return lastError;
  }
};

class MyWSClient::CallbackScope
{
public:
  explicit CallbackScope(Callbacks *cb) noexcept : cb_(cb)
  {
    if (cb_->depth.fetch_add(1, std::memory_order_acq_rel) == 0)
      cb_->callbackThread.store(std::this_thread::get_id());
  }
  ~CallbackScope()
  {
    if (cb_->depth.fetch_sub(1, std::memory_order_acq_rel) == 1)
    {
      cb_->callbackThread.store(std::thread::id());
      if (cb_->orphaned.load(std::memory_order_acquire))
        delete cb_;
    }
  }
  CallbackScope(const CallbackScope &) = delete;
  CallbackScope &operator=(const CallbackScope &) = delete;

private:
  Callbacks *cb_;
};

// ---------------------------------------------------------------- the callback setters

template <class Member, class F> inline bool MyWSClient::setCallback(Member member, F f, bool message, const char *what)
{
  if (!handle_)
    return fail(nullptr, notUsable(), what);
  // Re-registering the trampoline is how we ask the library whether the
  // client is running (then it answers MYWSCLIENT_RESULT_INVALID_STATE).
  mywsclient_result r = message ? mywsclient_set_message_callback(handle_.get(), &messageTrampoline, cb_.get())
                                : mywsclient_set_event_callback(handle_.get(), &eventTrampoline, cb_.get());
  if (!check(r, nullptr, what))
    return false;
  (*cb_).*member = std::move(f);
  return true;
}

inline bool MyWSClient::onMessage(MessageCallback f)
{
  return setCallback(&Callbacks::onMessage, std::move(f), true, "onMessage");
}

inline bool MyWSClient::onBinaryMessage(MessageCallback f)
{
  return setCallback(&Callbacks::onBinary, std::move(f), true, "onBinaryMessage");
}

inline bool MyWSClient::onOpen(OpenCallback f)
{
  return setCallback(&Callbacks::onOpen, std::move(f), false, "onOpen");
}

inline bool MyWSClient::onClose(CloseCallback f)
{
  return setCallback(&Callbacks::onClose, std::move(f), false, "onClose");
}

inline bool MyWSClient::onError(ErrorCallback f)
{
  return setCallback(&Callbacks::onError, std::move(f), false, "onError");
}

inline bool MyWSClient::onReconnect(ReconnectCallback f)
{
  return setCallback(&Callbacks::onReconnect, std::move(f), false, "onReconnect");
}

inline bool MyWSClient::onStopped(StoppedCallback f)
{
  return setCallback(&Callbacks::onStopped, std::move(f), false, "onStopped");
}

inline bool MyWSClient::onErrorInfo(ErrorInfoCallback f)
{
  return setCallback(&Callbacks::onErrorInfo, std::move(f), false, "onErrorInfo");
}

inline bool MyWSClient::onOpenInfo(OpenInfoCallback f)
{
  return setCallback(&Callbacks::onOpenInfo, std::move(f), false, "onOpenInfo");
}

inline bool MyWSClient::onBeforeConnect(BeforeConnectCallback f)
{
  if (!handle_)
    return fail(nullptr, notUsable(), "onBeforeConnect");
  if (!check(mywsclient_set_connect_callback(handle_.get(), &connectTrampoline, cb_.get()), nullptr, "onBeforeConnect"))
    return false;
  cb_->onBeforeConnect = std::move(f);
  return true;
}

inline bool MyWSClient::setLogCallback(LogCallback f)
{
  if (!handle_)
    return fail(nullptr, notUsable(), "setLogCallback");
  mywsclient_result r = f ? mywsclient_set_log_callback(handle_.get(), &logTrampoline, cb_.get())
                          : mywsclient_set_log_callback(handle_.get(), nullptr, nullptr);
  if (!check(r, nullptr, "setLogCallback"))
    return false;
  cb_->onLog = std::move(f);
  return true;
}

inline bool MyWSClient::onPong(PongCallback f)
{
  return setCallback(&Callbacks::onPong, std::move(f), false, "onPong");
}

inline bool MyWSClient::onWritten(WrittenCallback f)
{
  return setCallback(&Callbacks::onWritten, std::move(f), false, "onWritten");
}

inline bool MyWSClient::onDiscarded(DiscardedCallback f)
{
  return setCallback(&Callbacks::onDiscarded, std::move(f), false, "onDiscarded");
}

inline bool MyWSClient::onQueueHigh(QueueCallback f)
{
  return setCallback(&Callbacks::onQueueHigh, std::move(f), false, "onQueueHigh");
}

inline bool MyWSClient::onQueueDrained(QueueCallback f)
{
  return setCallback(&Callbacks::onQueueDrained, std::move(f), false, "onQueueDrained");
}

#endif /* MYWSCLIENT_CXX_CALLBACKS_H */
