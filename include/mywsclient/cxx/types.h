// Part of MyWSClient.h (the enums and structs of the public API, and findHeader); not to be included on its own.
#pragma once
#ifndef MYWSCLIENT_CXX_TYPES_H
#define MYWSCLIENT_CXX_TYPES_H

#ifndef MYWSCLIENT_CXX_WRAPPER_H
#error "mywsclient/cxx/types.h is part of MyWSClient.h: include \"MyWSClient.h\" instead"
#endif

// The enums, with the values of the C API.

enum class MyWSClient::State : std::uint32_t
{
  Idle = MYWSCLIENT_STATE_IDLE,                 ///< created, never started
  Connecting = MYWSCLIENT_STATE_CONNECTING,     ///< connecting or handshaking
  Open = MYWSCLIENT_STATE_OPEN,                 ///< connected
  Closing = MYWSCLIENT_STATE_CLOSING,           ///< close handshake in progress
  Reconnecting = MYWSCLIENT_STATE_RECONNECTING, ///< waiting before the next attempt
  Stopped = MYWSCLIENT_STATE_STOPPED,           ///< stopped (stop(), reconnect off, or gave up)
};

enum class MyWSClient::LogLevel : std::uint32_t
{
  Off = MYWSCLIENT_LOG_LEVEL_OFF,
  Error = MYWSCLIENT_LOG_LEVEL_ERROR,
  Warn = MYWSCLIENT_LOG_LEVEL_WARN,
  Info = MYWSCLIENT_LOG_LEVEL_INFO,
  Debug = MYWSCLIENT_LOG_LEVEL_DEBUG,
};

enum class MyWSClient::Compression : std::uint32_t
{
  Off = MYWSCLIENT_COMPRESSION_OFF,
  ContextTakeover = MYWSCLIENT_COMPRESSION_CONTEXT_TAKEOVER,
  NoContextTakeover = MYWSCLIENT_COMPRESSION_NO_CONTEXT_TAKEOVER,
};

enum class MyWSClient::Delivery : std::uint32_t
{
  AtMostOnce = MYWSCLIENT_DELIVERY_AT_MOST_ONCE, ///< 0.1's behaviour: what the kernel took counts as delivered
  ResendUnacknowledged =
      MYWSCLIENT_DELIVERY_RESEND_UNACKNOWLEDGED,   ///< default: what the server's TCP did not acknowledge
  AtLeastOnce = MYWSCLIENT_DELIVERY_AT_LEAST_ONCE, ///< also what followed the last frame received
};

enum class MyWSClient::CloseInitiator : std::uint32_t
{
  Client = MYWSCLIENT_CLOSE_INITIATOR_CLIENT,     ///< this client (stop)
  Server = MYWSCLIENT_CLOSE_INITIATOR_SERVER,     ///< the server sent a close frame
  Abnormal = MYWSCLIENT_CLOSE_INITIATOR_ABNORMAL, ///< reset, EOF, protocol or heartbeat failure
};

enum class MyWSClient::ErrorKind : std::uint32_t
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

enum class MyWSClient::DiscardReason : std::uint32_t
{
  Stopped = MYWSCLIENT_DISCARD_REASON_STOPPED,   ///< close(..., StopAndDiscard), or a stop with setDiscardOnStop
  GaveUp = MYWSCLIENT_DISCARD_REASON_GAVE_UP,    ///< stopped by itself (reconnect off or gave up), setDiscardOnStop
  Overflow = MYWSCLIENT_DISCARD_REASON_OVERFLOW, ///< OverflowPolicy::DropOldest made room
};

enum class MyWSClient::OverflowPolicy : std::uint32_t
{
  Refuse = MYWSCLIENT_OVERFLOW_POLICY_REFUSE,          ///< refuse the new message (the default)
  DropOldest = MYWSCLIENT_OVERFLOW_POLICY_DROP_OLDEST, ///< drop the oldest messages not yet being written
};

enum class MyWSClient::HttpErrorPolicy : std::uint32_t
{
  Retry = MYWSCLIENT_HTTP_ERROR_POLICY_RETRY, ///< report (onError/onErrorInfo) and retry with backoff (default)
  Stop = MYWSCLIENT_HTTP_ERROR_POLICY_STOP,   ///< report, then stop (408 and 429 are still retried)
};

// The structs.

struct MyWSClient::Stats
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

struct MyWSClient::ErrorInfo
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

struct MyWSClient::OpenInfo
{
  std::string subprotocol{}; ///< selected by the server ("" if none)
  int httpStatus = 101;
  Headers headers{}; ///< the 101 response's headers (cookies, session ids)
  std::string header(const std::string &name) const { return findHeader(headers, name); }
};

inline std::string MyWSClient::findHeader(const Headers &headers, const std::string &name)
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

#endif /* MYWSCLIENT_CXX_TYPES_H */
