// Part of MyWSClient.h (construction, destruction, moves, start and stop); not to be included on its own.
#pragma once
#ifndef MYWSCLIENT_CXX_LIFECYCLE_H
#define MYWSCLIENT_CXX_LIFECYCLE_H

#ifndef MYWSCLIENT_CXX_WRAPPER_H
#error "mywsclient/cxx/lifecycle.h is part of MyWSClient.h: include \"MyWSClient.h\" instead"
#endif

inline MyWSClient::MyWSClient(const std::string &url, int port, const std::string &path, MessageCallback onMessage)
    : cb_(new Callbacks), handle_()
{
  cb_->onMessage = std::move(onMessage);
  mywsclient *h =
      mywsclient_new(url.c_str(), static_cast<std::int32_t>(port), path.c_str(), &messageTrampoline, cb_.get());
  if (!h)
  {
    const char *detail = mywsclient_last_error();
    std::string why = (detail && *detail) ? detail : "mywsclient_new failed";
    cb_->setLastError(why);
    logLine("", "cannot create a client for url \"" + url + "\", port " + std::to_string(port) + ", path \"" + path +
                    "\": " + why);
    return;
  }
  handle_.reset(h);
  mywsclient_result r = mywsclient_set_event_callback(h, &eventTrampoline, cb_.get());
  if (r == MYWSCLIENT_RESULT_OK)
    r = mywsclient_add_subprotocol(h, "ws");
  if (r == MYWSCLIENT_RESULT_OK)
    r = mywsclient_set_origin(h, defaultOrigin(url).c_str());
  if (r != MYWSCLIENT_RESULT_OK)
    logLine("", "cannot configure the new client: " + describe(r));
  cb_->subprotocols.push_back("ws");
}

inline MyWSClient::~MyWSClient() { destroy(); }

inline MyWSClient::MyWSClient(MyWSClient &&other) noexcept
    : cb_(std::move(other.cb_)), handle_(std::move(other.handle_))
{
}

inline MyWSClient &MyWSClient::operator=(MyWSClient &&other) noexcept
{
  if (this != &other)
  {
    destroy();
    cb_ = std::move(other.cb_);
    handle_ = std::move(other.handle_);
  }
  return *this;
}

inline void MyWSClient::destroy() noexcept
{
  if (cb_ && cb_->callbackThread.load() == std::this_thread::get_id())
  {
    // Inside one of this client's own callbacks: the library defers the
    // release and calls nothing more; the running callback frame frees
    // the Callbacks when it returns.
    cb_->orphaned.store(true, std::memory_order_release);
    handle_.reset();
    cb_.release();
    return;
  }
  if (handle_)
    mywsclient_stop(handle_.get());
  handle_.reset();
  cb_.reset();
}

inline void MyWSClient::start()
{
  std::string why;
  if (!tryStart(&why))
    logLine("start", why);
}

inline void MyWSClient::stop() noexcept
{
  if (handle_)
    mywsclient_stop(handle_.get());
}

inline bool MyWSClient::tryStart(std::string *why)
{
  if (!handle_)
    return fail(why, notUsable());
  return check(mywsclient_start(handle_.get()), why);
}

#endif /* MYWSCLIENT_CXX_LIFECYCLE_H */
