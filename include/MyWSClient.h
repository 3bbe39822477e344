/*
 * MyWSClient: the header-only C++17 class over the mywsclient C API.
 *
 * A drop-in replacement for the libwebsockets-based class of the same name:
 * code written against the original (constructor, start, stop, sendMessage,
 * MessageCallback) compiles unchanged and gets a client that queues sends
 * while disconnected, reconnects by itself, detects half-open connections
 * and verifies TLS certificates. Everything else below is an addition.
 *
 * Depends only on the C header "mywsclient/mywsclient.h" and the standard
 * library; link the mywsclient library (CMake: MyWSClient::MyWSClient).
 *
 * Threading and callbacks
 * - Each started client runs on an I/O thread: its own, or one of a few
 *   shared ones after setSharedIo(true). Every callback (message, open,
 *   close, error, reconnect, stopped, log) runs there, never two of one
 *   client at once.
 * - Inside a callback you may call sendMessage/sendBinary/trySend* (queued),
 *   stop() (returns at once; the I/O thread ends after the callback
 *   returns), state(), stats(), and even destroy the MyWSClient (deferred
 *   and safe: no callback runs after that). Setters there return false: the
 *   client is running.
 * - A callback may throw: the exception is caught before it reaches the
 *   library and reported to onError() as ErrorKind::Callback (an exception
 *   thrown by onError itself, or any exception when no onError is set, is
 *   written to std::cerr). The client keeps running.
 * - start, stop, state, stats, lastError and every send may be called from
 *   any thread, concurrently; so may setUrl, setHeader, removeHeader and
 *   reconnect (long-lived sessions: they act from the next attempt on).
 *   Other setters (options and callbacks) are accepted only before start()
 *   or after stop(); they return false otherwise.
 *   Construction, destruction and moves are not concurrent with other calls
 *   on the same object (as for any C++ object).
 *
 * Copies and moves
 * - Not copyable (it owns a connection and an I/O thread).
 * - Movable. The callbacks and the library handle live on the heap and do
 *   not point into the MyWSClient object, so moving a running client is
 *   safe: callbacks keep running and now belong to the moved-to object.
 *   A moved-from object is inert: start/send log a line to std::cerr and do
 *   nothing, trySend* return false, state() is Idle. Move-assigning onto a
 *   client first stops and destroys the client that was there.
 *   (Your own lambdas that captured the old object's address still point
 *   to it: capture what you need, not the MyWSClient.)
 *
 * Errors are not thrown (the original class did not throw either; only
 * std::bad_alloc can escape, from building strings). Calls that can fail
 * return bool, describe the failure in `*why` when asked and remember it
 * for lastError(); the void forms (start, sendMessage, sendBinary) and the
 * setters also write one line to std::cerr, as the original did for a
 * message it could not send. sendMessage, sendBinary and stop are noexcept.
 */
#pragma once
#ifndef MYWSCLIENT_CXX_WRAPPER_H
#define MYWSCLIENT_CXX_WRAPPER_H

/* The original's standard includes, kept so that code leaning on them still builds. */
#include <iostream>
#include <thread>
#include <atomic>
#include <functional>
#include <mutex>
#include <condition_variable>
#include <string>
#include <vector>
/* What this header itself uses. */
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <utility>

#include "mywsclient/mywsclient.h"

#if __cplusplus < 201703L && (!defined(_MSVC_LANG) || _MSVC_LANG < 201703L)
#error "MyWSClient.h needs C++17 or newer"
#endif

class MyWSClient
{
public:
  /// Receives each message (text, and binary unless onBinaryMessage is set),
  /// on the I/O thread. As in the original.
  using MessageCallback = std::function<void(const std::string &)>;

  /// Connection state (state()).
  enum class State : std::uint32_t
  {
    Idle = MYWSCLIENT_STATE_IDLE,                 ///< created, never started
    Connecting = MYWSCLIENT_STATE_CONNECTING,     ///< connecting or handshaking
    Open = MYWSCLIENT_STATE_OPEN,                 ///< connected
    Closing = MYWSCLIENT_STATE_CLOSING,           ///< close handshake in progress
    Reconnecting = MYWSCLIENT_STATE_RECONNECTING, ///< waiting before the next attempt
    Stopped = MYWSCLIENT_STATE_STOPPED,           ///< stopped (stop(), reconnect off, or gave up)
  };

  /// Log levels (setLogLevel, LogCallback).
  enum class LogLevel : std::uint32_t
  {
    Off = MYWSCLIENT_LOG_LEVEL_OFF,
    Error = MYWSCLIENT_LOG_LEVEL_ERROR,
    Warn = MYWSCLIENT_LOG_LEVEL_WARN,
    Info = MYWSCLIENT_LOG_LEVEL_INFO,
    Debug = MYWSCLIENT_LOG_LEVEL_DEBUG,
  };

  /// permessage-deflate modes, for setCompression().
  enum class Compression : std::uint32_t
  {
    Off = MYWSCLIENT_COMPRESSION_OFF,
    ContextTakeover = MYWSCLIENT_COMPRESSION_CONTEXT_TAKEOVER,
    NoContextTakeover = MYWSCLIENT_COMPRESSION_NO_CONTEXT_TAKEOVER,
  };

  /// What is written again after a connection ended abnormally (setDelivery;
  /// README "Delivery guarantees").
  enum class Delivery : std::uint32_t
  {
    AtMostOnce = MYWSCLIENT_DELIVERY_AT_MOST_ONCE, ///< 0.1's behaviour: what the kernel took counts as delivered
    ResendUnacknowledged =
        MYWSCLIENT_DELIVERY_RESEND_UNACKNOWLEDGED,   ///< default: what the server's TCP did not acknowledge
    AtLeastOnce = MYWSCLIENT_DELIVERY_AT_LEAST_ONCE, ///< also what followed the last frame received
  };

  /// Who ended a connection (CloseCallback).
  enum class CloseInitiator : std::uint32_t
  {
    Client = MYWSCLIENT_CLOSE_INITIATOR_CLIENT,     ///< this client (stop)
    Server = MYWSCLIENT_CLOSE_INITIATOR_SERVER,     ///< the server sent a close frame
    Abnormal = MYWSCLIENT_CLOSE_INITIATOR_ABNORMAL, ///< reset, EOF, protocol or heartbeat failure
  };

  /// What went wrong (ErrorCallback). Same values as mywsclient_error_kind.
  enum class ErrorKind : std::uint32_t
  {
    None = MYWSCLIENT_ERROR_KIND_NONE,
    InvalidArgument = MYWSCLIENT_ERROR_KIND_INVALID_ARGUMENT,
    InvalidState = MYWSCLIENT_ERROR_KIND_INVALID_STATE,
    InvalidUtf8 = MYWSCLIENT_ERROR_KIND_INVALID_UTF8,
    MessageTooLarge = MYWSCLIENT_ERROR_KIND_MESSAGE_TOO_LARGE,
    QueueFull = MYWSCLIENT_ERROR_KIND_QUEUE_FULL,
    Dns = MYWSCLIENT_ERROR_KIND_DNS,
    Connect = MYWSCLIENT_ERROR_KIND_CONNECT,
    ConnectTimeout = MYWSCLIENT_ERROR_KIND_CONNECT_TIMEOUT,
    Tls = MYWSCLIENT_ERROR_KIND_TLS,
    TlsVerify = MYWSCLIENT_ERROR_KIND_TLS_VERIFY,
    Handshake = MYWSCLIENT_ERROR_KIND_HANDSHAKE,
    HandshakeTimeout = MYWSCLIENT_ERROR_KIND_HANDSHAKE_TIMEOUT,
    Protocol = MYWSCLIENT_ERROR_KIND_PROTOCOL,
    Io = MYWSCLIENT_ERROR_KIND_IO,
    HeartbeatTimeout = MYWSCLIENT_ERROR_KIND_HEARTBEAT_TIMEOUT,
    Closed = MYWSCLIENT_ERROR_KIND_CLOSED,
    Callback = MYWSCLIENT_ERROR_KIND_CALLBACK, ///< a callback threw (reported by this class)
    Config = MYWSCLIENT_ERROR_KIND_CONFIG,
    GaveUp = MYWSCLIENT_ERROR_KIND_GAVE_UP,
    Proxy = MYWSCLIENT_ERROR_KIND_PROXY,
  };

  /// Counters since the client was created (stats()).
  struct Stats
  {
    std::uint64_t messagesSent = 0;     ///< messages written to the socket
    std::uint64_t bytesSent = 0;        ///< their payload bytes
    std::uint64_t messagesReceived = 0; ///< messages received and delivered
    std::uint64_t bytesReceived = 0;    ///< their payload bytes
    std::uint64_t connections = 0;      ///< connections opened
    std::uint64_t reconnects = 0;       ///< connections opened after the first
    std::uint64_t queuedMessages = 0;   ///< accepted, not yet written
    std::uint64_t queuedBytes = 0;      ///< their bytes
    std::uint16_t lastCloseCode = 0;    ///< close code of the last closed connection
    std::string lastError{};            ///< as lastError()
    // Control frames and receipts (0.2).
    std::chrono::microseconds rttLast{0};        ///< last round-trip time of a ping (0: none yet)
    std::chrono::microseconds rttSmoothed{0};    ///< smoothed round-trip time (as TCP's SRTT)
    std::uint64_t rttSamples = 0;                ///< pongs that measured it (heartbeat and ping())
    std::uint64_t messagesDiscarded = 0;         ///< messages dropped: overflow policy, discarding stop
    std::uint64_t receiptsWritten = 0;           ///< onWritten receipts given
    std::uint64_t receiptsDiscarded = 0;         ///< onDiscarded receipts given
    std::uint64_t uncompressedBytesSent = 0;     ///< permessage-deflate: original size of messages sent compressed
    std::uint64_t compressedBytesSent = 0;       ///< permessage-deflate: their size on the wire
    std::uint64_t uncompressedBytesReceived = 0; ///< permessage-deflate: inflated size of messages received compressed
    std::uint64_t compressedBytesReceived = 0;   ///< permessage-deflate: their size on the wire
    std::uint64_t messagesResent = 0;            ///< written again after a connection broke (setDelivery)
  };

  /// Why a message sent with sendMessageEx/sendBinaryEx was dropped (onDiscarded).
  enum class DiscardReason : std::uint32_t
  {
    Stopped = MYWSCLIENT_DISCARD_REASON_STOPPED,   ///< close(..., StopAndDiscard), or a stop with setDiscardOnStop
    GaveUp = MYWSCLIENT_DISCARD_REASON_GAVE_UP,    ///< stopped by itself (reconnect off or gave up), setDiscardOnStop
    Overflow = MYWSCLIENT_DISCARD_REASON_OVERFLOW, ///< OverflowPolicy::DropOldest made room
  };

  /// What a send does when the queue is full (setOverflowPolicy).
  enum class OverflowPolicy : std::uint32_t
  {
    Refuse = MYWSCLIENT_OVERFLOW_POLICY_REFUSE,          ///< refuse the new message (the default)
    DropOldest = MYWSCLIENT_OVERFLOW_POLICY_DROP_OLDEST, ///< drop the oldest messages not yet being written
  };

  /// What close() does after the close handshake.
  enum class AfterClose
  {
    Stop,           ///< stop, keeping what is queued for a later start() (as stop())
    Reconnect,      ///< connect again at once, keeping the queue
    StopAndDiscard, ///< stop and discard what is queued (onDiscarded for each message with an id)
  };

  /// The connection is open; the argument is the subprotocol the server selected ("" if none).
  using OpenCallback = std::function<void(const std::string &subprotocol)>;
  /// A connection ended: close code (1006 when there was no close frame), reason, who ended it.
  using CloseCallback = std::function<void(int code, const std::string &reason, CloseInitiator initiator)>;
  /// Something failed (connect, TLS, handshake, I/O, heartbeat, a callback threw, ...).
  using ErrorCallback = std::function<void(ErrorKind kind, const std::string &message)>;
  /// The next connection attempt (number `attempt`) starts after `delay`.
  using ReconnectCallback = std::function<void(unsigned attempt, std::chrono::milliseconds delay)>;
  /// The I/O thread has stopped (after stop(), or reconnect off, or gave up): the last callback of a run.
  using StoppedCallback = std::function<void()>;
  /// One log line of the library (without newline), at or above the log level.
  using LogCallback = std::function<void(LogLevel level, const std::string &line)>;
  /// The pong answering ping(): the round-trip time and the payload.
  using PongCallback = std::function<void(std::chrono::microseconds rtt, const std::string &payload)>;
  /// The message with this id (from sendMessageEx/sendBinaryEx) is written: all its bytes are in the kernel.
  using WrittenCallback = std::function<void(std::uint64_t id)>;
  /// The message with this id was dropped without being written.
  using DiscardedCallback = std::function<void(std::uint64_t id, DiscardReason reason)>;
  /// The queue reached the high watermark, or fell back to the low one: the bytes queued then.
  using QueueCallback = std::function<void(std::size_t queuedBytes)>;

  // ---------------------------------------------------------------- long-lived sessions: types

  /// What a 4xx answer to the upgrade does (setHttpErrorPolicy).
  enum class HttpErrorPolicy : std::uint32_t
  {
    Retry = MYWSCLIENT_HTTP_ERROR_POLICY_RETRY, ///< report (onError/onErrorInfo) and retry with backoff (default)
    Stop = MYWSCLIENT_HTTP_ERROR_POLICY_STOP,   ///< report, then stop (408 and 429 are still retried)
  };

  /// HTTP response headers in the order received; a repeated header
  /// (Set-Cookie) appears once per occurrence.
  using Headers = std::vector<std::pair<std::string, std::string>>;

  /// The value of the first header called `name` (case-insensitive), "" if none.
  static std::string findHeader(const Headers &headers, const std::string &name)
  {
    for (const auto &h : headers)
    {
      if (h.first.size() != name.size())
        continue;
      bool same = true;
      for (std::size_t i = 0; same && i < name.size(); i++)
        same = asciiLower(h.first[i]) == asciiLower(name[i]);
      if (same)
        return h.second;
    }
    return std::string();
  }

  /// An error with its details (onErrorInfo).
  struct ErrorInfo
  {
    ErrorKind kind = ErrorKind::None;
    std::string message{};
    /// The HTTP status when the server answered the upgrade with another
    /// status than 101 (401/403: refresh the credentials; 3xx: see
    /// header("Location")), else 0.
    int httpStatus = 0;
    /// That response's headers (empty when httpStatus is 0).
    Headers headers{};
    std::string header(const std::string &name) const { return findHeader(headers, name); }
  };

  /// A connection that opened, with the server's 101 response (onOpenInfo).
  struct OpenInfo
  {
    std::string subprotocol{}; ///< selected by the server ("" if none)
    int httpStatus = 101;
    Headers headers{}; ///< the 101 response's headers (cookies, session ids)
    std::string header(const std::string &name) const { return findHeader(headers, name); }
  };

  /// Something failed, with the HTTP details of a refused upgrade.
  using ErrorInfoCallback = std::function<void(const ErrorInfo &info)>;
  /// The connection is open, with the server's 101 response.
  using OpenInfoCallback = std::function<void(const OpenInfo &info)>;

  /// One connection attempt's request, lent to onBeforeConnect: valid only
  /// during that callback (never keep it). Changes apply to this attempt
  /// only. Calls that fail return false and say why in `*why`.
  class Request
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

  /// Runs before each connection attempt (see onBeforeConnect).
  using BeforeConnectCallback = std::function<void(Request &request)>;

  /// As the original: `url` is a host name or address (meaning wss://, as the
  /// original always used TLS) or a ws:// / wss:// URL; `port` > 0 overrides
  /// the URL's port (0 keeps it, or the scheme's default); a non-empty
  /// `path` overrides the URL's path. Nothing connects before start().
  /// Requests the subprotocol "ws" like the original (setSubprotocols to
  /// change); a server that selects none is accepted. Sends
  /// `Origin: http://<host>` like the original (setOrigin to change or clear). An invalid URL is
  /// reported on std::cerr and by lastError(); the object is then inert.
  MyWSClient(const std::string &url, int port, const std::string &path, MessageCallback onMessage = nullptr)
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

  /// Stops (as the original) and releases everything. Also allowed inside
  /// one of this client's callbacks (then the release is deferred).
  ~MyWSClient() { destroy(); }

  MyWSClient(const MyWSClient &) = delete;
  MyWSClient &operator=(const MyWSClient &) = delete;

  /// Takes over the other client, running or not; `other` becomes inert.
  MyWSClient(MyWSClient &&other) noexcept : cb_(std::move(other.cb_)), handle_(std::move(other.handle_)) {}

  /// Destroys this client (stop + release), then takes over `other`.
  MyWSClient &operator=(MyWSClient &&other) noexcept
  {
    if (this != &other)
    {
      destroy();
      cb_ = std::move(other.cb_);
      handle_ = std::move(other.handle_);
    }
    return *this;
  }

  // ---------------------------------------------------------------- the original API

  /// Starts the I/O thread and returns at once; it connects, and reconnects
  /// whenever the connection fails. Idempotent; after stop() it starts again.
  /// A failure (e.g. an unreadable CA file) is written to std::cerr.
  void start()
  {
    std::string why;
    if (!tryStart(&why))
      logLine("start", why);
  }

  /// Stops: closes the connection (bounded wait for the server's reply) and
  /// joins the I/O thread; from inside a callback it returns at once.
  /// Idempotent. Messages still queued stay queued for a later start().
  void stop() noexcept
  {
    if (handle_)
      mywsclient_stop(handle_.get());
  }

  /// Queues a text message (UTF-8); it is written on the current connection
  /// or, while disconnected, on the next one. A message the library refuses
  /// (invalid UTF-8, too large, queue full) is reported on std::cerr, as
  /// the original did. Never throws.
  void sendMessage(const std::string &message) noexcept
  {
    mywsclient_result r =
        handle_ ? mywsclient_send(handle_.get(), message.data(), message.size()) : MYWSCLIENT_RESULT_NULL_ARGUMENT;
    if (r != MYWSCLIENT_RESULT_OK)
      reportRefusedSend("sendMessage", message.size(), r);
  }

  // ---------------------------------------------------------------- sending, with results

  /// Queues a text message; true when accepted. On refusal returns false and
  /// sets `*why` (when given) to the reason, e.g. "queue full: ...".
  bool trySendMessage(const std::string &message, std::string *why = nullptr)
  {
    if (!handle_)
      return fail(why, notUsable());
    return check(mywsclient_send(handle_.get(), message.data(), message.size()), why);
  }

  /// Queues a binary message; true when accepted (see trySendMessage).
  bool trySendBinary(const void *data, std::size_t len, std::string *why = nullptr)
  {
    if (!handle_)
      return fail(why, notUsable());
    if (!data && len == 0)
      data = "";
    return check(mywsclient_send_binary(handle_.get(), static_cast<const std::uint8_t *>(data), len), why);
  }
  bool trySendBinary(const std::string &data, std::string *why = nullptr)
  {
    return trySendBinary(data.data(), data.size(), why);
  }
  bool trySendBinary(const std::vector<std::uint8_t> &data, std::string *why = nullptr)
  {
    return trySendBinary(data.data(), data.size(), why);
  }

  /// Queues a binary message; a refusal is reported on std::cerr (as sendMessage).
  void sendBinary(const void *data, std::size_t len) noexcept
  {
    if (!data && len == 0)
      data = "";
    mywsclient_result r = handle_ ? mywsclient_send_binary(handle_.get(), static_cast<const std::uint8_t *>(data), len)
                                  : MYWSCLIENT_RESULT_NULL_ARGUMENT;
    if (r != MYWSCLIENT_RESULT_OK)
      reportRefusedSend("sendBinary", len, r);
  }
  void sendBinary(const std::string &data) noexcept { sendBinary(data.data(), data.size()); }
  void sendBinary(const std::vector<std::uint8_t> &data) noexcept { sendBinary(data.data(), data.size()); }

  /// start() that reports a failure instead of logging it.
  bool tryStart(std::string *why = nullptr)
  {
    if (!handle_)
      return fail(why, notUsable());
    return check(mywsclient_start(handle_.get()), why);
  }

  // ---------------------------------------------------------------- state

  State state() const noexcept { return handle_ ? static_cast<State>(mywsclient_state(handle_.get())) : State::Idle; }

  /// True while connected (state() == State::Open).
  bool isOpen() const noexcept { return state() == State::Open; }

  /// True unless the constructor failed (invalid URL) or this object was moved from.
  bool valid() const noexcept { return static_cast<bool>(handle_); }

  Stats stats() const
  {
    Stats s;
    if (cb_)
      s.lastError = cb_->getLastError();
    mywsclient_stats2 c{};
    if (handle_ && mywsclient_get_stats2(handle_.get(), &c, sizeof c) == MYWSCLIENT_RESULT_OK)
    {
      s.messagesSent = c.messages_sent;
      s.bytesSent = c.bytes_sent;
      s.messagesReceived = c.messages_received;
      s.bytesReceived = c.bytes_received;
      s.connections = c.connections;
      s.reconnects = c.reconnects;
      s.queuedMessages = c.queued_messages;
      s.queuedBytes = c.queued_bytes;
      s.lastCloseCode = c.last_close_code;
      s.rttLast = std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(c.rtt_last_us));
      s.rttSmoothed = std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(c.rtt_smoothed_us));
      s.rttSamples = c.rtt_samples;
      s.messagesDiscarded = c.messages_discarded;
      s.receiptsWritten = c.receipts_written;
      s.receiptsDiscarded = c.receipts_discarded;
      s.uncompressedBytesSent = c.uncompressed_bytes_sent;
      s.compressedBytesSent = c.compressed_bytes_sent;
      s.uncompressedBytesReceived = c.uncompressed_bytes_received;
      s.compressedBytesReceived = c.compressed_bytes_received;
      s.messagesResent = c.messages_resent;
    }
    return s;
  }

  /// The last failure of a call on this object or the last error event ("" if none).
  std::string lastError() const { return cb_ ? cb_->getLastError() : notUsable(); }

  /// "mywsclient 0.1.0 (tungstenite ..., rustls ...)".
  static std::string version() { return mywsclient_version(); }

  /// "idle", "connecting", "open", "closing", "reconnecting", "stopped".
  static const char *stateName(State s) noexcept { return mywsclient_state_str(static_cast<std::uint32_t>(s)); }

  /// A short name of an error kind, e.g. "TLS certificate verification failed".
  static const char *errorKindName(ErrorKind k) noexcept
  {
    return mywsclient_error_kind_str(static_cast<std::uint32_t>(k));
  }

  /// The C handle, for the C API (owned by this object; do not free it).
  mywsclient *nativeHandle() const noexcept { return handle_.get(); }

  // ---------------------------------------------------------------- callbacks
  // Accepted only before start() or after stop(); false otherwise.
  // nullptr removes a callback.

  /// Replaces the constructor's message callback.
  bool onMessage(MessageCallback f) { return setCallback(&Callbacks::onMessage, std::move(f), true, "onMessage"); }
  /// Binary messages go here when set (otherwise to the message callback, as in the original).
  bool onBinaryMessage(MessageCallback f)
  {
    return setCallback(&Callbacks::onBinary, std::move(f), true, "onBinaryMessage");
  }
  bool onOpen(OpenCallback f) { return setCallback(&Callbacks::onOpen, std::move(f), false, "onOpen"); }
  bool onClose(CloseCallback f) { return setCallback(&Callbacks::onClose, std::move(f), false, "onClose"); }
  bool onError(ErrorCallback f) { return setCallback(&Callbacks::onError, std::move(f), false, "onError"); }
  bool onReconnect(ReconnectCallback f)
  {
    return setCallback(&Callbacks::onReconnect, std::move(f), false, "onReconnect");
  }
  bool onStopped(StoppedCallback f) { return setCallback(&Callbacks::onStopped, std::move(f), false, "onStopped"); }
  /// Like onError, with the HTTP status and headers of a refused upgrade (both run when both are set;
  /// exceptions of your callbacks, reported by this class, go to onError only).
  bool onErrorInfo(ErrorInfoCallback f)
  {
    return setCallback(&Callbacks::onErrorInfo, std::move(f), false, "onErrorInfo");
  }
  /// Like onOpen, with the server's 101 response headers (both run when both are set).
  bool onOpenInfo(OpenInfoCallback f) { return setCallback(&Callbacks::onOpenInfo, std::move(f), false, "onOpenInfo"); }

  /// Runs on the I/O thread before each connection attempt (the first,
  /// every reconnect, the one reconnect() starts; not for the redirects an
  /// attempt follows): change this attempt's URL, headers and subprotocols
  /// through `request`, e.g. put a fresh token in. It may block briefly (to
  /// fetch a token). An exception is reported to onError as
  /// ErrorKind::Callback and the attempt goes on with what was set.
  bool onBeforeConnect(BeforeConnectCallback f)
  {
    if (!handle_)
      return fail(nullptr, notUsable(), "onBeforeConnect");
    if (!check(mywsclient_set_connect_callback(handle_.get(), &connectTrampoline, cb_.get()), nullptr,
               "onBeforeConnect"))
      return false;
    cb_->onBeforeConnect = std::move(f);
    return true;
  }

  /// Sends the library's log lines (at or above the log level) to `f`
  /// instead of stderr; nullptr restores stderr.
  bool setLogCallback(LogCallback f)
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

  // ---------------------------------------------------------------- options
  // Accepted only before start() or after stop(). On failure: false, one
  // line on std::cerr, and lastError() says why. Defaults in parentheses.

  /// Default: warnings and errors (or MYWSCLIENT_LOG=off|error|warn|info|debug).
  bool setLogLevel(LogLevel level)
  {
    return option("setLogLevel", mywsclient_set_log_level, static_cast<std::uint32_t>(level));
  }

  /// Reconnect after failures (true), giving up after `maxAttempts`
  /// consecutive failed attempts (0 = never).
  bool setReconnect(bool enabled, unsigned maxAttempts = 0)
  {
    return option("setReconnect", mywsclient_set_reconnect, enabled, maxAttempts);
  }

  /// Delay before reconnecting: starts at `initial` (100 ms), times `factor`
  /// (2.0) per failed attempt, at most `max` (5 s), minus up to `jitter`
  /// (0.5) of it at random.
  bool setBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, double factor = 2.0,
                  double jitter = 0.5)
  {
    return option("setBackoff", mywsclient_set_backoff, ms(initial), ms(max), factor, jitter);
  }

  /// A connection that stayed open this long (1 s) resets the backoff to its initial delay.
  bool setBackoffReset(std::chrono::milliseconds after)
  {
    return option("setBackoffReset", mywsclient_set_backoff_reset, ms(after));
  }

  /// Ping when nothing arrived for `interval` (3 s; 0 = off); the connection
  /// is declared dead (and replaced) when still nothing arrived `timeout` (3 s) later.
  bool setHeartbeat(std::chrono::milliseconds interval, std::chrono::milliseconds timeout = std::chrono::seconds(3))
  {
    return option("setHeartbeat", mywsclient_set_heartbeat, ms(interval), ms(timeout));
  }

  /// TCP connect (10 s), TLS + WebSocket handshake (10 s), and how long
  /// stop() waits for the server's close reply (1 s).
  bool setTimeouts(std::chrono::milliseconds connect, std::chrono::milliseconds handshake,
                   std::chrono::milliseconds close = std::chrono::seconds(1))
  {
    return option("setTimeouts", mywsclient_set_timeouts, ms(connect), ms(handshake), ms(close));
  }

  /// Limits of the send queue: bytes (64 MiB) and messages (0 = no limit).
  bool setQueueLimits(std::size_t maxBytes, std::size_t maxMessages = 0)
  {
    return option("setQueueLimits", mywsclient_set_queue_limits, maxBytes, maxMessages);
  }

  /// Largest message sent or received (64 MiB).
  bool setMaxMessageSize(std::size_t maxBytes)
  {
    return option("setMaxMessageSize", mywsclient_set_max_message_size, maxBytes);
  }

  /// permessage-deflate (Off): zlib level 0-9 or -1 (6); messages shorter than
  /// threshold bytes go uncompressed. See mywsclient_set_compression().
  bool setCompression(Compression mode, int level = -1, std::size_t threshold = 128)
  {
    return option("setCompression", mywsclient_set_compression, static_cast<std::uint32_t>(mode), level, threshold);
  }

  /// Runs this client on the process's shared I/O threads instead of a
  /// thread of its own (default false): one file descriptor and no thread per
  /// client, for thousands of clients in one process. Callbacks of clients on
  /// one shared thread run one after another, so they must not block.
  bool setSharedIo(bool shared) { return option("setSharedIo", mywsclient_set_shared_io, shared); }

  /// What is written again when a connection ends abnormally (default
  /// Delivery::ResendUnacknowledged): see mywsclient_set_delivery().
  bool setDelivery(Delivery mode)
  {
    return option("setDelivery", mywsclient_set_delivery, static_cast<std::uint32_t>(mode));
  }

  /// Trusts the CA certificate(s) in this PEM file in addition to the system
  /// roots: the right way to talk to a server with a private or self-signed
  /// certificate. "" clears it.
  bool setCaFile(const std::string &pemPath)
  {
    return option("setCaFile", mywsclient_set_ca_file, pemPath.empty() ? nullptr : pemPath.c_str());
  }

  /// Whether to trust the system's root certificates (true); with false
  /// only the setCaFile() certificates are trusted.
  bool setUseSystemRoots(bool use) { return option("setUseSystemRoots", mywsclient_set_system_roots, use); }

  /// Client certificate chain and private key (PEM files) for mutual TLS;
  /// both "" clear them. The files are checked now and read at each start.
  bool setClientCertificate(const std::string &certPemPath, const std::string &keyPemPath)
  {
    bool clear = certPemPath.empty() && keyPemPath.empty();
    return option("setClientCertificate", mywsclient_set_client_cert, clear ? nullptr : certPemPath.c_str(),
                  clear ? nullptr : keyPemPath.c_str());
  }

  /// DANGEROUS: accept any server certificate (what the original did).
  /// Default false. The environment variable MYWSCLIENT_TLS_INSECURE=1 does
  /// the same without code changes. Prefer setCaFile().
  bool setDangerousDisableTlsVerification(bool disable)
  {
    return option("setDangerousDisableTlsVerification", mywsclient_set_dangerous_disable_tls_verification, disable);
  }

  /// Adds an HTTP header to the upgrade request (none by default).
  bool addHeader(const std::string &name, const std::string &value)
  {
    return option("addHeader", mywsclient_add_header, name.c_str(), value.c_str());
  }

  /// Removes every header added by addHeader().
  bool clearHeaders() { return option("clearHeaders", mywsclient_clear_headers); }

  // ----- how it connects: proxy, Origin, resolve overrides (README "Proxies")

  /// The proxy URL (http://, https://, socks5://, socks5h://, socks4://,
  /// socks4a://, optional user:password@; no scheme = http://); "" = none.
  /// By default the proxy comes from the environment (http_proxy, https_proxy, ...).
  bool setProxy(const std::string &url) { return option("setProxy", mywsclient_set_proxy, url.c_str()); }

  /// Back to the default: the proxy from the environment, with curl's rules.
  bool setProxyFromEnvironment() { return option("setProxyFromEnvironment", mywsclient_set_proxy, nullptr); }

  /// Hosts that bypass the proxy (curl's NO_PROXY syntax); "" = none. By
  /// default the list comes from no_proxy / NO_PROXY.
  bool setNoProxy(const std::string &list) { return option("setNoProxy", mywsclient_set_no_proxy, list.c_str()); }

  /// The Origin header ("http://<host>" by default, like the original); "" sends none.
  bool setOrigin(const std::string &origin)
  {
    return option("setOrigin", mywsclient_set_origin, origin.empty() ? nullptr : origin.c_str());
  }

  /// Connections to host:port use these addresses instead of the resolver:
  /// "host:port:address[,address...]" (curl's CURLOPT_RESOLVE syntax).
  bool addResolve(const std::string &entry) { return option("addResolve", mywsclient_add_resolve, entry.c_str()); }

  /// Removes every entry added by addResolve().
  bool clearResolve() { return option("clearResolve", mywsclient_clear_resolve); }

  /// The subprotocols to request ({"ws"}, as the original); {} requests
  /// none. A server that selects none is accepted. All or nothing: on
  /// failure the previous list stays.
  bool setSubprotocols(const std::vector<std::string> &protocols)
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

  // ---------------------------------------------------------------- control frames, receipts, flow control
  // ping, close and the sends may be called from any thread, also inside a
  // callback; the callbacks and options only before start() or after stop().

  /// Sends a ping with `payload` (at most 125 bytes) on the current
  /// connection; onPong gets the round-trip time. False (and `*why`) when
  /// not connected or the payload is too long.
  bool ping(const std::string &payload = {}, std::string *why = nullptr)
  {
    if (!handle_)
      return fail(why, notUsable());
    return check(mywsclient_ping(handle_.get(), reinterpret_cast<const std::uint8_t *>(payload.data()), payload.size()),
                 why);
  }

  /// Closes with the application's close `code` (1000 or 3000-4999) and
  /// `reason` (at most 123 bytes of UTF-8), then stops (joins the I/O
  /// thread like stop(), unless called from a callback), reconnects at once,
  /// or stops and discards the queue. False (and `*why`) for a code or
  /// reason not allowed, or Reconnect/StopAndDiscard while not running.
  bool close(int code, const std::string &reason = {}, AfterClose then = AfterClose::Stop, std::string *why = nullptr)
  {
    if (!handle_)
      return fail(why, notUsable());
    if (code < 0 || reason.find('\0') != std::string::npos)
      return fail(why, "close code must be 1000 or 3000-4999 and the reason must not contain NUL");
    std::uint32_t flags = then == AfterClose::Reconnect        ? static_cast<std::uint32_t>(MYWSCLIENT_CLOSE_RECONNECT)
                          : then == AfterClose::StopAndDiscard ? static_cast<std::uint32_t>(MYWSCLIENT_CLOSE_DISCARD)
                                                               : 0u;
    return check(mywsclient_close(handle_.get(), static_cast<std::uint32_t>(code), reason.c_str(), flags), why);
  }

  /// Queues a text message and returns its id (> 0), or 0 when refused
  /// (`*why` says why). The message gets exactly one receipt, onWritten or
  /// onDiscarded, in id order. `urgent` puts it ahead of every message not
  /// yet started.
  std::uint64_t sendMessageEx(const std::string &message, bool urgent = false, std::string *why = nullptr)
  {
    return sendEx(message.data(), message.size(), urgent ? static_cast<std::uint32_t>(MYWSCLIENT_SEND_URGENT) : 0u,
                  why);
  }

  /// Queues a binary message and returns its id, or 0 (see sendMessageEx).
  std::uint64_t sendBinaryEx(const void *data, std::size_t len, bool urgent = false, std::string *why = nullptr)
  {
    return sendEx(data, len,
                  static_cast<std::uint32_t>(MYWSCLIENT_SEND_BINARY) |
                      (urgent ? static_cast<std::uint32_t>(MYWSCLIENT_SEND_URGENT) : 0u),
                  why);
  }
  std::uint64_t sendBinaryEx(const std::string &data, bool urgent = false, std::string *why = nullptr)
  {
    return sendBinaryEx(data.data(), data.size(), urgent, why);
  }
  std::uint64_t sendBinaryEx(const std::vector<std::uint8_t> &data, bool urgent = false, std::string *why = nullptr)
  {
    return sendBinaryEx(data.data(), data.size(), urgent, why);
  }

  bool onPong(PongCallback f) { return setCallback(&Callbacks::onPong, std::move(f), false, "onPong"); }
  bool onWritten(WrittenCallback f) { return setCallback(&Callbacks::onWritten, std::move(f), false, "onWritten"); }
  bool onDiscarded(DiscardedCallback f)
  {
    return setCallback(&Callbacks::onDiscarded, std::move(f), false, "onDiscarded");
  }
  bool onQueueHigh(QueueCallback f) { return setCallback(&Callbacks::onQueueHigh, std::move(f), false, "onQueueHigh"); }
  bool onQueueDrained(QueueCallback f)
  {
    return setCallback(&Callbacks::onQueueDrained, std::move(f), false, "onQueueDrained");
  }

  /// What a send does when the queue is full (Refuse).
  bool setOverflowPolicy(OverflowPolicy p)
  {
    return option("setOverflowPolicy", mywsclient_set_overflow_policy, static_cast<std::uint32_t>(p));
  }

  /// onQueueHigh when the queued bytes reach `high`, onQueueDrained when
  /// they fall back to `low` (< high). high 0 turns them off (the default).
  bool setQueueWatermarks(std::size_t high, std::size_t low)
  {
    return option("setQueueWatermarks", mywsclient_set_queue_watermarks, high, low);
  }

  /// Discard what is queued whenever the client stops (false: kept for the next start()).
  bool setDiscardOnStop(bool discard) { return option("setDiscardOnStop", mywsclient_set_discard_on_stop, discard); }

  // ---------------------------------------------------------------- long-lived sessions
  // setUrl, setHeader, removeHeader and reconnect work at any time, from
  // any thread (also inside callbacks); the two policies only before start().

  /// Connects to `url` (ws://, wss:// or a bare host) from the next attempt on.
  bool setUrl(const std::string &url) { return option("setUrl", mywsclient_set_url, url.c_str()); }
  /// Sets an upgrade header from the next attempt on, replacing any of that name.
  bool setHeader(const std::string &name, const std::string &value)
  {
    return option("setHeader", mywsclient_set_header, name.c_str(), value.c_str());
  }
  /// Removes an upgrade header (every header of that name) from the next attempt on.
  bool removeHeader(const std::string &name) { return option("removeHeader", mywsclient_remove_header, name.c_str()); }
  /// Closes the connection (1000) and connects again at once, keeping what
  /// is queued; false (and lastError()) when the client is not running.
  bool reconnect() { return option("reconnect", mywsclient_reconnect); }
  /// What a 4xx answer to the upgrade does (HttpErrorPolicy::Retry).
  bool setHttpErrorPolicy(HttpErrorPolicy p)
  {
    return option("setHttpErrorPolicy", mywsclient_set_http_error_policy, static_cast<std::uint32_t>(p));
  }
  /// Follow up to `maxRedirects` redirects per attempt (0: none, the default; at most 20).
  bool setFollowRedirects(unsigned maxRedirects)
  {
    return option("setFollowRedirects", mywsclient_set_follow_redirects, maxRedirects);
  }

private:
  /// Everything the I/O thread touches, on the heap so that moving the
  /// MyWSClient does not move it. The std::function members are written
  /// only while the client is not running (the library enforces it).
  struct Callbacks
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

  struct HandleDeleter
  {
    void operator()(mywsclient *h) const noexcept { mywsclient_free(h); }
  };

  /// Marks the current thread as inside a callback for its lifetime; deletes
  /// an orphaned Callbacks when the outermost frame ends.
  class CallbackScope
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

  // Declared before handle_: destroyed after it (the library stops calling
  // back before the callbacks go away).
  std::unique_ptr<Callbacks> cb_{};
  std::unique_ptr<mywsclient, HandleDeleter> handle_{};

  void destroy() noexcept
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

  template <class Member, class F> bool setCallback(Member member, F f, bool message, const char *what)
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

  std::uint64_t sendEx(const void *data, std::size_t len, std::uint32_t flags, std::string *why)
  {
    if (!handle_)
    {
      fail(why, notUsable());
      return 0;
    }
    if (!data && len == 0)
      data = "";
    std::uint64_t id = 0;
    return check(mywsclient_send_ex(handle_.get(), static_cast<const std::uint8_t *>(data), len, flags, &id), why) ? id
                                                                                                                   : 0;
  }

  static std::size_t sizeOf(std::uint64_t v) noexcept
  {
    return v > std::numeric_limits<std::size_t>::max() ? std::numeric_limits<std::size_t>::max()
                                                       : static_cast<std::size_t>(v);
  }

  /// Every option setter in one line: calls `set(handle, args...)` and
  /// turns its result into true, or false with a line on std::cerr and
  /// lastError() set (also when this object is not usable).
  template <class... Params, class... Args>
  bool option(const char *what, mywsclient_result (*set)(mywsclient *, Params...), Args &&...args)
  {
    return handle_ ? check(set(handle_.get(), std::forward<Args>(args)...), nullptr, what)
                   : fail(nullptr, notUsable(), what);
  }

  /// The original's Origin: libwebsockets sent "http://" + the host it was
  /// given. Here the host part of `url` (a bare host, or a URL's host
  /// without scheme, user, port and path; IPv6 in brackets).
  static std::string defaultOrigin(const std::string &url)
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

  static std::uint32_t ms(std::chrono::milliseconds d) noexcept
  {
    if (d.count() <= 0)
      return 0;
    if (d.count() >= static_cast<std::chrono::milliseconds::rep>(std::numeric_limits<std::uint32_t>::max()))
      return std::numeric_limits<std::uint32_t>::max();
    return static_cast<std::uint32_t>(d.count());
  }

  /// "<result name>: <details>", built right after the failed call (the
  /// details are thread-local in the library).
  static std::string describe(mywsclient_result r)
  {
    std::string name = mywsclient_result_str(static_cast<std::int32_t>(r));
    const char *detail = mywsclient_last_error();
    if (!detail || !*detail)
      return name;
    std::string d = detail;
    // The details usually start with the result's name already.
    return d.compare(0, name.size(), name) == 0 ? d : name + ": " + d;
  }

  std::string notUsable() const
  {
    if (cb_)
      return "this MyWSClient could not be created: " + cb_->getLastError();
    return "this MyWSClient was moved from";
  }

  /// One line on std::cerr: "[MyWSClient::<where>] <what>".
  static void logLine(const char *where, const std::string &what) noexcept
  {
    try
    {
      std::cerr << "[MyWSClient" << (*where ? "::" : "") << where << "] " << what << std::endl;
    }
    catch (...)
    {
    }
  }

  bool fail(std::string *why, const std::string &reason, const char *where = nullptr)
  {
    if (why)
      *why = reason;
    if (where)
      logLine(where, reason);
    if (cb_ && handle_)
      cb_->setLastError(reason);
    return false;
  }

  bool check(mywsclient_result r, std::string *why, const char *where = nullptr)
  {
    if (r == MYWSCLIENT_RESULT_OK)
      return true;
    return fail(why, describe(r), where);
  }

  void reportRefusedSend(const char *where, std::size_t len, mywsclient_result r) noexcept
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

  // ---------------------------------------------------------------- trampolines
  // Called by the library on the I/O thread. noexcept, and every user
  // callback runs inside guarded(): no exception ever unwinds into the library.

  template <class F> static void guarded(Callbacks *cb, const char *which, F &&f) noexcept
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

  static void reportCallbackException(Callbacks *cb, const char *which, const char *what) noexcept
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

  static void messageTrampoline(void *userData, const std::uint8_t *data, std::size_t len, bool isBinary) noexcept
  {
    Callbacks *cb = static_cast<Callbacks *>(userData);
    CallbackScope scope(cb);
    const MessageCallback &f = (isBinary && cb->onBinary) ? cb->onBinary : cb->onMessage;
    if (!f)
      return;
    guarded(cb, isBinary && cb->onBinary ? "onBinaryMessage" : "onMessage",
            [&] { f(std::string(reinterpret_cast<const char *>(data), len)); });
  }

  static void eventTrampoline(void *userData, const mywsclient_event *ev) noexcept
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
                  auto delay =
                      ev->delay_ms >
                              static_cast<std::uint64_t>(std::numeric_limits<std::chrono::milliseconds::rep>::max())
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

  static char asciiLower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

  static Headers readHeaders(const mywsclient_headers *h)
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

  static void connectTrampoline(void *userData, mywsclient_request *request) noexcept
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

  static void logTrampoline(void *userData, std::uint32_t level, const char *line) noexcept
  {
    Callbacks *cb = static_cast<Callbacks *>(userData);
    CallbackScope scope(cb);
    if (!cb->onLog)
      return;
    guarded(cb, "log", [&] { cb->onLog(static_cast<LogLevel>(level), std::string(line ? line : "")); });
  }
};

#endif /* MYWSCLIENT_CXX_WRAPPER_H */
