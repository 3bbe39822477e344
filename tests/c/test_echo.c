/*
 * Echo of text and binary messages through the project's echo server:
 * every message comes back once, in order, with its kind; empty messages,
 * text with NUL bytes and multi-byte UTF-8, a 1 MiB message; events, stats,
 * the log callback, and a host name resolved through DNS ("localhost").
 */
#include "test_util.h"

typedef struct log_rec
{
  pthread_mutex_t mu;
  int lines;
  int bad_level;
} log_rec;

static void on_log(void *ud, uint32_t level, const char *line)
{
  log_rec *l = (log_rec *)ud;
  CHECK(line != NULL);
  pthread_mutex_lock(&l->mu);
  l->lines++;
  if (level < MYWSCLIENT_LOG_LEVEL_ERROR || level > MYWSCLIENT_LOG_LEVEL_DEBUG)
    l->bad_level++;
  pthread_mutex_unlock(&l->mu);
}

static int msg_is(recorder *r, size_t i, const void *data, size_t len, bool binary)
{
  const rec_msg *m = &r->msgs[i];
  return m->len == len && m->binary == binary && (len == 0 || memcmp(m->data, data, len) == 0);
}

static void echo_round(const char *url, int with_log)
{
  recorder r;
  log_rec lg;
  mywsclient *c;
  mywsclient_stats st;
  const char text_nul[] = {'a', 0, 'b'};
  const char utf8[] = "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"; /* héllo € 😀 */
  const uint8_t bin[] = {0, 1, 2, 0xff, 0xfe, 0x80};
#if defined(__SANITIZE_THREAD__)
  /* ThreadSanitizer checks every byte the uninstrumented library copies
   * (and suppresses each report): keep the big message smaller there. */
  size_t big_len = 64 << 10;
#else
  size_t big_len = 1 << 20;
#endif
  uint8_t *big = (uint8_t *)malloc(big_len);
  size_t i;
  CHECK(big != NULL);
  for (i = 0; i < big_len; i++)
    big[i] = (uint8_t)(i * 7 + 3);

  t_log("echo via %s", url);
  rec_init(&r);
  memset(&lg, 0, sizeof lg);
  pthread_mutex_init(&lg.mu, NULL);
  c = t_client(url, &r);
  if (with_log)
  {
    CHECK_OK(mywsclient_set_log_level(c, MYWSCLIENT_LOG_LEVEL_DEBUG));
    CHECK_OK(mywsclient_set_log_callback(c, on_log, &lg));
  }
  /* Sent before the first connection: queued, then delivered in order. */
  CHECK_OK(mywsclient_send(c, "before", 6));
  CHECK_OK(mywsclient_start(c));
  REC_EXPECT(&r, r.events[MYWSCLIENT_EVENT_TYPE_OPEN] == 1);
  CHECK(mywsclient_state(c) == MYWSCLIENT_STATE_OPEN);
  CHECK(rec_events(&r, MYWSCLIENT_EVENT_TYPE_CONNECTING) >= 1);
  CHECK_OK(mywsclient_send(c, "hello", 5));
  CHECK_OK(mywsclient_send_binary(c, bin, sizeof bin));
  CHECK_OK(mywsclient_send(c, "", 0));
  CHECK_OK(mywsclient_send_binary(c, NULL, 0));
  CHECK_OK(mywsclient_send(c, text_nul, sizeof text_nul));
  CHECK_OK(mywsclient_send(c, utf8, strlen(utf8)));
  CHECK_OK(mywsclient_send_binary(c, big, big_len));
  CHECK_OK(mywsclient_send(c, "last", 4));
  REC_EXPECT(&r, r.nmsgs == 9);

  pthread_mutex_lock(&r.mu);
  CHECK(msg_is(&r, 0, "before", 6, false));
  CHECK(msg_is(&r, 1, "hello", 5, false));
  CHECK(msg_is(&r, 2, bin, sizeof bin, true));
  CHECK(msg_is(&r, 3, "", 0, false));
  CHECK(msg_is(&r, 4, "", 0, true));
  CHECK(msg_is(&r, 5, text_nul, sizeof text_nul, false));
  CHECK(msg_is(&r, 6, utf8, strlen(utf8), false));
  CHECK(msg_is(&r, 7, big, big_len, true));
  CHECK(msg_is(&r, 8, "last", 4, false));
  pthread_mutex_unlock(&r.mu);

  CHECK_OK(mywsclient_get_stats(c, &st));
  CHECK(st.messages_sent == 9);
  CHECK(st.messages_received == 9);
  CHECK(st.bytes_sent == 6 + 5 + sizeof bin + sizeof text_nul + strlen(utf8) + big_len + 4);
  CHECK(st.bytes_received == st.bytes_sent);
  CHECK(st.connections == 1 && st.reconnects == 0);
  CHECK(st.queued_messages == 0 && st.queued_bytes == 0);

  CHECK_OK(mywsclient_stop(c));
  CHECK(mywsclient_state(c) == MYWSCLIENT_STATE_STOPPED);
  /* stop joined the I/O thread: every event is in. */
  pthread_mutex_lock(&r.mu);
  CHECK(r.events[MYWSCLIENT_EVENT_TYPE_CLOSED] == 1);
  CHECK(r.last_close_initiator == MYWSCLIENT_CLOSE_INITIATOR_CLIENT);
  CHECK(r.last_close_code == 1000);
  CHECK(r.events[MYWSCLIENT_EVENT_TYPE_STOPPED] == 1);
  CHECK(r.events[MYWSCLIENT_EVENT_TYPE_ERROR] == 0);
  pthread_mutex_unlock(&r.mu);
  mywsclient_free(c);
  if (with_log)
  {
    CHECK(lg.lines > 0);
    CHECK(lg.bad_level == 0);
  }
  pthread_mutex_destroy(&lg.mu);
  rec_destroy(&r);
  free(big);
}

int main(void)
{
  echo_server s;
  char url[128];
  echo_server_start(&s, 0);
  echo_url(&s, url, sizeof url);
  echo_round(url, 0);
  snprintf(url, sizeof url, "ws://localhost:%d/echo?x=1", s.port);
  echo_round(url, 1);
  /* The port given separately overrides the URL's. */
  {
    recorder r;
    mywsclient *c;
    rec_init(&r);
    c = mywsclient_new("ws://127.0.0.1:9/", s.port, "/p", rec_on_message, &r);
    CHECK(c != NULL);
    CHECK_OK(mywsclient_set_event_callback(c, rec_on_event, &r));
    CHECK_OK(mywsclient_start(c));
    CHECK_OK(mywsclient_send(c, "port override", 13));
    REC_EXPECT(&r, r.nmsgs == 1);
    mywsclient_free(c);
    rec_destroy(&r);
  }
  echo_server_stop(&s);
  t_log("ok");
  return 0;
}
