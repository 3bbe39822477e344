// Benchmark peer: the original MyWSClient API on websocketpp (asio client,
// one io_service and one thread per client, as websocketpp's client
// tutorials and the telemetry_client example do it).
//
// Behaviour kept comparable with ours and the original:
// - start() returns at once; the io_service thread connects and reconnects
//   (100 ms doubling to 5 s, reset on open);
// - sendMessage() calls endpoint::send() from the caller's thread (websocketpp
//   documents it as thread-safe; it queues frames and writes them in
//   batches); while not connected, messages wait in a bounded queue and go
//   out on the next open;
// - heartbeat: a ping every 3 s and a 3 s pong timeout, after which the
//   connection is terminated (half-open detection);
// - stop(): close handshake (bounded by a 1 s close timeout), then the
//   thread is joined.
// Plain ws:// only (websocketpp's TLS is not part of the comparison).
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>

#include "../endpoint.h"

class MyWSClient
{
public:
  using MessageCallback = std::function<void(const std::string &)>;
  using client_t = websocketpp::client<websocketpp::config::asio_client>;

  MyWSClient(const std::string &url, int port, const std::string &path, MessageCallback onMessage = nullptr)
      : onMessageCallback(onMessage)
  {
    auto ep = bench_peer::resolve_endpoint(url, port, path);
    uri =
        "ws://" + (ep.host.find(':') != std::string::npos ? "[" + ep.host + "]" : ep.host) + ":" + ep.port + ep.target;
    endpoint.clear_access_channels(websocketpp::log::alevel::all);
    endpoint.clear_error_channels(websocketpp::log::elevel::all);
    endpoint.init_asio();
    endpoint.set_max_message_size(64u << 20);
    endpoint.set_open_handshake_timeout(10000);
    endpoint.set_close_handshake_timeout(1000);
    endpoint.set_pong_timeout(3000);
    using websocketpp::lib::placeholders::_1;
    using websocketpp::lib::placeholders::_2;
    endpoint.set_open_handler([this](websocketpp::connection_hdl h) { on_open(h); });
    endpoint.set_fail_handler([this](websocketpp::connection_hdl h) { on_down(h); });
    endpoint.set_close_handler([this](websocketpp::connection_hdl h) { on_down(h); });
    endpoint.set_message_handler(
        [this](websocketpp::connection_hdl, client_t::message_ptr msg)
        {
          if (onMessageCallback)
            onMessageCallback(msg->get_payload());
        });
    endpoint.set_pong_timeout_handler(
        [this](websocketpp::connection_hdl h, std::string)
        {
          websocketpp::lib::error_code ec;
          auto con = endpoint.get_con_from_hdl(h, ec);
          if (!ec)
            con->terminate(websocketpp::lib::error_code()); // dead: no close handshake
        });
  }

  ~MyWSClient() { stop(); }

  void start()
  {
    std::lock_guard<std::mutex> lk(mu);
    if (running)
      return;
    running = true;
    stopping = false;
    endpoint.reset();
    endpoint.start_perpetual();
    wsThread = std::thread([this] { endpoint.run(); });
    boost::asio::post(endpoint.get_io_service(), [this] { connect(); });
  }

  void stop()
  {
    {
      std::lock_guard<std::mutex> lk(mu);
      if (!running)
        return;
      running = false;
      stopping = true;
    }
    endpoint.stop_perpetual();
    boost::asio::post(endpoint.get_io_service(),
                      [this]
                      {
                        if (retry)
                          retry->cancel();
                        if (pinger)
                          pinger->cancel();
                        std::lock_guard<std::mutex> lk(mu);
                        websocketpp::lib::error_code ec;
                        if (open)
                        {
                          endpoint.close(hdl, websocketpp::close::status::normal, "", ec);
                        }
                        else if (attempt)
                        {
                          attempt->terminate(websocketpp::lib::error_code());
                        }
                      });
    if (wsThread.joinable())
      wsThread.join();
    std::lock_guard<std::mutex> lk(mu);
    open = false;
    attempt.reset();
  }

  void sendMessage(const std::string &message)
  {
    std::lock_guard<std::mutex> lk(mu);
    if (open)
    {
      websocketpp::lib::error_code ec;
      endpoint.send(hdl, message, websocketpp::frame::opcode::text, ec);
      if (!ec)
        return;
    }
    if (pending_bytes + message.size() > (64u << 20))
      return; // queue full: dropped
    pending_bytes += message.size();
    pending.push_back(message);
  }

private:
  void connect()
  { // on the io_service thread
    websocketpp::lib::error_code ec;
    client_t::connection_ptr con = endpoint.get_connection(uri, ec);
    if (ec)
    {
      schedule_retry();
      return;
    }
    con->add_subprotocol("ws", ec);
    {
      std::lock_guard<std::mutex> lk(mu);
      if (stopping)
        return;
      attempt = con;
    }
    endpoint.connect(con);
  }

  void on_open(websocketpp::connection_hdl h)
  {
    std::lock_guard<std::mutex> lk(mu);
    websocketpp::lib::error_code ec;
    auto con = endpoint.get_con_from_hdl(h, ec);
    boost::system::error_code sock_ec;
    if (!ec)
      con->get_raw_socket().set_option(boost::asio::ip::tcp::no_delay(true), sock_ec);
    hdl = h;
    open = true;
    backoff.reset();
    while (!pending.empty())
    {
      endpoint.send(hdl, pending.front(), websocketpp::frame::opcode::text, ec);
      if (ec)
        break;
      pending_bytes -= pending.front().size();
      pending.pop_front();
    }
    schedule_ping();
  }

  void on_down(websocketpp::connection_hdl)
  {
    {
      std::lock_guard<std::mutex> lk(mu);
      open = false;
      attempt.reset();
      if (stopping)
        return;
    }
    if (pinger)
      pinger->cancel();
    schedule_retry();
  }

  void schedule_ping()
  { // on the io_service thread, mu held
    pinger = endpoint.set_timer(3000,
                                [this](websocketpp::lib::error_code const &ec)
                                {
                                  if (ec)
                                    return;
                                  std::lock_guard<std::mutex> lk(mu);
                                  if (!open || stopping)
                                    return;
                                  websocketpp::lib::error_code e;
                                  endpoint.ping(hdl, "", e);
                                  schedule_ping();
                                });
  }

  void schedule_retry()
  {
    retry = endpoint.set_timer(backoff.take(),
                               [this](websocketpp::lib::error_code const &ec)
                               {
                                 if (!ec && !stopping)
                                   connect();
                               });
  }

  MessageCallback onMessageCallback;
  std::string uri;
  client_t endpoint;
  std::thread wsThread;
  std::mutex mu;
  bool running = false;
  std::atomic<bool> stopping{false};
  bool open = false;
  websocketpp::connection_hdl hdl;
  client_t::connection_ptr attempt;
  client_t::timer_ptr retry, pinger;
  std::deque<std::string> pending;
  size_t pending_bytes = 0;
  bench_peer::Backoff backoff;
};
