/*
 * mywsclient: a WebSocket client that stays connected — the C API.
 *
 * generated — do not edit: written by cbindgen from src/ffi/ (see build.rs
 * and cbindgen.toml); a test fails when this file is stale.
 *
 * Rules for the whole API:
 * - Every function may be called from any thread. A `mywsclient *` may be
 *   used by several threads at once; only mywsclient_free() must be the last
 *   call on it, with no other call on it in progress.
 * - Callbacks (message, event, log) run on the client's own I/O thread,
 *   never concurrently with each other. Inside them every function may be
 *   called for the same client: sends are queued, mywsclient_stop() returns
 *   at once, mywsclient_free() is deferred and safe; option setters return
 *   MYWSCLIENT_RESULT_INVALID_STATE (the client is running), except
 *   mywsclient_set_url(), mywsclient_set_header() and
 *   mywsclient_remove_header(), which work at any time (next attempt on).
 * - Data handed to a callback is borrowed for the duration of the call.
 *   Strings and buffers passed in are borrowed for the call only (copied
 *   when kept). Callbacks must not unwind (C++ exceptions, longjmp).
 * - NULL or invalid arguments give an error code (and NULL from
 *   mywsclient_new()), never a crash; mywsclient_last_error() gives details.
 * - No panic crosses this boundary: an internal error becomes
 *   MYWSCLIENT_RESULT_PANIC.
 */

#ifndef MYWSCLIENT_C_H
#define MYWSCLIENT_C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The version of this header (the library reports its own in mywsclient_version()). */
#define MYWSCLIENT_VERSION_MAJOR 0
#define MYWSCLIENT_VERSION_MINOR 1
#define MYWSCLIENT_VERSION_PATCH 0
/** The version as a string, "0.1.0". */
#define MYWSCLIENT_VERSION_STRING "0.1.0"

/**
 * The result of every fallible call. `MYWSCLIENT_RESULT_OK` (0) is success;
 * `mywsclient_result_str()` names a code and `mywsclient_last_error()`
 * gives the details of the last failure on the calling thread.
 */
enum mywsclient_result
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * Success.
   */
  MYWSCLIENT_RESULT_OK = 0,
  /**
   * A pointer argument that must not be NULL was NULL.
   */
  MYWSCLIENT_RESULT_NULL_ARGUMENT = 1,
  /**
   * An argument is invalid: a bad URL, an option out of range, an unknown
   * enum value, a header or subprotocol that is not a valid token.
   */
  MYWSCLIENT_RESULT_INVALID_ARGUMENT = 2,
  /**
   * The call is not possible in the client's current state (a setter
   * after `mywsclient_start()`, a restart from inside a callback).
   */
  MYWSCLIENT_RESULT_INVALID_STATE = 3,
  /**
   * Text to send is not valid UTF-8 (use `mywsclient_send_binary()` for bytes).
   */
  MYWSCLIENT_RESULT_INVALID_UTF8 = 4,
  /**
   * The message is larger than the maximum message size.
   */
  MYWSCLIENT_RESULT_MESSAGE_TOO_LARGE = 5,
  /**
   * The send queue is full (its byte or message limit would be exceeded);
   * the message was not accepted.
   */
  MYWSCLIENT_RESULT_QUEUE_FULL = 6,
  /**
   * A CA, certificate or key file cannot be read or holds no usable PEM data.
   */
  MYWSCLIENT_RESULT_CONFIG = 7,
  /**
   * The operating system refused a resource (a thread, a file descriptor).
   */
  MYWSCLIENT_RESULT_IO = 8,
  /**
   * An internal error (a Rust panic) was caught at the boundary. The
   * client may be in an unexpected state; free it.
   */
  MYWSCLIENT_RESULT_PANIC = 9,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mywsclient_result mywsclient_result;
#else
typedef uint32_t mywsclient_result;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * The connection state: the values returned by `mywsclient_state()`
 * (a `uint32_t`; this type is named `mywsclient_connection_state` because
 * the function has the name `mywsclient_state`).
 */
enum mywsclient_connection_state
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * Created, never started.
   */
  MYWSCLIENT_STATE_IDLE = 0,
  /**
   * Resolving, connecting, or in the TLS or WebSocket handshake.
   */
  MYWSCLIENT_STATE_CONNECTING = 1,
  /**
   * Connected: the WebSocket handshake completed.
   */
  MYWSCLIENT_STATE_OPEN = 2,
  /**
   * A close handshake is in progress.
   */
  MYWSCLIENT_STATE_CLOSING = 3,
  /**
   * Waiting for the backoff delay before the next attempt.
   */
  MYWSCLIENT_STATE_RECONNECTING = 4,
  /**
   * Stopped: by `mywsclient_stop()`, or because reconnecting is off or gave up.
   */
  MYWSCLIENT_STATE_STOPPED = 5,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mywsclient_connection_state mywsclient_connection_state;
#else
typedef uint32_t mywsclient_connection_state;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What a `mywsclient_event` reports (its `type` field).
 */
enum mywsclient_event_type
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * A connection attempt starts. `attempt` is 1 for the first attempt
   * after start or after a healthy connection.
   */
  MYWSCLIENT_EVENT_TYPE_CONNECTING = 1,
  /**
   * The WebSocket handshake completed. `text` is the subprotocol the
   * server selected ("" when none).
   */
  MYWSCLIENT_EVENT_TYPE_OPEN = 2,
  /**
   * A connection ended. `close_code`, `close_initiator`; `text` is the
   * close reason (or what broke the connection).
   */
  MYWSCLIENT_EVENT_TYPE_CLOSED = 3,
  /**
   * Something failed. `error_kind`; `text` is the message.
   */
  MYWSCLIENT_EVENT_TYPE_ERROR = 4,
  /**
   * The next attempt starts after `delay_ms`. `attempt` is its number.
   */
  MYWSCLIENT_EVENT_TYPE_RECONNECT_SCHEDULED = 5,
  /**
   * The I/O thread has stopped (after `mywsclient_stop()`, or because
   * reconnecting is off or gave up). The last event of a run.
   */
  MYWSCLIENT_EVENT_TYPE_STOPPED = 6,
  /**
   * The pong answering `mywsclient_ping()`: `rtt_us`, and the payload in
   * `data` / `data_len`.
   */
  MYWSCLIENT_EVENT_TYPE_PONG = 7,
  /**
   * All bytes of the message `message_id` (from `mywsclient_send_ex()`)
   * reached the kernel. One receipt per id, in id order.
   */
  MYWSCLIENT_EVENT_TYPE_WRITTEN = 8,
  /**
   * The message `message_id` was dropped without being written;
   * `discard_reason` says why.
   */
  MYWSCLIENT_EVENT_TYPE_DISCARDED = 9,
  /**
   * The queued bytes reached the high watermark: `queued_bytes`,
   * `queued_messages` (see `mywsclient_set_queue_watermarks()`).
   */
  MYWSCLIENT_EVENT_TYPE_QUEUE_HIGH = 10,
  /**
   * After a `QUEUE_HIGH`, the queued bytes fell to the low watermark:
   * `queued_bytes`, `queued_messages`.
   */
  MYWSCLIENT_EVENT_TYPE_QUEUE_DRAINED = 11,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mywsclient_event_type mywsclient_event_type;
#else
typedef uint32_t mywsclient_event_type;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What went wrong (the `error_kind` field of an `ERROR` event). The values
 * are those of the Rust `ErrorKind`; 0 means none.
 */
enum mywsclient_error_kind
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * No error (events other than `MYWSCLIENT_EVENT_TYPE_ERROR`).
   */
  MYWSCLIENT_ERROR_KIND_NONE = 0,
  /**
   * An argument given by the caller is invalid.
   */
  MYWSCLIENT_ERROR_KIND_INVALID_ARGUMENT = 1,
  /**
   * The call is not valid in the client's current state.
   */
  MYWSCLIENT_ERROR_KIND_INVALID_STATE = 2,
  /**
   * Text to send is not valid UTF-8.
   */
  MYWSCLIENT_ERROR_KIND_INVALID_UTF8 = 3,
  /**
   * A message is larger than the configured maximum (sent or received).
   */
  MYWSCLIENT_ERROR_KIND_MESSAGE_TOO_LARGE = 4,
  /**
   * The send queue is full.
   */
  MYWSCLIENT_ERROR_KIND_QUEUE_FULL = 5,
  /**
   * The host name could not be resolved.
   */
  MYWSCLIENT_ERROR_KIND_DNS = 6,
  /**
   * The TCP connection could not be established (refused, unreachable).
   */
  MYWSCLIENT_ERROR_KIND_CONNECT = 7,
  /**
   * The TCP connection did not complete within the connect timeout.
   */
  MYWSCLIENT_ERROR_KIND_CONNECT_TIMEOUT = 8,
  /**
   * The TLS layer failed (handshake, alert, bad record).
   */
  MYWSCLIENT_ERROR_KIND_TLS = 9,
  /**
   * The server's certificate was not trusted.
   */
  MYWSCLIENT_ERROR_KIND_TLS_VERIFY = 10,
  /**
   * The server's HTTP upgrade response was not a valid WebSocket handshake.
   */
  MYWSCLIENT_ERROR_KIND_HANDSHAKE = 11,
  /**
   * The TLS and WebSocket handshakes did not complete within the handshake timeout.
   */
  MYWSCLIENT_ERROR_KIND_HANDSHAKE_TIMEOUT = 12,
  /**
   * The server broke the WebSocket protocol.
   */
  MYWSCLIENT_ERROR_KIND_PROTOCOL = 13,
  /**
   * Reading or writing the socket failed (reset, broken pipe).
   */
  MYWSCLIENT_ERROR_KIND_IO = 14,
  /**
   * Nothing arrived from the server within the heartbeat timeout (half-open connection).
   */
  MYWSCLIENT_ERROR_KIND_HEARTBEAT_TIMEOUT = 15,
  /**
   * The server closed the connection (close frame or end of stream).
   */
  MYWSCLIENT_ERROR_KIND_CLOSED = 16,
  /**
   * A user callback failed.
   */
  MYWSCLIENT_ERROR_KIND_CALLBACK = 17,
  /**
   * A CA, certificate or key file could not be used.
   */
  MYWSCLIENT_ERROR_KIND_CONFIG = 18,
  /**
   * Reconnecting gave up after the configured number of attempts.
   */
  MYWSCLIENT_ERROR_KIND_GAVE_UP = 19,
  /**
   * A proxy failed (unreachable, credentials refused — HTTP 407 —,
   * destination refused, protocol error); the message names the proxy.
   */
  MYWSCLIENT_ERROR_KIND_PROXY = 20,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mywsclient_error_kind mywsclient_error_kind;
#else
typedef uint32_t mywsclient_error_kind;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Who ended a connection (the `close_initiator` field of a `CLOSED` event).
 */
enum mywsclient_close_initiator
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * This client (`mywsclient_stop()`).
   */
  MYWSCLIENT_CLOSE_INITIATOR_CLIENT = 0,
  /**
   * The server sent a close frame.
   */
  MYWSCLIENT_CLOSE_INITIATOR_SERVER = 1,
  /**
   * No close handshake: reset, end of stream, protocol or heartbeat failure.
   */
  MYWSCLIENT_CLOSE_INITIATOR_ABNORMAL = 2,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mywsclient_close_initiator mywsclient_close_initiator;
#else
typedef uint32_t mywsclient_close_initiator;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Log levels, for `mywsclient_set_log_level()` and the log callback.
 */
enum mywsclient_log_level
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * Nothing is logged.
   */
  MYWSCLIENT_LOG_LEVEL_OFF = 0,
  /**
   * Errors only.
   */
  MYWSCLIENT_LOG_LEVEL_ERROR = 1,
  /**
   * Warnings and errors (the default, unless `MYWSCLIENT_LOG` says otherwise).
   */
  MYWSCLIENT_LOG_LEVEL_WARN = 2,
  /**
   * Connections, disconnections and reconnections too.
   */
  MYWSCLIENT_LOG_LEVEL_INFO = 3,
  /**
   * Everything.
   */
  MYWSCLIENT_LOG_LEVEL_DEBUG = 4,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mywsclient_log_level mywsclient_log_level;
#else
typedef uint32_t mywsclient_log_level;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Flags of `mywsclient_send_ex()`, combined with `|` (0: a text message).
 */
enum mywsclient_send_flags
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * A binary message (else text, which must be UTF-8).
   */
  MYWSCLIENT_SEND_BINARY = 1,
  /**
   * Put the message at the front of the queue, ahead of every message
   * not yet started (behind messages put back after a broken
   * connection; it never cuts into a message being written).
   */
  MYWSCLIENT_SEND_URGENT = 2,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mywsclient_send_flags mywsclient_send_flags;
#else
typedef uint32_t mywsclient_send_flags;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Flags of `mywsclient_close()`, combined with `|` (0: close and stop).
 */
enum mywsclient_close_flags
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * Connect again at once after the close (no backoff delay), keeping
   * the queue, instead of stopping.
   */
  MYWSCLIENT_CLOSE_RECONNECT = 1,
  /**
   * Discard what is still queued instead of keeping it for the next
   * start; each message sent with `mywsclient_send_ex()` gets a
   * `DISCARDED` event (reason `STOPPED`). Not with `RECONNECT`.
   */
  MYWSCLIENT_CLOSE_DISCARD = 2,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mywsclient_close_flags mywsclient_close_flags;
#else
typedef uint32_t mywsclient_close_flags;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * Why a message was dropped (the `discard_reason` field of a `DISCARDED`
 * event). Same values as the Rust `DiscardReason`; 0 means none.
 */
enum mywsclient_discard_reason
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * Not a `DISCARDED` event.
   */
  MYWSCLIENT_DISCARD_REASON_NONE = 0,
  /**
   * The client stopped and discarded its queue (`mywsclient_close()` with
   * `MYWSCLIENT_CLOSE_DISCARD`, or any stop with discard-on-stop set).
   */
  MYWSCLIENT_DISCARD_REASON_STOPPED = 1,
  /**
   * The client stopped by itself (reconnecting off or given up) with
   * discard-on-stop set.
   */
  MYWSCLIENT_DISCARD_REASON_GAVE_UP = 2,
  /**
   * The overflow policy `DROP_OLDEST` made room for a newer message.
   */
  MYWSCLIENT_DISCARD_REASON_OVERFLOW = 3,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mywsclient_discard_reason mywsclient_discard_reason;
#else
typedef uint32_t mywsclient_discard_reason;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What a send does when the queue is full (`mywsclient_set_overflow_policy()`).
 */
enum mywsclient_overflow_policy
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * Refuse the new message with `MYWSCLIENT_RESULT_QUEUE_FULL` (the default).
   */
  MYWSCLIENT_OVERFLOW_POLICY_REFUSE = 0,
  /**
   * Accept it and drop the oldest queued messages not yet being written
   * until it fits; each dropped message sent with `mywsclient_send_ex()`
   * gets a `DISCARDED` event (reason `OVERFLOW`). A message larger than
   * the queue's byte limit is still refused.
   */
  MYWSCLIENT_OVERFLOW_POLICY_DROP_OLDEST = 1,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mywsclient_overflow_policy mywsclient_overflow_policy;
#else
typedef uint32_t mywsclient_overflow_policy;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * permessage-deflate modes (RFC 7692), for `mywsclient_set_compression()`.
 */
enum mywsclient_compression
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * No offer: messages go uncompressed (the default).
   */
  MYWSCLIENT_COMPRESSION_OFF = 0,
  /**
   * Offer permessage-deflate with context takeover: each side's window
   * carries over between messages (best ratio). The compressor and
   * inflater, made on the first compressed message, live as long as the
   * connection (some 230 KiB with a 10-bit client window; the README has
   * the measured figures).
   */
  MYWSCLIENT_COMPRESSION_CONTEXT_TAKEOVER = 1,
  /**
   * Offer permessage-deflate with `server_no_context_takeover` and
   * `client_no_context_takeover`: each message is compressed on its own
   * and no compression state is kept between messages.
   */
  MYWSCLIENT_COMPRESSION_NO_CONTEXT_TAKEOVER = 2,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mywsclient_compression mywsclient_compression;
#else
typedef uint32_t mywsclient_compression;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What a client writes again after a connection ended abnormally, for
 * `mywsclient_set_delivery()` (see the README, "Delivery guarantees").
 */
enum mywsclient_delivery
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * A message counts as delivered once all its bytes are in the kernel:
   * what the server's TCP never received is lost (0.1's behaviour).
   */
  MYWSCLIENT_DELIVERY_AT_MOST_ONCE = 0,
  /**
   * The default: messages the server's TCP did not acknowledge are
   * written again, in order, before anything sent later. A duplicate only
   * when the server received a message but its acknowledgement did not
   * reach the client before the connection died.
   */
  MYWSCLIENT_DELIVERY_RESEND_UNACKNOWLEDGED = 1,
  /**
   * Also every message written after the last frame received from the
   * server: for servers behind a proxy that acknowledges on their behalf.
   * More duplicates: deduplicate on the receiving side.
   */
  MYWSCLIENT_DELIVERY_AT_LEAST_ONCE = 2,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mywsclient_delivery mywsclient_delivery;
#else
typedef uint32_t mywsclient_delivery;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * What a 4xx answer to the upgrade does (`mywsclient_set_http_error_policy()`).
 */
enum mywsclient_http_error_policy
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  /**
   * Report it (an `ERROR` event with `http_status`) and retry with
   * backoff, like any failed attempt: the connect callback or
   * `mywsclient_set_header()` can bring fresh credentials (the default).
   */
  MYWSCLIENT_HTTP_ERROR_POLICY_RETRY = 0,
  /**
   * Report it, then stop (`STOPPED`); 408 and 429 are still retried.
   */
  MYWSCLIENT_HTTP_ERROR_POLICY_STOP = 1,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum mywsclient_http_error_policy mywsclient_http_error_policy;
#else
typedef uint32_t mywsclient_http_error_policy;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

/**
 * A WebSocket client (opaque). Created by `mywsclient_new()`, released by
 * `mywsclient_free()`. Every function may be called on it from any thread,
 * concurrently, except `mywsclient_free()`, which must be the last call.
 */
typedef struct mywsclient mywsclient;

/**
 * HTTP response headers (opaque), in the order received; a repeated
 * header (`Set-Cookie`) appears once per occurrence. Lent by an event
 * (`mywsclient_event.http_headers`) and valid only during the callback,
 * like the strings it hands out.
 */
typedef struct mywsclient_headers mywsclient_headers;

/**
 * One connection attempt's request (opaque): the URL, extra headers and
 * subprotocols it will send. Lent to the connect callback
 * (`mywsclient_connect_cb`) and valid only during that call: never keep the
 * pointer. Changes made through it apply to this attempt only; the next
 * attempt starts again from the client's URL and headers
 * (`mywsclient_set_url()`, `mywsclient_set_header()`, ...). Not thread-safe:
 * use it only on the thread that runs the callback.
 */
typedef struct mywsclient_request mywsclient_request;

/**
 * Receives each whole message. Runs on the client's I/O thread, never
 * concurrently with another callback of the same client.
 *
 * - `user_data`: the pointer given with the callback, passed through untouched.
 * - `data`, `len`: the payload, borrowed for the duration of the call only
 *   (copy it to keep it). Not NUL-terminated; never NULL, also when `len` is 0.
 * - `is_binary`: true for a binary message, false for text (then `data` is
 *   valid UTF-8).
 *
 * Inside it, every `mywsclient_*` function may be called for this client,
 * including `mywsclient_send*()`, `mywsclient_stop()` (returns at once; the
 * I/O thread ends after the callback returns) and `mywsclient_free()`
 * (deferred: no callback runs after it). The callback must not unwind
 * (C++ exceptions, longjmp) out of itself.
 */
typedef void (*mywsclient_message_cb)(void *user_data,
                                      const uint8_t *data,
                                      size_t len,
                                      bool is_binary);

/**
 * An event, passed to the event callback. Borrowed: valid only during the
 * callback; copy what you need to keep (including `text`).
 */
typedef struct mywsclient_event {
  /**
   * A `mywsclient_event_type` value.
   */
  uint32_t type;
  /**
   * `CONNECTING`, `RECONNECT_SCHEDULED`: the attempt number (else 0).
   */
  uint32_t attempt;
  /**
   * `RECONNECT_SCHEDULED`: the delay before the attempt, in milliseconds (else 0).
   */
  uint64_t delay_ms;
  /**
   * `CLOSED`: the close code (1000 normal, 1006 abnormal: no close frame) (else 0).
   */
  uint16_t close_code;
  /**
   * `CLOSED`: a `mywsclient_close_initiator` value (else 0).
   */
  uint32_t close_initiator;
  /**
   * `ERROR`: a `mywsclient_error_kind` value (else `MYWSCLIENT_ERROR_KIND_NONE`).
   */
  uint32_t error_kind;
  /**
   * NUL-terminated UTF-8, never NULL ("" when there is nothing to say).
   * `ERROR`: the message; `CLOSED`: the reason; `OPEN`: the selected
   * subprotocol. Borrowed for the duration of the callback.
   */
  const char *text;
  /**
   * `WRITTEN`, `DISCARDED`: the message's id from `mywsclient_send_ex()` (else 0).
   */
  uint64_t message_id;
  /**
   * `DISCARDED`: a `mywsclient_discard_reason` value (else 0).
   */
  uint32_t discard_reason;
  /**
   * `PONG`: the round-trip time in microseconds (else 0).
   */
  uint64_t rtt_us;
  /**
   * `PONG`: the pong's payload, `data_len` bytes (NULL when empty).
   * Borrowed for the duration of the callback.
   */
  const uint8_t *data;
  /**
   * `PONG`: the number of bytes at `data` (else 0).
   */
  size_t data_len;
  /**
   * `QUEUE_HIGH`, `QUEUE_DRAINED`: bytes queued then (else 0).
   */
  uint64_t queued_bytes;
  /**
   * `QUEUE_HIGH`, `QUEUE_DRAINED`: messages queued then (else 0).
   */
  uint64_t queued_messages;
  /**
   * `OPEN`: 101. `ERROR` of kind `HANDSHAKE` when the server answered
   * the upgrade with another HTTP status: that status (401 or 403:
   * refresh the credentials; 301/302/307/308: see `Location`). Else 0.
   */
  uint16_t http_status;
  /**
   * When `http_status` is not 0: the HTTP response's headers (read them
   * with `mywsclient_headers_count()`, `mywsclient_headers_at()`,
   * `mywsclient_headers_get()`), borrowed for the duration of the
   * callback. Else NULL.
   */
  const struct mywsclient_headers *http_headers;
} mywsclient_event;

/**
 * Receives each event (see `mywsclient_event`). Same thread and rules as
 * `mywsclient_message_cb`: the I/O thread, serialised with the other
 * callbacks; `event` and its `text` are borrowed for the call only.
 */
typedef void (*mywsclient_event_cb)(void *user_data, const struct mywsclient_event *event);

/**
 * Receives each log line at or above the configured level: `level` is a
 * `mywsclient_log_level` value, `line` NUL-terminated UTF-8 without a
 * trailing newline, borrowed for the call only. Runs on the I/O thread,
 * serialised with the other callbacks; a warning about discarded messages
 * may also come from the thread that calls `mywsclient_free()`, during that
 * call. Must not unwind.
 */
typedef void (*mywsclient_log_cb)(void *user_data, uint32_t level, const char *line);

/**
 * Counters of one client since it was created (`mywsclient_get_stats()`).
 */
typedef struct mywsclient_stats {
  /**
   * Messages written to the socket.
   */
  uint64_t messages_sent;
  /**
   * Payload bytes of the messages written.
   */
  uint64_t bytes_sent;
  /**
   * Messages received and delivered.
   */
  uint64_t messages_received;
  /**
   * Payload bytes of the messages received.
   */
  uint64_t bytes_received;
  /**
   * Connections opened (handshake completed).
   */
  uint64_t connections;
  /**
   * Connections opened after the first one.
   */
  uint64_t reconnects;
  /**
   * Messages accepted by a send and not yet written.
   */
  uint64_t queued_messages;
  /**
   * Bytes of the messages accepted and not yet written.
   */
  uint64_t queued_bytes;
  /**
   * Close code of the last closed connection (1006 when there was no
   * close frame; 0 before the first close).
   */
  uint16_t last_close_code;
} mywsclient_stats;

/**
 * Called on the I/O thread before each connection attempt (also the first,
 * and the one `mywsclient_reconnect()` starts), after the `CONNECTING`
 * event and before the host name is resolved; not again for the redirects
 * an attempt follows. `request` holds what the attempt will send and may
 * be changed with `mywsclient_request_set_url()`, `..._set_header()`,
 * `..._remove_header()` and `..._set_subprotocols()`: the place to put a
 * fresh token in (e.g. `Authorization: Bearer ...` or `?token=` in the URL).
 * `request` is valid only during the call.
 *
 * Serialised with the client's other callbacks; every `mywsclient_*`
 * function allowed in a callback may be called (sends are queued for this
 * connection; `mywsclient_stop()` ends the attempt). It may block (e.g. to
 * fetch a token), which delays this client's I/O (and, on the shared I/O
 * threads, the other clients of that thread). Must not unwind.
 */
typedef void (*mywsclient_connect_cb)(void *user_data, struct mywsclient_request *request);

/**
 * Counters of one client since it was created (`mywsclient_get_stats2()`).
 * Starts with the fields of `mywsclient_stats`, in the same layout; fields
 * are only ever appended (see the README's ABI policy). Zero-initialise it
 * before the call.
 */
typedef struct mywsclient_stats2 {
  /**
   * Messages written to the socket.
   */
  uint64_t messages_sent;
  /**
   * Payload bytes of the messages written.
   */
  uint64_t bytes_sent;
  /**
   * Messages received and delivered.
   */
  uint64_t messages_received;
  /**
   * Payload bytes of the messages received.
   */
  uint64_t bytes_received;
  /**
   * Connections opened (handshake completed).
   */
  uint64_t connections;
  /**
   * Connections opened after the first one.
   */
  uint64_t reconnects;
  /**
   * Messages accepted by a send and not yet written.
   */
  uint64_t queued_messages;
  /**
   * Bytes of the messages accepted and not yet written.
   */
  uint64_t queued_bytes;
  /**
   * Close code of the last closed connection (1006 when there was no
   * close frame; 0 before the first close).
   */
  uint16_t last_close_code;
  /**
   * Always 0 (the padding of `mywsclient_stats`, made explicit).
   */
  uint8_t reserved[6];
  /**
   * The last round-trip time of a ping (the heartbeat's or
   * `mywsclient_ping()`'s), in microseconds; 0 before the first pong.
   */
  uint64_t rtt_last_us;
  /**
   * The smoothed round-trip time (as TCP's SRTT), in microseconds.
   */
  uint64_t rtt_smoothed_us;
  /**
   * Pongs that measured a round-trip time.
   */
  uint64_t rtt_samples;
  /**
   * Messages dropped without being written (overflow policy, a queue
   * discarded at stop), with or without an id.
   */
  uint64_t messages_discarded;
  /**
   * `WRITTEN` receipts given (to messages from `mywsclient_send_ex()`).
   */
  uint64_t receipts_written;
  /**
   * `DISCARDED` receipts given.
   */
  uint64_t receipts_discarded;
  /**
   * permessage-deflate: original size of the messages sent compressed.
   */
  uint64_t uncompressed_bytes_sent;
  /**
   * permessage-deflate: their size on the wire.
   */
  uint64_t compressed_bytes_sent;
  /**
   * permessage-deflate: inflated size of the messages received compressed.
   */
  uint64_t uncompressed_bytes_received;
  /**
   * permessage-deflate: their size on the wire.
   */
  uint64_t compressed_bytes_received;
  /**
   * Messages put back in the queue to be written again after a connection
   * ended before the server was known to have them (delivery modes).
   */
  uint64_t messages_resent;
} mywsclient_stats2;

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * Creates a client for `url` (a bare host such as `example.com`,
 * `127.0.0.1` or `[::1]`, which means `wss://`, or a full `ws://` /
 * `wss://` URL), `port` (> 0 overrides the URL's port, 0 keeps it or the
 * scheme's default) and `path` (non-empty overrides the URL's path and
 * query; NULL means ""). `on_message` (may be NULL) receives each message
 * with `user_data`. Nothing connects until `mywsclient_start()`.
 *
 * Returns the new client, owned by the caller, to be released with
 * `mywsclient_free()`; or NULL on error (`mywsclient_last_error()` says
 * why: NULL or non-UTF-8 `url`, an invalid URL, port or path, or no file
 * descriptor available). The strings are borrowed for the call only.
 * Thread-safe; may be called from a callback.
 *
 * # Safety
 * `url` and `path` are NULL or NUL-terminated strings; `on_message` is NULL
 * or a function of the documented type.
 */
struct mywsclient *mywsclient_new(const char *url,
                                  int32_t port,
                                  const char *path,
                                  mywsclient_message_cb on_message,
                                  void *user_data);

/**
 * Starts the client's I/O thread, which connects, reconnects and delivers
 * callbacks; returns at once. Idempotent while running; after
 * `mywsclient_stop()` it starts again, sending what is still queued.
 *
 * Returns `MYWSCLIENT_RESULT_IO` when no thread can be created, and
 * `MYWSCLIENT_RESULT_INVALID_STATE` for a restart (after stop) requested
 * from inside one of this client's callbacks. Thread-safe.
 *
 * # Safety
 * `c` is NULL or a handle from `mywsclient_new()` not yet freed.
 */
mywsclient_result mywsclient_start(struct mywsclient *c);

/**
 * Stops the client: a connected client sends a close frame and waits for
 * the reply (bounded by the close timeout, 1 s by default); a client that is
 * connecting or waiting to retry stops at once. Idempotent; a client that
 * was never started stays idle.
 *
 * Joins the I/O thread, so that no callback runs after it returns — except
 * when called from inside one of this client's callbacks: then it returns
 * at once, and the thread ends after the callback returns (the last
 * callback being the `STOPPED` event). Messages not yet written stay queued
 * for the next `mywsclient_start()`. Thread-safe.
 *
 * # Safety
 * `c` is NULL or a handle from `mywsclient_new()` not yet freed.
 */
mywsclient_result mywsclient_stop(struct mywsclient *c);

/**
 * Queues a text message: `len` bytes at `data`, which must be valid UTF-8
 * (not NUL-terminated; NUL bytes are sent as they are). NULL `data` is
 * accepted when `len` is 0 (an empty message). Sends before the first
 * connection and during reconnects are queued and written in order, each
 * once, on the next connection.
 *
 * Returns `MYWSCLIENT_RESULT_OK` when the message was accepted (copied:
 * `data` may be reused at once), `..._INVALID_UTF8`, `..._MESSAGE_TOO_LARGE`
 * (over the maximum message size) or `..._QUEUE_FULL` (over a queue limit)
 * when it was not. Thread-safe; may be called from a callback.
 *
 * Never blocks. On an open, idle connection (nothing queued or being
 * written, the I/O thread asleep) the message is framed and written on the
 * calling thread (one non-blocking write, no thread wake-up); otherwise it
 * waits in the queue for the I/O thread. No callback runs on the calling
 * thread either way.
 *
 * # Safety
 * `c` is NULL or a live handle; `data` is NULL or points to `len` readable bytes.
 */
mywsclient_result mywsclient_send(struct mywsclient *c, const char *data, size_t len);

/**
 * Queues a binary message of `len` bytes at `data` (NULL is accepted when
 * `len` is 0). Results and rules as for `mywsclient_send()`, without the
 * UTF-8 check. Thread-safe; may be called from a callback.
 *
 * # Safety
 * `c` is NULL or a live handle; `data` is NULL or points to `len` readable bytes.
 */
mywsclient_result mywsclient_send_binary(struct mywsclient *c, const uint8_t *data, size_t len);

/**
 * Stops the client (as `mywsclient_stop()`) and releases it. NULL is a
 * no-op. The handle must not be used afterwards, by any thread: this must
 * be the last call on it, with no other call on it in progress.
 *
 * From another thread: joins the I/O thread; no callback runs after it
 * returns, and `user_data` may then be released. From inside one of this
 * client's own callbacks: deferred and safe — it returns at once, no
 * further callback of this client runs (not even `STOPPED`), and the I/O
 * thread closes the connection and ends by itself after the callback
 * returns. Messages still queued are discarded (logged as a warning).
 *
 * # Safety
 * `c` is NULL or a handle from `mywsclient_new()` not yet freed.
 */
void mywsclient_free(struct mywsclient *c);

/**
 * Sets the message callback (NULL: messages are dropped) and its
 * `user_data`, replacing the one given to `mywsclient_new()`. Only before
 * `mywsclient_start()` or after `mywsclient_stop()`, else
 * `MYWSCLIENT_RESULT_INVALID_STATE` (so also from inside a callback).
 *
 * # Safety
 * `c` is NULL or a live handle; `cb` is NULL or a function of the documented type.
 */
mywsclient_result mywsclient_set_message_callback(struct mywsclient *c,
                                                  mywsclient_message_cb cb,
                                                  void *user_data);

/**
 * Sets the event callback (NULL: none) and its `user_data`: connecting,
 * open, closed (code, initiator, reason), error (kind, message), reconnect
 * scheduled (attempt, delay) and stopped. Only before `mywsclient_start()`
 * or after `mywsclient_stop()`, else `MYWSCLIENT_RESULT_INVALID_STATE`.
 *
 * # Safety
 * `c` is NULL or a live handle; `cb` is NULL or a function of the documented type.
 */
mywsclient_result mywsclient_set_event_callback(struct mywsclient *c,
                                                mywsclient_event_cb cb,
                                                void *user_data);

/**
 * Sets the log callback (NULL: log lines go to stderr, the default) and its
 * `user_data`. Only before start or after stop, else `..._INVALID_STATE`.
 *
 * # Safety
 * `c` is NULL or a live handle; `cb` is NULL or a function of the documented type.
 */
mywsclient_result mywsclient_set_log_callback(struct mywsclient *c,
                                              mywsclient_log_cb cb,
                                              void *user_data);

/**
 * Sets the log level, a `mywsclient_log_level` value (default: the
 * environment variable `MYWSCLIENT_LOG` = off|error|warn|info|debug, else
 * warn). An unknown value gives `MYWSCLIENT_RESULT_INVALID_ARGUMENT`. Only
 * before start or after stop, else `..._INVALID_STATE`.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_set_log_level(struct mywsclient *c, uint32_t level);

/**
 * What the client writes again when a connection ends abnormally
 * (heartbeat timeout, reset, end of stream without a close frame, write
 * error): a `mywsclient_delivery` value, default
 * `MYWSCLIENT_DELIVERY_RESEND_UNACKNOWLEDGED` (messages the server's TCP
 * did not acknowledge); `..._AT_MOST_ONCE` is 0.1's behaviour,
 * `..._AT_LEAST_ONCE` also resends what was written after the last frame
 * received. An unknown value gives `MYWSCLIENT_RESULT_INVALID_ARGUMENT`.
 * Only before start or after stop, else `..._INVALID_STATE`. Callable from
 * any thread, not from a callback of this client while it runs.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_set_delivery(struct mywsclient *c, uint32_t mode);

/**
 * Reconnect policy: `enabled` (default true) reconnects after every failure;
 * when false the client stops after its first connection ends or its first
 * attempt fails. `max_attempts`: give up after this many consecutive failed
 * attempts (an `ERROR` event of kind `GAVE_UP`, then `STOPPED`); 0 (the
 * default) = never. Only before start or after stop, else `..._INVALID_STATE`.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_set_reconnect(struct mywsclient *c,
                                           bool enabled,
                                           uint32_t max_attempts);

/**
 * Reconnect backoff: the first delay `initial_ms` (default 100, > 0), the
 * largest `max_ms` (default 5000, >= initial), growing by `factor` per
 * failed attempt (default 2.0, 1 to 100), each delay drawn from
 * `[d * (1 - jitter), d]` (`jitter` default 0.5, 0 to 1). Out of range:
 * `..._INVALID_ARGUMENT`. Only before start or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_set_backoff(struct mywsclient *c,
                                         uint32_t initial_ms,
                                         uint32_t max_ms,
                                         double factor,
                                         double jitter);

/**
 * A connection that stayed open for `after_ms` milliseconds (default 1000) resets
 * the backoff to its initial delay. Only before start or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_set_backoff_reset(struct mywsclient *c, uint32_t after_ms);

/**
 * Runs the client on the process's shared I/O threads (`shared` true)
 * instead of an I/O thread of its own (the default). A shared thread serves
 * many clients with epoll and costs one file descriptor per client (its
 * socket) instead of two and no thread per client: for thousands of clients
 * in one process. The number of shared threads is the number of CPUs, or
 * the environment variable `MYWSCLIENT_IO_THREADS`. Callbacks of clients on
 * one shared thread run one after another on it, so a callback that blocks
 * delays the other clients of that thread. Only before start or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_set_shared_io(struct mywsclient *c, bool shared);

/**
 * Half-open detection: when nothing has arrived for `interval_ms` (default
 * 3000; 0 = off) a ping is sent, and when still nothing has arrived
 * `timeout_ms` later (default 3000, > 0 when on) the connection is declared
 * dead and replaced. Only before start or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_set_heartbeat(struct mywsclient *c,
                                           uint32_t interval_ms,
                                           uint32_t timeout_ms);

/**
 * Timeouts: TCP connect (`connect_ms`, default 10000, > 0), TLS + WebSocket
 * handshake (`handshake_ms`, default 10000, > 0), and how long a stop waits
 * for the server's close reply (`close_ms`, default 1000; 0 = no wait).
 * Only before start or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_set_timeouts(struct mywsclient *c,
                                          uint32_t connect_ms,
                                          uint32_t handshake_ms,
                                          uint32_t close_ms);

/**
 * Send queue limits: `max_bytes` (default 64 MiB, > 0) and `max_messages`
 * (default 0 = no limit). A send over a limit is refused with
 * `..._QUEUE_FULL`. Only before start or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_set_queue_limits(struct mywsclient *c,
                                              size_t max_bytes,
                                              size_t max_messages);

/**
 * The largest message, sent or received (default 64 MiB, > 0). A larger
 * send is refused with `..._MESSAGE_TOO_LARGE`; a larger incoming message
 * ends the connection (an `ERROR` event of kind `MESSAGE_TOO_LARGE`). Only
 * before start or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_set_max_message_size(struct mywsclient *c, size_t max_bytes);

/**
 * Trusts the CA certificates of the PEM file at `pem_path`, in addition to
 * the system's roots (see `mywsclient_set_system_roots()`); NULL clears it.
 * The file is read now to check it: `..._CONFIG` when it cannot be read or
 * holds no certificate; it is read again at each start. Only before start
 * or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle; `pem_path` is NULL or a NUL-terminated string.
 */
mywsclient_result mywsclient_set_ca_file(struct mywsclient *c, const char *pem_path);

/**
 * Whether to trust the system's root certificates (default true). With
 * false, only the CA file of `mywsclient_set_ca_file()` is trusted. Only
 * before start or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_set_system_roots(struct mywsclient *c, bool use_system_roots);

/**
 * A client certificate chain and its private key (PEM files) for mutual
 * TLS; both NULL clear them, one NULL is `..._NULL_ARGUMENT`. The files are
 * read now to check them (`..._CONFIG` when unusable) and again at each
 * start. Only before start or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle; the paths are NULL or NUL-terminated strings.
 */
mywsclient_result mywsclient_set_client_cert(struct mywsclient *c,
                                             const char *cert_pem_path,
                                             const char *key_pem_path);

/**
 * DANGEROUS: with `disable` true, any server certificate is accepted, as
 * the original libwebsockets class did (a warning is logged at each start).
 * Prefer `mywsclient_set_ca_file()`. The environment variable
 * `MYWSCLIENT_TLS_INSECURE=1` has the same effect. Only before start or
 * after stop.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_set_dangerous_disable_tls_verification(struct mywsclient *c,
                                                                    bool disable);

/**
 * Adds an HTTP header to the upgrade request. `name` must be a token and
 * not one the client sets itself (Host, Upgrade, Connection, Sec-WebSocket-*,
 * ...); `value` must hold no control character: else `..._INVALID_ARGUMENT`.
 * Strings are copied. Only before start or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle; `name` and `value` are NULL or NUL-terminated strings.
 */
mywsclient_result mywsclient_add_header(struct mywsclient *c, const char *name, const char *value);

/**
 * Removes every header added by `mywsclient_add_header()`. Only before
 * start or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_clear_headers(struct mywsclient *c);

/**
 * Requests a subprotocol (`Sec-WebSocket-Protocol`); call once per
 * protocol, in order of preference. `protocol` must be a token, else
 * `..._INVALID_ARGUMENT`. A server that selects none is accepted; one that
 * selects another is refused. Only before start or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle; `protocol` is NULL or a NUL-terminated string.
 */
mywsclient_result mywsclient_add_subprotocol(struct mywsclient *c, const char *protocol);

/**
 * Removes every subprotocol added by `mywsclient_add_subprotocol()`. Only
 * before start or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_clear_subprotocols(struct mywsclient *c);

/**
 * The client's state, a `MYWSCLIENT_STATE_*` value; `MYWSCLIENT_STATE_IDLE`
 * for NULL. Thread-safe; may be called from a callback.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
uint32_t mywsclient_state(const struct mywsclient *c);

/**
 * Copies the client's counters into `*out` (written only on success).
 * `..._NULL_ARGUMENT` when `c` or `out` is NULL. Thread-safe; may be called
 * from a callback.
 *
 * # Safety
 * `c` is NULL or a live handle; `out` is NULL or points to writable memory
 * for one `mywsclient_stats`.
 */
mywsclient_result mywsclient_get_stats(const struct mywsclient *c, struct mywsclient_stats *out);

/**
 * Sets the connect callback (NULL: none) and its `user_data`: called on
 * the I/O thread before each connection attempt with the attempt's
 * `mywsclient_request`, which it may change for this attempt (see
 * `mywsclient_connect_cb`). Only before `mywsclient_start()` or after
 * `mywsclient_stop()`, else `MYWSCLIENT_RESULT_INVALID_STATE`.
 *
 * # Safety
 * `c` is NULL or a live handle; `cb` is NULL or a function of the documented type.
 */
mywsclient_result mywsclient_set_connect_callback(struct mywsclient *c,
                                                  mywsclient_connect_cb cb,
                                                  void *user_data);

/**
 * Connects to `url` from the next attempt on: a `ws://` or `wss://` URL or
 * a bare host (meaning `wss://`), as `mywsclient_new()` takes it with port
 * 0 and no path. `MYWSCLIENT_RESULT_INVALID_ARGUMENT` for an invalid URL
 * (nothing changes). Thread-safe; may be called at any time, also from a
 * callback; `mywsclient_reconnect()` moves at once. The string is borrowed
 * for the call only.
 *
 * # Safety
 * `c` is NULL or a live handle; `url` is NULL or a NUL-terminated string.
 */
mywsclient_result mywsclient_set_url(struct mywsclient *c, const char *url);

/**
 * Sets the extra header `name` to `value` from the next attempt on,
 * replacing every header of that name (case-insensitive; also one added
 * with `mywsclient_add_header()`). `MYWSCLIENT_RESULT_INVALID_ARGUMENT` for
 * a name that is not a token, a header the client sets itself (Host,
 * Upgrade, Connection, Sec-WebSocket-*) or a value with control characters.
 * Thread-safe; may be called at any time, also from a callback. The strings
 * are borrowed for the call only.
 *
 * # Safety
 * `c` is NULL or a live handle; `name` and `value` are NULL or NUL-terminated strings.
 */
mywsclient_result mywsclient_set_header(struct mywsclient *c, const char *name, const char *value);

/**
 * Removes the extra header `name` (every header of that name,
 * case-insensitive) from the next attempt on; removing a header that is not
 * there is not an error. Thread-safe; may be called at any time, also from
 * a callback. The string is borrowed for the call only.
 *
 * # Safety
 * `c` is NULL or a live handle; `name` is NULL or a NUL-terminated string.
 */
mywsclient_result mywsclient_remove_header(struct mywsclient *c, const char *name);

/**
 * Closes the current connection with 1000 (bounded by the close timeout)
 * and connects again at once, without a backoff delay; a client that is
 * connecting or waiting to retry starts a new attempt at once. Messages
 * already handed to the old connection are written before its close frame;
 * the rest stay queued, in order, for the new connection. Returns at once; the events follow (`CLOSED` 1000 by
 * the client, `CONNECTING`, ...). `MYWSCLIENT_RESULT_INVALID_STATE` when the
 * client is not running. Thread-safe; may be called from a callback.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_reconnect(struct mywsclient *c);

/**
 * What a 4xx answer to the upgrade does: a `mywsclient_http_error_policy`
 * value, `MYWSCLIENT_HTTP_ERROR_POLICY_RETRY` (the default: report, retry
 * with backoff) or `..._STOP` (report, then stop). An unknown value gives
 * `MYWSCLIENT_RESULT_INVALID_ARGUMENT`. Only before start or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_set_http_error_policy(struct mywsclient *c, uint32_t policy);

/**
 * Follows up to `max_redirects` redirects (301, 302, 303, 307, 308 with a
 * `Location`, absolute or relative) within one attempt; 0 (the default)
 * follows none (the `ERROR` event then carries the status and the
 * `Location` header). At most 20, else `MYWSCLIENT_RESULT_INVALID_ARGUMENT`.
 * A loop or a longer chain ends the attempt with an `ERROR` that shows the
 * chain; a redirect from `wss://` to `ws://` is refused; `Authorization`
 * and `Cookie` headers are not sent to another scheme, host or port. Each
 * new attempt starts from the client's URL again. Only before start or
 * after stop.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_set_follow_redirects(struct mywsclient *c, uint32_t max_redirects);

/**
 * Offers permessage-deflate (RFC 7692) on the next connections. `mode` is a
 * `mywsclient_compression` value (default `MYWSCLIENT_COMPRESSION_OFF`);
 * `level` is the zlib level 0-9, or -1 for the default (6); messages
 * shorter than `threshold` bytes are sent uncompressed (128 is a good
 * value; 0 compresses everything). A server that declines the offer gets
 * uncompressed messages, as without it; a server whose reply is not valid
 * fails the handshake (an `ERROR` event of kind `HANDSHAKE`, then a
 * reconnect). Incoming compressed messages are inflated in bounded steps:
 * one that would exceed the maximum message size ends the connection with
 * close code 1009 (an `ERROR` event of kind `MESSAGE_TOO_LARGE`).
 * `mywsclient_get_stats()` is unchanged; the Rust `Stats` count compressed
 * and uncompressed bytes.
 *
 * An unknown `mode` or a `level` outside -1..9 gives
 * `MYWSCLIENT_RESULT_INVALID_ARGUMENT`. Only before start or after stop,
 * else `..._INVALID_STATE` (so not from a callback of a running client).
 * Thread-safe.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_set_compression(struct mywsclient *c,
                                             uint32_t mode,
                                             int32_t level,
                                             size_t threshold);

/**
 * Sets the proxy. `url` NULL: from the environment with curl's rules (the
 * default: `ws_proxy`, `http_proxy`, `all_proxy` for `ws://`; `wss_proxy`,
 * `https_proxy`, `all_proxy` for `wss://`, also in upper case except
 * `HTTP_PROXY`); `""`: no proxy; else a proxy URL: `http://`, `https://`,
 * `socks5://` (the client resolves the server's name), `socks5h://` (the
 * proxy does), `socks4://`, `socks4a://`, with optional percent-encoded
 * `user:password@`; without a scheme, `http://`. An invalid URL gives
 * `..._INVALID_ARGUMENT`. A proxy failure later is an `ERROR` event of kind
 * `MYWSCLIENT_ERROR_KIND_PROXY`. The string is copied. Thread-safe; only
 * before start or after stop (so not from this client's callbacks while it runs).
 *
 * # Safety
 * `c` is NULL or a live handle; `url` is NULL or a NUL-terminated string.
 */
mywsclient_result mywsclient_set_proxy(struct mywsclient *c, const char *url);

/**
 * Sets the hosts that bypass the proxy, in curl's NO_PROXY syntax: a
 * comma-separated list of host names (matching the host and its
 * subdomains; a leading dot is ignored), IP addresses and CIDR ranges
 * (matching servers given as IP literals), or `*` alone for every host.
 * NULL: from the `no_proxy` / `NO_PROXY` environment variables (the
 * default); `""`: no host bypasses it. The string is copied. Thread-safe;
 * only before start or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle; `list` is NULL or a NUL-terminated string.
 */
mywsclient_result mywsclient_set_no_proxy(struct mywsclient *c, const char *list);

/**
 * Sets the `Origin` header of the upgrade request (e.g.
 * `"https://app.example.com"`); NULL sends none (the default of the C API;
 * the C++ `MyWSClient` sends `http://<host>` like the libwebsockets
 * original). A control character gives `..._INVALID_ARGUMENT`. The string
 * is copied. Thread-safe; only before start or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle; `origin` is NULL or a NUL-terminated string.
 */
mywsclient_result mywsclient_set_origin(struct mywsclient *c, const char *origin);

/**
 * Adds a resolve override in curl's `CURLOPT_RESOLVE` syntax,
 * `"host:port:address[,address...]"` (IPv6 addresses with or without
 * brackets): connections to `host` on `port` use these addresses, in this
 * order (Happy Eyeballs interleaves the families), instead of the system's
 * resolver; for the server's name and a proxy's alike. The last entry for
 * a host and port wins. A malformed entry gives `..._INVALID_ARGUMENT`.
 * The string is copied. Thread-safe; only before start or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle; `entry` is NULL or a NUL-terminated string.
 */
mywsclient_result mywsclient_add_resolve(struct mywsclient *c, const char *entry_text);

/**
 * Removes every resolve override. Thread-safe; only before start or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_clear_resolve(struct mywsclient *c);

/**
 * Queues a message like `mywsclient_send()` / `mywsclient_send_binary()`
 * and gives it an id: `flags` is 0 (text, which must be UTF-8) or a
 * combination of `MYWSCLIENT_SEND_BINARY` and `MYWSCLIENT_SEND_URGENT`.
 * On success `*id_out` (when not NULL) receives the message's id: a number
 * above 0, larger than every id before it on this client.
 *
 * Every accepted message gets exactly one receipt event, `WRITTEN` (all its
 * bytes reached the kernel's socket buffer; a later resend after a broken
 * connection gives no second one) or `DISCARDED` (with the reason), and
 * receipts come in id order: an urgent message written ahead of older ones
 * has its `WRITTEN` after theirs. A message still queued when the client
 * is freed gets none. Messages sent with `mywsclient_send()` get no receipt.
 *
 * Returns as `mywsclient_send()`, and `MYWSCLIENT_RESULT_INVALID_ARGUMENT`
 * for an unknown flag; `*id_out` is written only on success. Thread-safe;
 * may be called from a callback.
 *
 * # Safety
 * `c` is NULL or a live handle; `data` is NULL or points to `len` readable
 * bytes; `id_out` is NULL or points to a writable `uint64_t`.
 */
mywsclient_result mywsclient_send_ex(struct mywsclient *c,
                                     const uint8_t *data,
                                     size_t len,
                                     uint32_t flags,
                                     uint64_t *id_out);

/**
 * Sends a ping with `len` bytes of payload at `data` (at most 125; NULL
 * when `len` is 0) on the current connection. When the pong arrives, a
 * `PONG` event gives the round-trip time (`rtt_us`) and the payload; a
 * pong answers the oldest ping with the same payload, and a server may
 * answer only the last of several pings. The heartbeat's pings measure the
 * round-trip time too (in the statistics) but raise no event.
 *
 * Returns `MYWSCLIENT_RESULT_INVALID_STATE` when not connected,
 * `..._INVALID_ARGUMENT` for more than 125 bytes. A connection that ends
 * before the pong raises no `PONG` event. Thread-safe; may be called from
 * a callback.
 *
 * # Safety
 * `c` is NULL or a live handle; `data` is NULL or points to `len` readable bytes.
 */
mywsclient_result mywsclient_ping(struct mywsclient *c, const uint8_t *data, size_t len);

/**
 * Closes the connection with the application's close `code` (1000, or
 * 3000 to 4999) and `reason` (NULL or a NUL-terminated UTF-8 string of at
 * most 123 bytes), then stops — or, with `MYWSCLIENT_CLOSE_RECONNECT` in
 * `flags`, connects again at once, keeping the queue.
 *
 * Without `MYWSCLIENT_CLOSE_RECONNECT` it is `mywsclient_stop()` with a
 * close code: what is queued is written first (bounded by the close
 * timeout), or with `MYWSCLIENT_CLOSE_DISCARD` discarded (a `DISCARDED`
 * event per message sent with `mywsclient_send_ex()`, before `STOPPED`).
 * It joins the I/O thread, except from inside a callback (then it returns
 * at once). A client that is not connected just stops.
 *
 * With `MYWSCLIENT_CLOSE_RECONNECT` it returns at once: an open connection
 * closes after what is already being written (the rest waits for the next
 * connection), then a new attempt starts without backoff delay; a client
 * that is connecting or waiting to retry starts a new attempt at once.
 *
 * Returns `MYWSCLIENT_RESULT_INVALID_ARGUMENT` for a code, reason length or
 * flag that is not allowed (or both flags), `..._INVALID_UTF8` for a reason
 * that is not UTF-8, `..._INVALID_STATE` for
 * `MYWSCLIENT_CLOSE_RECONNECT` or `MYWSCLIENT_CLOSE_DISCARD` on a client
 * that is not running. Thread-safe; may be called from a callback.
 *
 * # Safety
 * `c` is NULL or a live handle; `reason` is NULL or a NUL-terminated string.
 */
mywsclient_result mywsclient_close(struct mywsclient *c,
                                   uint32_t code,
                                   const char *reason,
                                   uint32_t flags);

/**
 * Sets what a send does when the queue is full: a
 * `mywsclient_overflow_policy` value (default `REFUSE`). An unknown value
 * gives `MYWSCLIENT_RESULT_INVALID_ARGUMENT`. Only before start or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_set_overflow_policy(struct mywsclient *c, uint32_t policy);

/**
 * Queue watermarks, in bytes of queued messages (accepted, not yet
 * written): when the queue grows to `high` or more, a `QUEUE_HIGH` event;
 * when it then falls to `low` or less, a `QUEUE_DRAINED` event; then again.
 * Evaluated on the I/O thread (after sends and writes), so a queue that
 * rises and falls between two looks raises nothing. `high` 0 turns them off
 * (the default); else `low` < `high` is required
 * (`..._INVALID_ARGUMENT`). Only before start or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_set_queue_watermarks(struct mywsclient *c, size_t high, size_t low);

/**
 * With `discard` true, whenever the client stops — `mywsclient_stop()`,
 * `mywsclient_close()` without `MYWSCLIENT_CLOSE_RECONNECT`, reconnecting
 * off or given up — what is still queued is discarded instead of kept for
 * the next start, with a `DISCARDED` event per message sent with
 * `mywsclient_send_ex()` (reason `STOPPED`, or `GAVE_UP` when the client
 * stopped by itself). Default false. Only before start or after stop.
 *
 * # Safety
 * `c` is NULL or a live handle.
 */
mywsclient_result mywsclient_set_discard_on_stop(struct mywsclient *c, bool discard);

/**
 * A static, NUL-terminated description of a `mywsclient_result` code;
 * "unknown result" for any other value. Never NULL; do not free.
 * Thread-safe; may be called from a callback.
 */
const char *mywsclient_result_str(int32_t result);

/**
 * The details of the last failed `mywsclient_*` call on the calling thread
 * ("" if none failed yet): NUL-terminated UTF-8, owned by the library and
 * valid until the next `mywsclient_*` call on this thread. Successful calls
 * leave it unchanged. Never NULL; do not free. May be called from a
 * callback (it then reports the I/O thread's own calls).
 */
const char *mywsclient_last_error(void);

/**
 * A static, NUL-terminated name of a `mywsclient_error_kind` value
 * ("none" for 0, "unknown error kind" for values out of range). Never NULL;
 * do not free. Thread-safe; may be called from a callback.
 */
const char *mywsclient_error_kind_str(uint32_t kind);

/**
 * A static, NUL-terminated name of a `MYWSCLIENT_STATE_*` value ("idle",
 * "connecting", "open", "closing", "reconnecting", "stopped"; "unknown
 * state" for other values). Never NULL; do not free. Thread-safe; may be
 * called from a callback.
 */
const char *mywsclient_state_str(uint32_t state);

/**
 * The number of headers; 0 for NULL.
 *
 * # Safety
 * `headers` is NULL or a pointer from an event, during its callback.
 */
size_t mywsclient_headers_count(const struct mywsclient_headers *headers);

/**
 * Header number `index` (from 0): its name (as the server spelled it) in
 * `*name` and its value (trimmed) in `*value`, NUL-terminated, borrowed for
 * the callback. Written only on success. `MYWSCLIENT_RESULT_NULL_ARGUMENT`
 * when `headers`, `name` or `value` is NULL, `..._INVALID_ARGUMENT` when
 * `index >= mywsclient_headers_count(headers)`.
 *
 * # Safety
 * `headers` is NULL or a pointer from an event, during its callback;
 * `name` and `value` are NULL or writable.
 */
mywsclient_result mywsclient_headers_at(const struct mywsclient_headers *headers,
                                        size_t index,
                                        const char **name,
                                        const char **value);

/**
 * The value of the first header called `name` (case-insensitive), e.g.
 * `"WWW-Authenticate"` or `"Location"`: NUL-terminated, borrowed for the
 * callback; NULL when there is none (or `headers` or `name` is NULL).
 *
 * # Safety
 * `headers` is NULL or a pointer from an event, during its callback;
 * `name` is NULL or a NUL-terminated string.
 */
const char *mywsclient_headers_get(const struct mywsclient_headers *headers, const char *name);

/**
 * The URL this attempt will connect to (e.g. `wss://example.com:443/path`),
 * NUL-terminated, borrowed: valid until the next change to `request` or
 * the end of the callback. "" for NULL.
 *
 * # Safety
 * `request` is NULL or the pointer given to the running connect callback.
 */
const char *mywsclient_request_url(const struct mywsclient_request *request);

/**
 * The attempt's number, as in the `CONNECTING` event (1 for the first
 * attempt after start or after a healthy connection); 0 for NULL.
 *
 * # Safety
 * `request` is NULL or the pointer given to the running connect callback.
 */
uint32_t mywsclient_request_attempt(const struct mywsclient_request *request);

/**
 * Replaces the URL of this attempt: a `ws://` or `wss://` URL, or a bare
 * host (meaning `wss://`), as `mywsclient_new()` takes it with port 0 and
 * no path. `MYWSCLIENT_RESULT_INVALID_ARGUMENT` for an invalid URL (nothing
 * changes). The string is borrowed for the call only.
 *
 * # Safety
 * `request` is NULL or the pointer given to the running connect callback;
 * `url` is NULL or a NUL-terminated string.
 */
mywsclient_result mywsclient_request_set_url(struct mywsclient_request *request, const char *url);

/**
 * Sets header `name` to `value` for this attempt, replacing every header of
 * that name (case-insensitive), e.g. `Authorization` / `Bearer <token>`.
 * `MYWSCLIENT_RESULT_INVALID_ARGUMENT` for a name that is not a token, a
 * header the client sets itself (Host, Upgrade, Connection,
 * Sec-WebSocket-*) or a value with control characters (nothing changes).
 * The strings are borrowed for the call only.
 *
 * # Safety
 * `request` is NULL or the pointer given to the running connect callback;
 * `name` and `value` are NULL or NUL-terminated strings.
 */
mywsclient_result mywsclient_request_set_header(struct mywsclient_request *request,
                                                const char *name,
                                                const char *value);

/**
 * Removes header `name` (every header of that name, case-insensitive) from
 * this attempt's request. Removing a header that is not there is not an
 * error. The string is borrowed for the call only.
 *
 * # Safety
 * `request` is NULL or the pointer given to the running connect callback;
 * `name` is NULL or a NUL-terminated string.
 */
mywsclient_result mywsclient_request_remove_header(struct mywsclient_request *request,
                                                   const char *name);

/**
 * Replaces the subprotocols this attempt asks for with the `count` strings
 * at `protocols` (`count` 0: ask for none; `protocols` may then be NULL).
 * Each must be a non-empty token, else `MYWSCLIENT_RESULT_INVALID_ARGUMENT`
 * and nothing changes. The strings are borrowed for the call only.
 *
 * # Safety
 * `request` is NULL or the pointer given to the running connect callback;
 * `protocols` is NULL or points to `count` pointers, each NULL or a
 * NUL-terminated string.
 */
mywsclient_result mywsclient_request_set_subprotocols(struct mywsclient_request *request,
                                                      const char *const *protocols,
                                                      size_t count);

/**
 * Copies the client's counters into `*out`, of which the caller says how
 * many bytes it has: pass `sizeof *out` (a program built against an older
 * header passes the older, smaller size). The library writes
 * `min(size, sizeof(its mywsclient_stats2))` bytes and leaves the rest
 * untouched: zero-initialise the struct so that counters an older library
 * does not know read as 0. Fields are only ever appended, so a program
 * built against an older header keeps working with a newer library, and
 * the reverse.
 *
 * Returns `MYWSCLIENT_RESULT_NULL_ARGUMENT` when `c` or `out` is NULL and
 * `..._INVALID_ARGUMENT` when `size` is smaller than
 * `sizeof(mywsclient_stats)` (the first layout, which is also the start of
 * this one); `*out` is written only on success. Thread-safe; may be called
 * from a callback.
 *
 * # Safety
 * `c` is NULL or a live handle; `out` is NULL or points to `size` writable bytes.
 */
mywsclient_result mywsclient_get_stats2(const struct mywsclient *c,
                                        struct mywsclient_stats2 *out,
                                        size_t size);

/**
 * A static, NUL-terminated string naming the library's version and its
 * key dependencies, e.g. "mywsclient 0.1.0 (tungstenite 0.30, rustls 0.23)".
 * Its version equals `MYWSCLIENT_VERSION_MAJOR.MINOR.PATCH` of the header
 * the library was built with. Never NULL; do not free. Thread-safe.
 */
const char *mywsclient_version(void);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* MYWSCLIENT_C_H */
