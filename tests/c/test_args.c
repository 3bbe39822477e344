/*
 * Caller misuse: every NULL and invalid argument, unknown enum values,
 * wrong-state calls, invalid UTF-8, messages over the maximum, full queues,
 * double start/stop/free-of-NULL — each with its documented result, and
 * never a crash (this runs under ASan/UBSan).
 */
#include "test_util.h"

static const char *last(void) { return mywsclient_last_error(); }

static void null_arguments(void)
{
  mywsclient_stats st;
  mywsclient *c;
  t_log("NULL arguments");
  /* Constructor. */
  CHECK(mywsclient_new(NULL, 0, NULL, NULL, NULL) == NULL);
  CHECK(strcmp(last(), "url is NULL") == 0);
  /* Every function taking a handle, with NULL. */
  CHECK_RES(mywsclient_start(NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK(strstr(last(), "client is NULL") != NULL);
  CHECK_RES(mywsclient_stop(NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_send(NULL, "x", 1), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_send_binary(NULL, (const uint8_t *)"x", 1), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_message_callback(NULL, NULL, NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_event_callback(NULL, NULL, NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_log_callback(NULL, NULL, NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_log_level(NULL, MYWSCLIENT_LOG_LEVEL_WARN), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_reconnect(NULL, true, 0), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_backoff(NULL, 100, 5000, 2.0, 0.5), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_backoff_reset(NULL, 1000), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_heartbeat(NULL, 3000, 3000), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_timeouts(NULL, 1, 1, 1), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_queue_limits(NULL, 1, 1), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_max_message_size(NULL, 1), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_ca_file(NULL, NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_system_roots(NULL, true), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_client_cert(NULL, NULL, NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_dangerous_disable_tls_verification(NULL, false), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_add_header(NULL, "X-A", "b"), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_clear_headers(NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_add_subprotocol(NULL, "ws"), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_clear_subprotocols(NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_get_stats(NULL, &st), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK(mywsclient_state(NULL) == MYWSCLIENT_STATE_IDLE);
  mywsclient_free(NULL); /* no-op */

  /* NULL pointer arguments next to a valid handle. */
  c = mywsclient_new("ws://127.0.0.1:9", 0, NULL, NULL, NULL);
  CHECK(c != NULL);
  CHECK_RES(mywsclient_send(c, NULL, 5), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK(strstr(last(), "data is NULL") != NULL);
  CHECK_RES(mywsclient_send_binary(c, NULL, 5), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_get_stats(c, NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_add_header(c, NULL, "v"), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_add_header(c, "X-A", NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_add_subprotocol(c, NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_client_cert(c, "cert.pem", NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_client_cert(c, NULL, "key.pem"), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  /* NULL where NULL has a meaning. */
  CHECK_OK(mywsclient_set_ca_file(c, NULL));
  CHECK_OK(mywsclient_set_client_cert(c, NULL, NULL));
  CHECK_OK(mywsclient_set_message_callback(c, NULL, NULL));
  CHECK_OK(mywsclient_set_event_callback(c, NULL, NULL));
  CHECK_OK(mywsclient_set_log_callback(c, NULL, NULL));
  CHECK_OK(mywsclient_send(c, NULL, 0));        /* an empty text message */
  CHECK_OK(mywsclient_send_binary(c, NULL, 0)); /* an empty binary message */
  mywsclient_free(c);
}

static void invalid_arguments(void)
{
  mywsclient *c;
  const char bad_utf8[] = {'w', 's', ':', '/', '/', (char)0xff, 'h', 0};
  t_log("invalid arguments");
  CHECK(mywsclient_new("http://example.com", 0, NULL, NULL, NULL) == NULL);
  CHECK(strstr(last(), "scheme") != NULL);
  CHECK(mywsclient_new("", 0, NULL, NULL, NULL) == NULL);
  CHECK(mywsclient_new("exa mple.com", 0, NULL, NULL, NULL) == NULL);
  CHECK(mywsclient_new("example.com", -1, NULL, NULL, NULL) == NULL);
  CHECK(mywsclient_new("example.com", 65536, NULL, NULL, NULL) == NULL);
  CHECK(strstr(last(), "out of range") != NULL);
  CHECK(mywsclient_new("example.com", 0, "/a b", NULL, NULL) == NULL);
  CHECK(mywsclient_new(bad_utf8, 0, NULL, NULL, NULL) == NULL);
  CHECK(strstr(last(), "not valid UTF-8") != NULL);
  CHECK(mywsclient_new("ws://h", 0, bad_utf8, NULL, NULL) == NULL);
  /* Valid forms of the URL. */
  c = mywsclient_new("example.com", 0, NULL, NULL, NULL);
  CHECK(c != NULL);
  mywsclient_free(c);
  c = mywsclient_new("[::1]", 9001, "chat", NULL, NULL);
  CHECK(c != NULL);
  mywsclient_free(c);

  c = mywsclient_new("ws://127.0.0.1:9/", 0, "", NULL, NULL);
  CHECK(c != NULL);
  CHECK_RES(mywsclient_set_backoff(c, 0, 100, 2.0, 0.5), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_set_backoff(c, 200, 100, 2.0, 0.5), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_set_backoff(c, 100, 200, 0.5, 0.5), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_set_backoff(c, 100, 200, 2.0, -0.1), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_set_backoff(c, 100, 200, 2.0, 1.1), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_set_heartbeat(c, 1000, 0), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_set_timeouts(c, 0, 1000, 1000), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_set_timeouts(c, 1000, 0, 1000), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_set_queue_limits(c, 0, 0), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_set_max_message_size(c, 0), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_add_header(c, "Host", "x"), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK(strstr(last(), "Host") != NULL);
  CHECK_RES(mywsclient_add_header(c, "Sec-WebSocket-Protocol", "x"), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_add_header(c, "Bad Name", "x"), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_add_header(c, "X-Ok", "a\r\nInjected: yes"), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_add_header(c, bad_utf8, "x"), MYWSCLIENT_RESULT_INVALID_UTF8);
  CHECK_RES(mywsclient_add_subprotocol(c, ""), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_add_subprotocol(c, "a,b"), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_set_ca_file(c, "/nonexistent/ca.pem"), MYWSCLIENT_RESULT_CONFIG);
  CHECK(strstr(last(), "/nonexistent/ca.pem") != NULL);
  CHECK_RES(mywsclient_set_client_cert(c, "/nonexistent/c.pem", "/nonexistent/k.pem"), MYWSCLIENT_RESULT_CONFIG);
  /* Valid values are accepted after the refusals. */
  CHECK_OK(mywsclient_set_backoff(c, 100, 200, 2.0, 0.5));
  CHECK_OK(mywsclient_set_backoff_reset(c, 500));
  CHECK_OK(mywsclient_set_heartbeat(c, 0, 0));
  CHECK_OK(mywsclient_set_heartbeat(c, 1000, 1000));
  CHECK_OK(mywsclient_set_timeouts(c, 1000, 1000, 0));
  CHECK_OK(mywsclient_add_header(c, "X-Ok", "value with spaces\tand a tab"));
  CHECK_OK(mywsclient_clear_headers(c));
  CHECK_OK(mywsclient_add_subprotocol(c, "ws"));
  CHECK_OK(mywsclient_add_subprotocol(c, "chat.v2"));
  CHECK_OK(mywsclient_clear_subprotocols(c));
  CHECK_OK(mywsclient_set_system_roots(c, true));
  CHECK_OK(mywsclient_set_dangerous_disable_tls_verification(c, false));
  CHECK_OK(mywsclient_set_reconnect(c, false, 0));
  mywsclient_free(c);
}

static void enum_values_out_of_range(void)
{
  mywsclient *c = mywsclient_new("ws://127.0.0.1:9", 0, NULL, NULL, NULL);
  int i;
  t_log("enum values out of range");
  CHECK(c != NULL);
  CHECK_RES(mywsclient_set_log_level(c, 5), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK(strstr(last(), "log level 5") != NULL);
  CHECK_RES(mywsclient_set_log_level(c, 0xffffffffu), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_OK(mywsclient_set_log_level(c, MYWSCLIENT_LOG_LEVEL_DEBUG));
  CHECK_OK(mywsclient_set_log_level(c, MYWSCLIENT_LOG_LEVEL_OFF));
  CHECK_RES(mywsclient_set_delivery(c, 3), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK(strstr(last(), "delivery mode 3") != NULL);
  CHECK_RES(mywsclient_set_delivery(NULL, MYWSCLIENT_DELIVERY_AT_MOST_ONCE), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_OK(mywsclient_set_delivery(c, MYWSCLIENT_DELIVERY_AT_LEAST_ONCE));
  CHECK_OK(mywsclient_set_delivery(c, MYWSCLIENT_DELIVERY_RESEND_UNACKNOWLEDGED));
  mywsclient_free(c);
  /* Every result code has its own name; unknown codes one shared name. */
  for (i = (int)MYWSCLIENT_RESULT_OK; i <= (int)MYWSCLIENT_RESULT_PANIC; i++)
  {
    int j;
    CHECK(mywsclient_result_str(i) != NULL);
    CHECK(strcmp(mywsclient_result_str(i), "unknown result") != 0);
    for (j = (int)MYWSCLIENT_RESULT_OK; j < i; j++)
      CHECK(strcmp(mywsclient_result_str(i), mywsclient_result_str(j)) != 0);
  }
  CHECK(strcmp(mywsclient_result_str(-1), "unknown result") == 0);
  CHECK(strcmp(mywsclient_result_str(10), "unknown result") == 0);
  CHECK(strcmp(mywsclient_result_str(INT32_MAX), "unknown result") == 0);
  CHECK(strcmp(mywsclient_result_str(INT32_MIN), "unknown result") == 0);
  CHECK(strcmp(mywsclient_state_str(MYWSCLIENT_STATE_OPEN), "open") == 0);
  CHECK(strcmp(mywsclient_state_str(6), "unknown state") == 0);
  CHECK(strcmp(mywsclient_state_str(0xffffffffu), "unknown state") == 0);
  CHECK(strcmp(mywsclient_error_kind_str(MYWSCLIENT_ERROR_KIND_NONE), "none") == 0);
  CHECK(strcmp(mywsclient_error_kind_str(MYWSCLIENT_ERROR_KIND_HEARTBEAT_TIMEOUT), "heartbeat timeout") == 0);
  CHECK(strcmp(mywsclient_error_kind_str(MYWSCLIENT_ERROR_KIND_PROXY), "proxy error") == 0);
  CHECK(strcmp(mywsclient_error_kind_str(21), "unknown error kind") == 0);
}

static void sends_refused_with_a_reason(void)
{
  mywsclient *c = mywsclient_new("ws://127.0.0.1:9", 0, NULL, NULL, NULL);
  const char bad_utf8[] = {'a', (char)0xc3, (char)0x28, 'b'};
  const char truncated[] = {'a', (char)0xe2, (char)0x82};
  const char with_nul[] = {'a', 0, 'b'};
  char big[65];
  mywsclient_stats st;
  t_log("sends refused with a reason");
  CHECK(c != NULL);
  CHECK_RES(mywsclient_send(c, bad_utf8, sizeof bad_utf8), MYWSCLIENT_RESULT_INVALID_UTF8);
  CHECK(strstr(last(), "UTF-8") != NULL);
  CHECK_RES(mywsclient_send(c, truncated, sizeof truncated), MYWSCLIENT_RESULT_INVALID_UTF8);
  CHECK_OK(mywsclient_send_binary(c, (const uint8_t *)bad_utf8, sizeof bad_utf8)); /* bytes are bytes */
  CHECK_OK(mywsclient_send(c, with_nul, sizeof with_nul));                         /* NUL is valid UTF-8 */
  CHECK_OK(mywsclient_send(c, "", 0));
  CHECK_OK(mywsclient_set_max_message_size(c, 64));
  memset(big, 'x', sizeof big);
  CHECK_RES(mywsclient_send(c, big, 65), MYWSCLIENT_RESULT_MESSAGE_TOO_LARGE);
  CHECK(strstr(last(), "65 bytes") != NULL);
  CHECK_RES(mywsclient_send_binary(c, (const uint8_t *)big, 65), MYWSCLIENT_RESULT_MESSAGE_TOO_LARGE);
  CHECK_OK(mywsclient_send(c, big, 64));
  /* Queue limits: 4 + 3 + 0 + 64 bytes in 4 messages are queued now. */
  CHECK_OK(mywsclient_get_stats(c, &st));
  CHECK(st.queued_messages == 4 && st.queued_bytes == 4 + 3 + 64);
  CHECK_OK(mywsclient_set_queue_limits(c, 100, 5));
  CHECK_OK(mywsclient_send(c, "y", 1));
  CHECK_RES(mywsclient_send(c, "z", 1), MYWSCLIENT_RESULT_QUEUE_FULL);
  CHECK(strstr(last(), "queue full") != NULL);
  CHECK_OK(mywsclient_set_queue_limits(c, 80, 0));
  CHECK_RES(mywsclient_send(c, "0123456789", 10), MYWSCLIENT_RESULT_QUEUE_FULL);
  CHECK_OK(mywsclient_send(c, "012", 3));
  CHECK_OK(mywsclient_get_stats(c, &st));
  CHECK(st.queued_messages == 6 && st.queued_bytes == 4 + 3 + 64 + 1 + 3);
  CHECK(st.messages_sent == 0 && st.connections == 0);
  mywsclient_free(c); /* discards the queue (with a warning) */
}

static void wrong_state_calls(void)
{
  /* Port 9 on loopback refuses: the client keeps retrying, i.e. runs. */
  recorder r;
  mywsclient *c;
  t_log("setters after start, start/stop twice");
  rec_init(&r);
  c = t_client("ws://127.0.0.1:9", &r);
  CHECK_OK(mywsclient_set_log_level(c, MYWSCLIENT_LOG_LEVEL_OFF));
  CHECK(mywsclient_state(c) == MYWSCLIENT_STATE_IDLE);
  CHECK_OK(mywsclient_stop(c)); /* stop before start: still idle */
  CHECK(mywsclient_state(c) == MYWSCLIENT_STATE_IDLE);
  CHECK_OK(mywsclient_start(c));
  CHECK_OK(mywsclient_start(c)); /* idempotent */
  REC_EXPECT(&r, r.events[MYWSCLIENT_EVENT_TYPE_RECONNECT_SCHEDULED] >= 1 &&
                     r.last_error_kind == MYWSCLIENT_ERROR_KIND_CONNECT);
  CHECK_RES(mywsclient_set_message_callback(c, rec_on_message, &r), MYWSCLIENT_RESULT_INVALID_STATE);
  CHECK(strstr(last(), "before start") != NULL);
  CHECK_RES(mywsclient_set_event_callback(c, rec_on_event, &r), MYWSCLIENT_RESULT_INVALID_STATE);
  CHECK_RES(mywsclient_set_log_callback(c, NULL, NULL), MYWSCLIENT_RESULT_INVALID_STATE);
  CHECK_RES(mywsclient_set_log_level(c, MYWSCLIENT_LOG_LEVEL_DEBUG), MYWSCLIENT_RESULT_INVALID_STATE);
  CHECK_RES(mywsclient_set_reconnect(c, false, 0), MYWSCLIENT_RESULT_INVALID_STATE);
  CHECK_RES(mywsclient_set_backoff(c, 100, 200, 2.0, 0.5), MYWSCLIENT_RESULT_INVALID_STATE);
  CHECK_RES(mywsclient_set_backoff_reset(c, 100), MYWSCLIENT_RESULT_INVALID_STATE);
  CHECK_RES(mywsclient_set_heartbeat(c, 0, 0), MYWSCLIENT_RESULT_INVALID_STATE);
  CHECK_RES(mywsclient_set_timeouts(c, 1, 1, 1), MYWSCLIENT_RESULT_INVALID_STATE);
  CHECK_RES(mywsclient_set_queue_limits(c, 1, 1), MYWSCLIENT_RESULT_INVALID_STATE);
  CHECK_RES(mywsclient_set_max_message_size(c, 1), MYWSCLIENT_RESULT_INVALID_STATE);
  CHECK_RES(mywsclient_set_ca_file(c, NULL), MYWSCLIENT_RESULT_INVALID_STATE);
  CHECK_RES(mywsclient_set_system_roots(c, true), MYWSCLIENT_RESULT_INVALID_STATE);
  CHECK_RES(mywsclient_set_client_cert(c, NULL, NULL), MYWSCLIENT_RESULT_INVALID_STATE);
  CHECK_RES(mywsclient_set_dangerous_disable_tls_verification(c, true), MYWSCLIENT_RESULT_INVALID_STATE);
  CHECK_RES(mywsclient_add_header(c, "X-A", "b"), MYWSCLIENT_RESULT_INVALID_STATE);
  CHECK_RES(mywsclient_clear_headers(c), MYWSCLIENT_RESULT_INVALID_STATE);
  CHECK_RES(mywsclient_add_subprotocol(c, "ws"), MYWSCLIENT_RESULT_INVALID_STATE);
  CHECK_RES(mywsclient_clear_subprotocols(c), MYWSCLIENT_RESULT_INVALID_STATE);
  /* Sends are accepted while not connected (queued). */
  CHECK_OK(mywsclient_send(c, "queued", 6));
  CHECK_OK(mywsclient_stop(c));
  CHECK_OK(mywsclient_stop(c)); /* idempotent */
  CHECK(mywsclient_state(c) == MYWSCLIENT_STATE_STOPPED);
  CHECK(rec_events(&r, MYWSCLIENT_EVENT_TYPE_STOPPED) == 1);
  /* After stop, setters work again; start again works too. */
  CHECK_OK(mywsclient_set_heartbeat(c, 0, 0));
  CHECK_OK(mywsclient_set_message_callback(c, rec_on_message, &r));
  CHECK_OK(mywsclient_start(c));
  CHECK_RES(mywsclient_set_heartbeat(c, 0, 0), MYWSCLIENT_RESULT_INVALID_STATE);
  mywsclient_free(c); /* stops and joins */
  CHECK(rec_events(&r, MYWSCLIENT_EVENT_TYPE_STOPPED) == 2);
  rec_destroy(&r);
}

static void last_error_is_per_thread_body(void)
{
  /* Nothing failed yet on a new thread. */
  CHECK(strcmp(mywsclient_last_error(), "") == 0);
  CHECK_RES(mywsclient_start(NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK(strstr(mywsclient_last_error(), "NULL") != NULL);
}

static void *last_error_thread(void *arg)
{
  (void)arg;
  last_error_is_per_thread_body();
  return NULL;
}

static void last_error_per_thread(void)
{
  pthread_t t;
  t_log("last error is per thread");
  CHECK_RES(mywsclient_set_log_level(NULL, 0), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK(pthread_create(&t, NULL, last_error_thread, NULL) == 0);
  CHECK(pthread_join(t, NULL) == 0);
  CHECK(strstr(mywsclient_last_error(), "client is NULL") != NULL);
  /* A successful call leaves it unchanged. */
  CHECK(mywsclient_result_str(0) != NULL);
  CHECK(strstr(mywsclient_last_error(), "client is NULL") != NULL);
}

int main(void)
{
  null_arguments();
  invalid_arguments();
  enum_values_out_of_range();
  sends_refused_with_a_reason();
  wrong_state_calls();
  last_error_per_thread();
  t_log("ok");
  return 0;
}
