// Benchmark peer: the original MyWSClient API on Boost.Beast, written the
// way Beast's documentation and examples recommend: one io_context and one
// thread per client; a strand as the executor of every I/O object; sends
// from other threads are posted to the strand and go through a queue with
// one async_write in flight at a time (the websocket_session pattern of the
// advanced/chat examples); a session object kept alive by its pending
// handlers (shared_from_this); websocket::stream_base::timeout for the
// handshake and for idle connections, with keep-alive pings.
//
// Behaviour kept comparable with ours and the original:
// - start() returns at once; the thread connects and reconnects (100 ms
//   doubling to 5 s, reset on open);
// - messages sent while not connected wait in the queue (bounded, 64 MiB)
//   and go out on the next connection; a write that failed is retried there;
// - heartbeat: idle_timeout 6 s with keep_alive_pings, i.e. a ping after 3 s
//   without data, the connection dropped 3 s later (as ours' defaults);
// - stop(): close handshake, then the thread is joined;
// - wss:// verifies the chain (setCaFile, else the default paths) and the
//   host name (ssl::host_name_verification).
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "../endpoint.h"

namespace bench_beast
{

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using error_code = beast::error_code;
using strand_t = net::strand<net::io_context::executor_type>;

struct Impl
{
  virtual ~Impl() = default;
  virtual void start() = 0;
  virtual void stop() = 0;
  virtual void send(std::string msg) = 0;
};

template <bool TLS> class Client : public Impl
{
  using ws_t = std::conditional_t<TLS, websocket::stream<beast::ssl_stream<beast::tcp_stream>>,
                                  websocket::stream<beast::tcp_stream>>;

  // One connection attempt; kept alive by its pending operations.
  struct Session : std::enable_shared_from_this<Session>
  {
    Client *owner;
    ws_t ws;
    beast::flat_buffer buffer;
    bool open = false;
    template <class... A> Session(Client *o, A &&...a) : owner(o), ws(std::forward<A>(a)...) {}
  };

public:
  Client(bench_peer::Endpoint ep, std::function<void(const std::string &)> cb, std::string ca_file)
      : ep_(std::move(ep)), cb_(std::move(cb)), ssl_(ssl::context::tls_client)
  {
    if (TLS)
    {
      ssl_.set_verify_mode(ssl::verify_peer);
      if (!ca_file.empty())
        ssl_.load_verify_file(ca_file);
      else
        ssl_.set_default_verify_paths();
    }
  }

  ~Client() override { stop(); }

  void start() override
  {
    if (thread_.joinable())
      return;
    ioc_.restart();
    work_.emplace(net::make_work_guard(ioc_));
    thread_ = std::thread([this] { ioc_.run(); });
    net::post(strand_,
              [this]
              {
                stopping_ = false;
                connect();
              });
  }

  void stop() override
  {
    if (!thread_.joinable())
      return;
    net::post(strand_,
              [this]
              {
                stopping_ = true;
                retry_.cancel();
                resolver_.cancel();
                if (!cur_)
                  return;
                auto s = cur_;
                cur_.reset();
                if (s->open)
                {
                  s->ws.async_close(websocket::close_code::normal,
                                    [s](error_code) { beast::get_lowest_layer(s->ws).close(); });
                }
                else
                {
                  beast::get_lowest_layer(s->ws).close();
                }
              });
    work_.reset();
    thread_.join();
  }

  void send(std::string msg) override
  {
    net::post(strand_,
              [this, m = std::move(msg)]() mutable
              {
                if (queued_bytes_ + m.size() > (64u << 20))
                  return; // queue full: dropped
                queued_bytes_ += m.size();
                queue_.push_back(std::move(m));
                if (queue_.size() == 1 && cur_ && cur_->open && !writing_)
                  do_write(cur_);
              });
  }

private:
  void connect()
  {
    if (stopping_)
      return;
    if constexpr (TLS)
      cur_ = std::make_shared<Session>(this, strand_, ssl_);
    else
      cur_ = std::make_shared<Session>(this, strand_);
    writing_ = false;
    auto s = cur_;
    resolver_.async_resolve(ep_.host, ep_.port,
                            [this, s](error_code ec, tcp::resolver::results_type r)
                            {
                              if (ec)
                                return fail(s);
                              beast::get_lowest_layer(s->ws).expires_after(std::chrono::seconds(10));
                              beast::get_lowest_layer(s->ws).async_connect(
                                  r,
                                  [this, s](error_code ec, tcp::endpoint)
                                  {
                                    if (ec)
                                      return fail(s);
                                    beast::get_lowest_layer(s->ws).socket().set_option(tcp::no_delay(true), ec);
                                    if constexpr (TLS)
                                    {
                                      auto &stream = s->ws.next_layer();
                                      error_code addr_ec;
                                      net::ip::make_address(ep_.host, addr_ec);
                                      if (addr_ec)
                                        SSL_set_tlsext_host_name(stream.native_handle(),
                                                                 ep_.host.c_str()); // SNI for names only
                                      stream.set_verify_callback(ssl::host_name_verification(ep_.host));
                                      stream.async_handshake(ssl::stream_base::client,
                                                             [this, s](error_code ec)
                                                             {
                                                               if (ec)
                                                                 return fail(s);
                                                               ws_handshake(s);
                                                             });
                                    }
                                    else
                                    {
                                      ws_handshake(s);
                                    }
                                  });
                            });
  }

  void ws_handshake(const std::shared_ptr<Session> &s)
  {
    beast::get_lowest_layer(s->ws).expires_never(); // the websocket timeouts take over
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(10);
    t.idle_timeout = std::chrono::seconds(6);
    t.keep_alive_pings = true;
    s->ws.set_option(t);
    s->ws.set_option(websocket::stream_base::decorator([](websocket::request_type &req)
                                                       { req.set(beast::http::field::sec_websocket_protocol, "ws"); }));
    s->ws.read_message_max(64u << 20);
    s->ws.text(true);
    std::string host = ep_.host.find(':') != std::string::npos ? "[" + ep_.host + "]" : ep_.host;
    s->ws.async_handshake(host + ":" + ep_.port, ep_.target,
                          [this, s](error_code ec)
                          {
                            if (ec)
                              return fail(s);
                            if (s != cur_)
                              return;
                            s->open = true;
                            backoff_.reset();
                            do_read(s);
                            if (!queue_.empty())
                              do_write(s);
                          });
  }

  void do_read(const std::shared_ptr<Session> &s)
  {
    s->ws.async_read(s->buffer,
                     [this, s](error_code ec, std::size_t)
                     {
                       if (ec)
                         return fail(s);
                       if (cb_)
                         cb_(beast::buffers_to_string(s->buffer.data()));
                       s->buffer.consume(s->buffer.size());
                       do_read(s);
                     });
  }

  void do_write(const std::shared_ptr<Session> &s)
  {
    writing_ = true;
    s->ws.async_write(net::buffer(queue_.front()),
                      [this, s](error_code ec, std::size_t)
                      {
                        if (s != cur_)
                          return;
                        writing_ = false;
                        if (ec)
                          return fail(s); // the message stays at the front: written again on the next connection
                        queued_bytes_ -= queue_.front().size();
                        queue_.pop_front();
                        if (!queue_.empty())
                          do_write(s);
                      });
  }

  // A connection or an attempt failed: drop it and retry after the backoff delay.
  void fail(const std::shared_ptr<Session> &s)
  {
    if (s != cur_)
      return; // an old session's last handlers
    cur_.reset();
    writing_ = false;
    error_code ignored;
    beast::get_lowest_layer(s->ws).socket().close(ignored);
    if (stopping_)
      return;
    retry_.expires_after(std::chrono::milliseconds(backoff_.take()));
    retry_.async_wait(
        [this](error_code ec)
        {
          if (!ec)
            connect();
        });
  }

  bench_peer::Endpoint ep_;
  std::function<void(const std::string &)> cb_;
  net::io_context ioc_{1};
  strand_t strand_{net::make_strand(ioc_)};
  ssl::context ssl_;
  tcp::resolver resolver_{strand_};
  net::steady_timer retry_{strand_};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::thread thread_;
  std::shared_ptr<Session> cur_;
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool stopping_ = false;
  bench_peer::Backoff backoff_;
};

} // namespace bench_beast

class MyWSClient
{
public:
  using MessageCallback = std::function<void(const std::string &)>;
  MyWSClient(const std::string &url, int port, const std::string &path, MessageCallback onMessage = nullptr)
      : ep(bench_peer::resolve_endpoint(url, port, path)), onMessageCallback(std::move(onMessage))
  {
  }
  ~MyWSClient() { stop(); }

  /// Pins a CA (PEM) for wss://; before start().
  void setCaFile(const std::string &path) { caFile = path; }

  void start()
  {
    if (!impl)
    {
      if (ep.tls)
        impl.reset(new bench_beast::Client<true>(ep, onMessageCallback, caFile));
      else
        impl.reset(new bench_beast::Client<false>(ep, onMessageCallback, caFile));
    }
    impl->start();
  }
  void stop()
  {
    if (impl)
      impl->stop();
  }
  void sendMessage(const std::string &message)
  {
    if (impl)
      impl->send(message);
  }

private:
  bench_peer::Endpoint ep;
  MessageCallback onMessageCallback;
  std::string caFile;
  std::unique_ptr<bench_beast::Impl> impl;
};
