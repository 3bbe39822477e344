/*
 * Reconnect after the server restarts: the client notices the loss, keeps
 * retrying with backoff, keeps the messages sent during the outage, and
 * delivers them once, in order, when the server is back on the same port.
 */
#include "test_util.h"

int main(void)
{
  echo_server s;
  recorder r;
  mywsclient *c;
  mywsclient_stats st;
  char url[128];
  int port, i;

  echo_server_start(&s, 0);
  port = s.port;
  echo_url(&s, url, sizeof url);
  rec_init(&r);
  c = t_client(url, &r);
  CHECK_OK(mywsclient_set_log_level(c, MYWSCLIENT_LOG_LEVEL_ERROR));
  CHECK_OK(mywsclient_start(c));
  CHECK_OK(mywsclient_send(c, "first", 5));
  REC_EXPECT(&r, r.nmsgs == 1 && r.events[MYWSCLIENT_EVENT_TYPE_OPEN] == 1);

  t_log("server goes away");
  echo_server_stop(&s);
  REC_EXPECT(&r,
             r.events[MYWSCLIENT_EVENT_TYPE_CLOSED] == 1 && r.events[MYWSCLIENT_EVENT_TYPE_RECONNECT_SCHEDULED] >= 1);
  CHECK(mywsclient_state(c) != MYWSCLIENT_STATE_OPEN);
  /* At least one attempt fails while the server is down. */
  REC_EXPECT(&r, r.events[MYWSCLIENT_EVENT_TYPE_ERROR] >= 2);
  for (i = 0; i < 10; i++)
  {
    char m[32];
    int n = snprintf(m, sizeof m, "queued %d", i);
    CHECK_OK(mywsclient_send(c, m, (size_t)n));
  }
  CHECK_OK(mywsclient_get_stats(c, &st));
  CHECK(st.queued_messages == 10);

  t_log("server back on port %d", port);
  echo_server_start(&s, port);
  REC_EXPECT(&r, r.events[MYWSCLIENT_EVENT_TYPE_OPEN] == 2 && r.nmsgs == 11);
  pthread_mutex_lock(&r.mu);
  for (i = 0; i < 10; i++)
  {
    char m[32];
    int n = snprintf(m, sizeof m, "queued %d", i);
    CHECK(r.msgs[1 + i].len == (size_t)n && memcmp(r.msgs[1 + i].data, m, (size_t)n) == 0);
    CHECK(!r.msgs[1 + i].binary);
  }
  pthread_mutex_unlock(&r.mu);
  CHECK_OK(mywsclient_send(c, "after", 5));
  REC_EXPECT(&r, r.nmsgs == 12);
  CHECK_OK(mywsclient_get_stats(c, &st));
  CHECK(st.connections == 2 && st.reconnects == 1);
  CHECK(st.messages_sent == 12 && st.queued_messages == 0);

  mywsclient_free(c);
  CHECK(rec_events(&r, MYWSCLIENT_EVENT_TYPE_STOPPED) == 1);
  rec_destroy(&r);
  echo_server_stop(&s);
  t_log("ok");
  return 0;
}
