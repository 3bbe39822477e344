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
 * This file declares the class; the definitions are in the headers under
 * mywsclient/cxx/ (installed with it), which it includes at its end.
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
  // The enums and structs below are defined, with their values and fields, in
  // mywsclient/cxx/types.h; Request in mywsclient/cxx/request.h.

  /// Receives each message (text, and binary unless onBinaryMessage is set),
  /// on the I/O thread. As in the original.
  using MessageCallback = std::function<void(const std::string &)>;

  /// Connection state (state()).
  enum class State : std::uint32_t;
  /// Log levels (setLogLevel, LogCallback).
  enum class LogLevel : std::uint32_t;
  /// permessage-deflate modes, for setCompression().
  enum class Compression : std::uint32_t;
  /// What is written again after a connection ended abnormally (setDelivery;
  /// README "Delivery guarantees").
  enum class Delivery : std::uint32_t;
  /// Who ended a connection (CloseCallback).
  enum class CloseInitiator : std::uint32_t;
  /// What went wrong (ErrorCallback). Same values as mywsclient_error_kind.
  enum class ErrorKind : std::uint32_t;
  /// Counters since the client was created (stats()).
  struct Stats;
  /// Why a message sent with sendMessageEx/sendBinaryEx was dropped (onDiscarded).
  enum class DiscardReason : std::uint32_t;
  /// What a send does when the queue is full (setOverflowPolicy).
  enum class OverflowPolicy : std::uint32_t;
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
  enum class HttpErrorPolicy : std::uint32_t;
  /// HTTP response headers in the order received; a repeated header
  /// (Set-Cookie) appears once per occurrence.
  using Headers = std::vector<std::pair<std::string, std::string>>;

  /// The value of the first header called `name` (case-insensitive), "" if none.
  static std::string findHeader(const Headers &headers, const std::string &name);

  /// An error with its details (onErrorInfo).
  struct ErrorInfo;
  /// A connection that opened, with the server's 101 response (onOpenInfo).
  struct OpenInfo;

  /// Something failed, with the HTTP details of a refused upgrade.
  using ErrorInfoCallback = std::function<void(const ErrorInfo &info)>;
  /// The connection is open, with the server's 101 response.
  using OpenInfoCallback = std::function<void(const OpenInfo &info)>;

  /// One connection attempt's request, lent to onBeforeConnect: valid only
  /// during that callback (never keep it). Changes apply to this attempt
  /// only. Calls that fail return false and say why in `*why`.
  class Request;

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
  MyWSClient(const std::string &url, int port, const std::string &path, MessageCallback onMessage = nullptr);

  /// Stops (as the original) and releases everything. Also allowed inside
  /// one of this client's callbacks (then the release is deferred).
  ~MyWSClient();

  MyWSClient(const MyWSClient &) = delete;
  MyWSClient &operator=(const MyWSClient &) = delete;

  /// Takes over the other client, running or not; `other` becomes inert.
  MyWSClient(MyWSClient &&other) noexcept;

  /// Destroys this client (stop + release), then takes over `other`.
  MyWSClient &operator=(MyWSClient &&other) noexcept;

  // ---------------------------------------------------------------- the original API

  /// Starts the I/O thread and returns at once; it connects, and reconnects
  /// whenever the connection fails. Idempotent; after stop() it starts again.
  /// A failure (e.g. an unreadable CA file) is written to std::cerr.
  void start();

  /// Stops: closes the connection (bounded wait for the server's reply) and
  /// joins the I/O thread; from inside a callback it returns at once.
  /// Idempotent. Messages still queued stay queued for a later start().
  void stop() noexcept;

  /// Queues a text message (UTF-8); it is written on the current connection
  /// or, while disconnected, on the next one. A message the library refuses
  /// (invalid UTF-8, too large, queue full) is reported on std::cerr, as
  /// the original did. Never throws.
  void sendMessage(const std::string &message) noexcept;

  // ---------------------------------------------------------------- sending, with results

  /// Queues a text message; true when accepted. On refusal returns false and
  /// sets `*why` (when given) to the reason, e.g. "queue full: ...".
  bool trySendMessage(const std::string &message, std::string *why = nullptr);

  /// Queues a binary message; true when accepted (see trySendMessage).
  bool trySendBinary(const void *data, std::size_t len, std::string *why = nullptr);
  bool trySendBinary(const std::string &data, std::string *why = nullptr);
  bool trySendBinary(const std::vector<std::uint8_t> &data, std::string *why = nullptr);

  /// Queues a binary message; a refusal is reported on std::cerr (as sendMessage).
  void sendBinary(const void *data, std::size_t len) noexcept;
  void sendBinary(const std::string &data) noexcept;
  void sendBinary(const std::vector<std::uint8_t> &data) noexcept;

  /// start() that reports a failure instead of logging it.
  bool tryStart(std::string *why = nullptr);

  // ---------------------------------------------------------------- state

  State state() const noexcept;

  /// True while connected (state() == State::Open).
  bool isOpen() const noexcept;

  /// True unless the constructor failed (invalid URL) or this object was moved from.
  bool valid() const noexcept;

  Stats stats() const;

  /// The last failure of a call on this object or the last error event ("" if none).
  std::string lastError() const;

  /// "mywsclient 0.1.0 (tungstenite ..., rustls ...)".
  static std::string version();

  /// "idle", "connecting", "open", "closing", "reconnecting", "stopped".
  static const char *stateName(State s) noexcept;

  /// A short name of an error kind, e.g. "TLS certificate verification failed".
  static const char *errorKindName(ErrorKind k) noexcept;

  /// The C handle, for the C API (owned by this object; do not free it).
  mywsclient *nativeHandle() const noexcept;

  // ---------------------------------------------------------------- callbacks
  // Accepted only before start() or after stop(); false otherwise.
  // nullptr removes a callback.

  /// Replaces the constructor's message callback.
  bool onMessage(MessageCallback f);
  /// Binary messages go here when set (otherwise to the message callback, as in the original).
  bool onBinaryMessage(MessageCallback f);
  bool onOpen(OpenCallback f);
  bool onClose(CloseCallback f);
  bool onError(ErrorCallback f);
  bool onReconnect(ReconnectCallback f);
  bool onStopped(StoppedCallback f);
  /// Like onError, with the HTTP status and headers of a refused upgrade (both run when both are set;
  /// exceptions of your callbacks, reported by this class, go to onError only).
  bool onErrorInfo(ErrorInfoCallback f);
  /// Like onOpen, with the server's 101 response headers (both run when both are set).
  bool onOpenInfo(OpenInfoCallback f);

  /// Runs on the I/O thread before each connection attempt (the first,
  /// every reconnect, the one reconnect() starts; not for the redirects an
  /// attempt follows): change this attempt's URL, headers and subprotocols
  /// through `request`, e.g. put a fresh token in. It may block briefly (to
  /// fetch a token). An exception is reported to onError as
  /// ErrorKind::Callback and the attempt goes on with what was set.
  bool onBeforeConnect(BeforeConnectCallback f);

  /// Sends the library's log lines (at or above the log level) to `f`
  /// instead of stderr; nullptr restores stderr.
  bool setLogCallback(LogCallback f);

  // ---------------------------------------------------------------- options
  // Accepted only before start() or after stop(). On failure: false, one
  // line on std::cerr, and lastError() says why. Defaults in parentheses.

  /// Default: warnings and errors (or MYWSCLIENT_LOG=off|error|warn|info|debug).
  bool setLogLevel(LogLevel level);

  /// Reconnect after failures (true), giving up after `maxAttempts`
  /// consecutive failed attempts (0 = never).
  bool setReconnect(bool enabled, unsigned maxAttempts = 0);

  /// Delay before reconnecting: starts at `initial` (100 ms), times `factor`
  /// (2.0) per failed attempt, at most `max` (5 s), minus up to `jitter`
  /// (0.5) of it at random.
  bool setBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, double factor = 2.0,
                  double jitter = 0.5);

  /// A connection that stayed open this long (1 s) resets the backoff to its initial delay.
  bool setBackoffReset(std::chrono::milliseconds after);

  /// Ping when nothing arrived for `interval` (3 s; 0 = off); the connection
  /// is declared dead (and replaced) when still nothing arrived `timeout` (3 s) later.
  bool setHeartbeat(std::chrono::milliseconds interval, std::chrono::milliseconds timeout = std::chrono::seconds(3));

  /// TCP connect (10 s), TLS + WebSocket handshake (10 s), and how long
  /// stop() waits for the server's close reply (1 s).
  bool setTimeouts(std::chrono::milliseconds connect, std::chrono::milliseconds handshake,
                   std::chrono::milliseconds close = std::chrono::seconds(1));

  /// Limits of the send queue: bytes (64 MiB) and messages (0 = no limit).
  bool setQueueLimits(std::size_t maxBytes, std::size_t maxMessages = 0);

  /// Largest message sent or received (64 MiB).
  bool setMaxMessageSize(std::size_t maxBytes);

  /// permessage-deflate (Off): zlib level 0-9 or -1 (6); messages shorter than
  /// threshold bytes go uncompressed. See mywsclient_set_compression().
  bool setCompression(Compression mode, int level = -1, std::size_t threshold = 128);

  /// Runs this client on the process's shared I/O threads instead of a
  /// thread of its own (default false): one file descriptor and no thread per
  /// client, for thousands of clients in one process. Callbacks of clients on
  /// one shared thread run one after another, so they must not block.
  bool setSharedIo(bool shared);

  /// What is written again when a connection ends abnormally (default
  /// Delivery::ResendUnacknowledged): see mywsclient_set_delivery().
  bool setDelivery(Delivery mode);

  /// Trusts the CA certificate(s) in this PEM file in addition to the system
  /// roots: the right way to talk to a server with a private or self-signed
  /// certificate. "" clears it.
  bool setCaFile(const std::string &pemPath);

  /// Whether to trust the system's root certificates (true); with false
  /// only the setCaFile() certificates are trusted.
  bool setUseSystemRoots(bool use);

  /// Client certificate chain and private key (PEM files) for mutual TLS;
  /// both "" clear them. The files are checked now and read at each start.
  bool setClientCertificate(const std::string &certPemPath, const std::string &keyPemPath);

  /// DANGEROUS: accept any server certificate (what the original did).
  /// Default false. The environment variable MYWSCLIENT_TLS_INSECURE=1 does
  /// the same without code changes. Prefer setCaFile().
  bool setDangerousDisableTlsVerification(bool disable);

  /// Adds an HTTP header to the upgrade request (none by default).
  bool addHeader(const std::string &name, const std::string &value);

  /// Removes every header added by addHeader().
  bool clearHeaders();

  // ----- how it connects: proxy, Origin, resolve overrides (README "Proxies")

  /// The proxy URL (http://, https://, socks5://, socks5h://, socks4://,
  /// socks4a://, optional user:password@; no scheme = http://); "" = none.
  /// By default the proxy comes from the environment (http_proxy, https_proxy, ...).
  bool setProxy(const std::string &url);

  /// Back to the default: the proxy from the environment, with curl's rules.
  bool setProxyFromEnvironment();

  /// Hosts that bypass the proxy (curl's NO_PROXY syntax); "" = none. By
  /// default the list comes from no_proxy / NO_PROXY.
  bool setNoProxy(const std::string &list);

  /// The Origin header ("http://<host>" by default, like the original); "" sends none.
  bool setOrigin(const std::string &origin);

  /// Connections to host:port use these addresses instead of the resolver:
  /// "host:port:address[,address...]" (curl's CURLOPT_RESOLVE syntax).
  bool addResolve(const std::string &entry);

  /// Removes every entry added by addResolve().
  bool clearResolve();

  /// The subprotocols to request ({"ws"}, as the original); {} requests
  /// none. A server that selects none is accepted. All or nothing: on
  /// failure the previous list stays.
  bool setSubprotocols(const std::vector<std::string> &protocols);

  // ---------------------------------------------------------------- control frames, receipts, flow control
  // ping, close and the sends may be called from any thread, also inside a
  // callback; the callbacks and options only before start() or after stop().

  /// Sends a ping with `payload` (at most 125 bytes) on the current
  /// connection; onPong gets the round-trip time. False (and `*why`) when
  /// not connected or the payload is too long.
  bool ping(const std::string &payload = {}, std::string *why = nullptr);

  /// Closes with the application's close `code` (1000 or 3000-4999) and
  /// `reason` (at most 123 bytes of UTF-8), then stops (joins the I/O
  /// thread like stop(), unless called from a callback), reconnects at once,
  /// or stops and discards the queue. False (and `*why`) for a code or
  /// reason not allowed, or Reconnect/StopAndDiscard while not running.
  bool close(int code, const std::string &reason = {}, AfterClose then = AfterClose::Stop, std::string *why = nullptr);

  /// Queues a text message and returns its id (> 0), or 0 when refused
  /// (`*why` says why). The message gets exactly one receipt, onWritten or
  /// onDiscarded, in id order. `urgent` puts it ahead of every message not
  /// yet started.
  std::uint64_t sendMessageEx(const std::string &message, bool urgent = false, std::string *why = nullptr);

  /// Queues a binary message and returns its id, or 0 (see sendMessageEx).
  std::uint64_t sendBinaryEx(const void *data, std::size_t len, bool urgent = false, std::string *why = nullptr);
  std::uint64_t sendBinaryEx(const std::string &data, bool urgent = false, std::string *why = nullptr);
  std::uint64_t sendBinaryEx(const std::vector<std::uint8_t> &data, bool urgent = false, std::string *why = nullptr);

  bool onPong(PongCallback f);
  bool onWritten(WrittenCallback f);
  bool onDiscarded(DiscardedCallback f);
  bool onQueueHigh(QueueCallback f);
  bool onQueueDrained(QueueCallback f);

  /// What a send does when the queue is full (Refuse).
  bool setOverflowPolicy(OverflowPolicy p);

  /// onQueueHigh when the queued bytes reach `high`, onQueueDrained when
  /// they fall back to `low` (< high). high 0 turns them off (the default).
  bool setQueueWatermarks(std::size_t high, std::size_t low);

  /// Discard what is queued whenever the client stops (false: kept for the next start()).
  bool setDiscardOnStop(bool discard);

  // ---------------------------------------------------------------- long-lived sessions
  // setUrl, setHeader, removeHeader and reconnect work at any time, from
  // any thread (also inside callbacks); the two policies only before start().

  /// Connects to `url` (ws://, wss:// or a bare host) from the next attempt on.
  bool setUrl(const std::string &url);
  /// Sets an upgrade header from the next attempt on, replacing any of that name.
  bool setHeader(const std::string &name, const std::string &value);
  /// Removes an upgrade header (every header of that name) from the next attempt on.
  bool removeHeader(const std::string &name);
  /// Closes the connection (1000) and connects again at once, keeping what
  /// is queued; false (and lastError()) when the client is not running.
  bool reconnect();
  /// What a 4xx answer to the upgrade does (HttpErrorPolicy::Retry).
  bool setHttpErrorPolicy(HttpErrorPolicy p);
  /// Follow up to `maxRedirects` redirects per attempt (0: none, the default; at most 20).
  bool setFollowRedirects(unsigned maxRedirects);

private:
  /// Everything the I/O thread touches, on the heap so that moving the
  /// MyWSClient does not move it. The std::function members are written
  /// only while the client is not running (the library enforces it).
  /// Defined in mywsclient/cxx/callbacks.h, with CallbackScope.
  struct Callbacks;

  struct HandleDeleter
  {
    void operator()(mywsclient *h) const noexcept { mywsclient_free(h); }
  };

  /// Marks the current thread as inside a callback for its lifetime; deletes
  /// an orphaned Callbacks when the outermost frame ends.
  class CallbackScope;

  // Declared before handle_: destroyed after it (the library stops calling
  // back before the callbacks go away).
  std::unique_ptr<Callbacks> cb_{};
  std::unique_ptr<mywsclient, HandleDeleter> handle_{};

  // ---------------------------------------------------------------- helpers
  // Defined in mywsclient/cxx/: destroy in lifecycle.h, setCallback in
  // callbacks.h, sendEx in sending.h, option in options.h, the others in helpers.h.
  void destroy() noexcept;
  template <class Member, class F> bool setCallback(Member member, F f, bool message, const char *what);
  std::uint64_t sendEx(const void *data, std::size_t len, std::uint32_t flags, std::string *why);
  static std::size_t sizeOf(std::uint64_t v) noexcept;

  /// Every option setter in one line: calls `set(handle, args...)` and
  /// turns its result into true, or false with a line on std::cerr and
  /// lastError() set (also when this object is not usable).
  template <class... Params, class... Args>
  bool option(const char *what, mywsclient_result (*set)(mywsclient *, Params...), Args &&...args);

  /// The original's Origin: libwebsockets sent "http://" + the host it was
  /// given. Here the host part of `url` (a bare host, or a URL's host
  /// without scheme, user, port and path; IPv6 in brackets).
  static std::string defaultOrigin(const std::string &url);
  static std::uint32_t ms(std::chrono::milliseconds d) noexcept;

  /// "<result name>: <details>", built right after the failed call (the
  /// details are thread-local in the library).
  static std::string describe(mywsclient_result r);
  std::string notUsable() const;

  /// One line on std::cerr: "[MyWSClient::<where>] <what>".
  static void logLine(const char *where, const std::string &what) noexcept;
  bool fail(std::string *why, const std::string &reason, const char *where = nullptr);
  bool check(mywsclient_result r, std::string *why, const char *where = nullptr);
  void reportRefusedSend(const char *where, std::size_t len, mywsclient_result r) noexcept;
  static char asciiLower(char c) noexcept;

  // ---------------------------------------------------------------- trampolines (mywsclient/cxx/trampolines.h)
  template <class F> static void guarded(Callbacks *cb, const char *which, F &&f) noexcept;
  static void reportCallbackException(Callbacks *cb, const char *which, const char *what) noexcept;
  static void messageTrampoline(void *userData, const std::uint8_t *data, std::size_t len, bool isBinary) noexcept;
  static void eventTrampoline(void *userData, const mywsclient_event *ev) noexcept;
  static Headers readHeaders(const mywsclient_headers *h);
  static void connectTrampoline(void *userData, mywsclient_request *request) noexcept;
  static void logTrampoline(void *userData, std::uint32_t level, const char *line) noexcept;
};

// The definitions, one concern a file, in this order (each completes types
// the later ones use). They are part of this header, not to be included alone.
#include "mywsclient/cxx/types.h"       // the enums and structs (State, Stats, ErrorInfo, ...)
#include "mywsclient/cxx/request.h"     // MyWSClient::Request
#include "mywsclient/cxx/callbacks.h"   // Callbacks, CallbackScope, the callback setters
#include "mywsclient/cxx/lifecycle.h"   // construction, moves, start, stop
#include "mywsclient/cxx/state.h"       // state, stats, lastError, version, names
#include "mywsclient/cxx/sending.h"     // sends, ping, close
#include "mywsclient/cxx/options.h"     // option() and the option setters
#include "mywsclient/cxx/helpers.h"     // errors to bool/why/lastError/std::cerr, conversions
#include "mywsclient/cxx/trampolines.h" // the C callbacks into the std::function members

#endif /* MYWSCLIENT_CXX_WRAPPER_H */
