/*
 * Control frames, send receipts and flow control through the C API, against
 * the control server (tools): mywsclient_ping and the PONG event's
 * round-trip time against a server that delays its pong; mywsclient_close
 * with 4000 and a reason, as the server saw it, and the argument checks;
 * receipts (WRITTEN / DISCARDED) for every message of a burst, each id once
 * and in order, also across a cut and a stop with discard; the queue
 * watermarks under a server that stops reading; the drop-oldest overflow
 * policy; the statistics (get_stats2).
 */
#include "control_util.h"

#define MAX_RECEIPTS 4096

typedef struct receipt
{
  uint64_t id;
  uint32_t type;
  uint32_t reason;
} receipt;

/* What the event callback saw, guarded by mu. */
typedef struct dl_rec
{
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int opens, closes, stops, pongs, highs, drains;
  uint64_t last_rtt_us;
  char pong_payload[128];
  size_t pong_len;
  uint64_t high_bytes, drained_bytes;
  uint64_t wm_high, wm_low; /* the watermarks set, to check the events against */
  receipt receipts[MAX_RECEIPTS];
  size_t nreceipts;
  int bad; /* a field that must be 0 for this event type was not */
} dl_rec;

static void dl_init(dl_rec *r)
{
  memset(r, 0, sizeof *r);
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cv, NULL);
}

static void dl_destroy(dl_rec *r)
{
  pthread_mutex_destroy(&r->mu);
  pthread_cond_destroy(&r->cv);
}

static void dl_on_event(void *ud, const mywsclient_event *ev)
{
  dl_rec *r = (dl_rec *)ud;
  CHECK(ev != NULL && ev->text != NULL);
  pthread_mutex_lock(&r->mu);
  switch (ev->type)
  {
  case MYWSCLIENT_EVENT_TYPE_OPEN:
    r->opens++;
    break;
  case MYWSCLIENT_EVENT_TYPE_CLOSED:
    r->closes++;
    break;
  case MYWSCLIENT_EVENT_TYPE_STOPPED:
    r->stops++;
    break;
  case MYWSCLIENT_EVENT_TYPE_PONG:
    r->pongs++;
    r->last_rtt_us = ev->rtt_us;
    r->pong_len = ev->data_len;
    CHECK(ev->data_len <= sizeof r->pong_payload);
    if (ev->data_len)
      memcpy(r->pong_payload, ev->data, ev->data_len);
    break;
  case MYWSCLIENT_EVENT_TYPE_WRITTEN:
  case MYWSCLIENT_EVENT_TYPE_DISCARDED:
    CHECK(r->nreceipts < MAX_RECEIPTS);
    r->receipts[r->nreceipts].id = ev->message_id;
    r->receipts[r->nreceipts].type = ev->type;
    r->receipts[r->nreceipts].reason = ev->discard_reason;
    r->nreceipts++;
    if (ev->type == MYWSCLIENT_EVENT_TYPE_WRITTEN && ev->discard_reason != 0)
      r->bad++;
    break;
  case MYWSCLIENT_EVENT_TYPE_QUEUE_HIGH:
    if (r->highs != r->drains || ev->queued_bytes < r->wm_high)
      r->bad++;
    r->highs++;
    r->high_bytes = ev->queued_bytes;
    break;
  case MYWSCLIENT_EVENT_TYPE_QUEUE_DRAINED:
    if (r->drains + 1 != r->highs || ev->queued_bytes > r->wm_low)
      r->bad++;
    r->drains++;
    r->drained_bytes = ev->queued_bytes;
    break;
  default:
    break;
  }
  if (ev->type != MYWSCLIENT_EVENT_TYPE_WRITTEN && ev->type != MYWSCLIENT_EVENT_TYPE_DISCARDED && ev->message_id != 0)
    r->bad++;
  if (ev->type != MYWSCLIENT_EVENT_TYPE_PONG && (ev->rtt_us != 0 || ev->data_len != 0))
    r->bad++;
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

static mywsclient *dl_client(const char *url, dl_rec *r)
{
  mywsclient *c = mywsclient_new(url, 0, NULL, NULL, NULL);
  CHECK(c != NULL);
  CHECK_OK(mywsclient_set_event_callback(c, dl_on_event, r));
  CHECK_OK(mywsclient_set_backoff(c, 20, 200, 2.0, 0.5));
  return c;
}

/* Every id from 1 to n has exactly one receipt, in id order. */
static void check_receipts(dl_rec *r, uint64_t n)
{
  size_t i;
  pthread_mutex_lock(&r->mu);
  CHECK(r->nreceipts == n);
  for (i = 0; i < r->nreceipts; i++)
    CHECK(r->receipts[i].id == (uint64_t)i + 1);
  CHECK(r->bad == 0);
  pthread_mutex_unlock(&r->mu);
}

static void test_ping_rtt(void)
{
  control_server s;
  dl_rec r;
  mywsclient *c;
  mywsclient_stats2 st;
  char url[64];
  t_log("ping: RTT against a server that delays its pong by 200 ms");
  control_server_start(&s, "--pong-delay-ms", "200", NULL, NULL);
  control_url(&s, url, sizeof url);
  dl_init(&r);
  c = dl_client(url, &r);
  CHECK_RES(mywsclient_ping(c, (const uint8_t *)"abc", 3), MYWSCLIENT_RESULT_INVALID_STATE);
  CHECK_OK(mywsclient_start(c));
  REC_EXPECT(&r, r.opens == 1);
  {
    uint8_t big[126];
    memset(big, 'x', sizeof big);
    CHECK_RES(mywsclient_ping(c, big, sizeof big), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
    CHECK_OK(mywsclient_ping(c, big, 125));
    REC_EXPECT(&r, r.pongs == 1);
  }
  CHECK_RES(mywsclient_ping(c, NULL, 3), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_OK(mywsclient_ping(c, (const uint8_t *)"abc", 3));
  control_expect_line(&s, "PING 3", NULL, 0);
  REC_EXPECT(&r, r.pongs == 2);
  pthread_mutex_lock(&r.mu);
  /* Causal lower bound: the server waits 200 ms before it answers. */
  CHECK(r.last_rtt_us >= 200000);
  CHECK(r.pong_len == 3 && memcmp(r.pong_payload, "abc", 3) == 0);
  pthread_mutex_unlock(&r.mu);
  memset(&st, 0, sizeof st);
  CHECK_OK(mywsclient_get_stats2(c, &st, sizeof st));
  CHECK(st.rtt_samples >= 2 && st.rtt_last_us >= 200000 && st.rtt_smoothed_us >= 200000);
  CHECK(st.connections == 1);
  t_log("ping RTT %llu us", (unsigned long long)st.rtt_last_us);
  mywsclient_free(c);
  dl_destroy(&r);
  control_server_stop(&s);
}

static void test_close_code_and_reason(void)
{
  control_server s;
  dl_rec r;
  mywsclient *c;
  char url[64];
  char line[256];
  char long_reason[125];
  t_log("close: 4000 and a reason, as the server saw them");
  control_server_start(&s, NULL, NULL, NULL, NULL);
  control_url(&s, url, sizeof url);
  dl_init(&r);
  c = dl_client(url, &r);
  memset(long_reason, 'r', sizeof long_reason - 1);
  long_reason[sizeof long_reason - 1] = '\0'; /* 124 bytes: one too many */
  CHECK_RES(mywsclient_close(c, 999, NULL, 0), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_close(c, 1001, NULL, 0), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_close(c, 2999, NULL, 0), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_close(c, 5000, NULL, 0), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_close(c, 65536 + 1000, NULL, 0), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_close(c, 4000, long_reason, 0), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_close(c, 4000, "\xc3\x28", 0), MYWSCLIENT_RESULT_INVALID_UTF8);
  CHECK_RES(mywsclient_close(c, 4000, NULL, 4), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_close(c, 4000, NULL, MYWSCLIENT_CLOSE_RECONNECT | MYWSCLIENT_CLOSE_DISCARD),
            MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_close(c, 4000, NULL, MYWSCLIENT_CLOSE_RECONNECT), MYWSCLIENT_RESULT_INVALID_STATE);
  CHECK_RES(mywsclient_close(NULL, 4000, NULL, 0), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  long_reason[sizeof long_reason - 2] = '\0'; /* 123 bytes: allowed */

  CHECK_OK(mywsclient_start(c));
  REC_EXPECT(&r, r.opens == 1);
  /* Reconnect with a close code: the server sees it, the client comes back. */
  CHECK_OK(mywsclient_close(c, 4001, "again", MYWSCLIENT_CLOSE_RECONNECT));
  control_expect_line(&s, "CLOSE 4001 again", NULL, 0);
  REC_EXPECT(&r, r.opens == 2);
  CHECK(r.stops == 0);
  /* Close and stop. */
  CHECK_OK(mywsclient_close(c, 4000, "done here", 0));
  control_expect_line(&s, "CLOSE ", line, sizeof line);
  CHECK(strcmp(line, "CLOSE 4000 done here") == 0);
  CHECK(mywsclient_state(c) == MYWSCLIENT_STATE_STOPPED);
  REC_EXPECT(&r, r.stops == 1);
  /* Idempotent once stopped; the longest reason is allowed. */
  CHECK_OK(mywsclient_close(c, 4000, long_reason, 0));
  CHECK_OK(mywsclient_start(c));
  REC_EXPECT(&r, r.opens == 3);
  CHECK_OK(mywsclient_close(c, 1000, long_reason, 0));
  control_expect_line(&s, "CLOSE 1000 rrr", NULL, 0);
  mywsclient_free(c);
  dl_destroy(&r);
  control_server_stop(&s);
}

static void test_receipts_burst_cut_stop(void)
{
  control_server s;
  dl_rec *r = (dl_rec *)malloc(sizeof(dl_rec));
  mywsclient *c;
  mywsclient_stats2 st;
  char url[64];
  uint64_t id = 0, prev = 0;
  int i;
  const int n1 = 500, n2 = 500;
  t_log("receipts: a burst, a cut, a stop with discard");
  CHECK(r != NULL);
  control_server_start(&s, "--recv-buffer", "16384", NULL, NULL);
  control_url(&s, url, sizeof url);
  dl_init(r);
  c = dl_client(url, r);
  CHECK_RES(mywsclient_send_ex(c, (const uint8_t *)"x", 1, 8, &id), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK(id == 0); /* outputs only on success */
  CHECK_RES(mywsclient_send_ex(c, (const uint8_t *)"\xc3\x28", 2, 0, &id), MYWSCLIENT_RESULT_INVALID_UTF8);
  CHECK(id == 0);
  CHECK_OK(mywsclient_start(c));
  REC_EXPECT(r, r->opens == 1);
  for (i = 0; i < n1; i++)
  {
    char msg[32];
    int len = snprintf(msg, sizeof msg, "m%d", i);
    CHECK_OK(
        mywsclient_send_ex(c, (const uint8_t *)msg, (size_t)len, i % 2 ? (uint32_t)MYWSCLIENT_SEND_BINARY : 0u, &id));
    CHECK(id == prev + 1);
    prev = id;
  }
  REC_EXPECT(r, r->nreceipts == (size_t)n1);
  check_receipts(r, (uint64_t)n1);
  /* A cut in the middle of a second burst. */
  for (i = 0; i < n2; i++)
  {
    CHECK_OK(mywsclient_send_ex(c, (const uint8_t *)"after", 5, 0, &id));
    if (i == n2 / 2)
      control_command(&s, "kill");
  }
  REC_EXPECT(r, r->nreceipts == (size_t)(n1 + n2));
  check_receipts(r, (uint64_t)(n1 + n2));
  /* A server that reads nothing holds the rest; stop with discard. */
  control_command(&s, "pause");
  for (i = 0; i < 600; i++)
  {
    static uint8_t chunk[16 << 10];
    CHECK_OK(mywsclient_send_ex(c, chunk, sizeof chunk, MYWSCLIENT_SEND_BINARY, &id));
  }
  CHECK_OK(mywsclient_close(c, 1000, NULL, MYWSCLIENT_CLOSE_DISCARD));
  REC_EXPECT(r, r->stops == 1);
  check_receipts(r, id);
  pthread_mutex_lock(&r->mu);
  {
    size_t k, discarded = 0;
    for (k = 0; k < r->nreceipts; k++)
    {
      if (r->receipts[k].type == MYWSCLIENT_EVENT_TYPE_DISCARDED)
      {
        CHECK(r->receipts[k].reason == MYWSCLIENT_DISCARD_REASON_STOPPED);
        discarded++;
      }
      else
      {
        CHECK(discarded == 0); /* every WRITTEN comes before the discarded tail */
      }
    }
    t_log("of %llu messages, %zu discarded at stop", (unsigned long long)id, discarded);
    CHECK(discarded > 0); /* 9.6 MB cannot all fit the socket buffers of a paused server */
    memset(&st, 0, sizeof st);
    CHECK_OK(mywsclient_get_stats2(c, &st, sizeof st));
    CHECK(st.receipts_written + st.receipts_discarded == id);
    CHECK(st.receipts_discarded == discarded && st.messages_discarded >= discarded);
    CHECK(st.queued_messages == 0);
  }
  pthread_mutex_unlock(&r->mu);
  mywsclient_free(c);
  dl_destroy(r);
  free(r);
  control_server_stop(&s);
}

static void test_watermarks(void)
{
  control_server s;
  dl_rec r;
  mywsclient *c;
  char url[64];
  static uint8_t chunk[64 << 10];
  int i;
  t_log("watermarks: a server that stops reading, then reads again");
  control_server_start(&s, "--paused", "--recv-buffer", "16384", NULL);
  control_url(&s, url, sizeof url);
  dl_init(&r);
  r.wm_high = 1 << 20;
  r.wm_low = 256 << 10;
  c = dl_client(url, &r);
  /* The paused server answers no ping: with the heartbeat on, a slow run
   * (sanitizers, a loaded machine) could declare the connection dead before
   * the resume, and the new connection would start paused again. */
  CHECK_OK(mywsclient_set_heartbeat(c, 0, 0));
  CHECK_RES(mywsclient_set_queue_watermarks(c, 1000, 1000), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_OK(mywsclient_set_queue_watermarks(c, 1 << 20, 256 << 10));
  CHECK_OK(mywsclient_start(c));
  REC_EXPECT(&r, r.opens == 1);
  /* 16 MiB to a server that reads nothing: the kernel (at most 4 MiB of send
   * buffer with Linux's defaults) takes part of it, the rest stays queued.
   * While the socket buffer grows, the queue may rise past the high mark
   * and drain again; in the end it stays high. */
  for (i = 0; i < 256; i++)
    CHECK_OK(mywsclient_send_binary(c, chunk, sizeof chunk));
  REC_EXPECT(&r, r.highs >= 1 && r.highs == r.drains + 1);
  control_command(&s, "resume");
  REC_EXPECT(&r, r.highs == r.drains && r.drains >= 1);
  pthread_mutex_lock(&r.mu);
  t_log("%d high / drained pairs", r.highs);
  CHECK(r.bad == 0); /* every HIGH at >= 1 MiB, every DRAINED at <= 256 KiB, alternating */
  pthread_mutex_unlock(&r.mu);
  mywsclient_free(c);
  dl_destroy(&r);
  control_server_stop(&s);
}

static void test_drop_oldest(void)
{
  control_server s;
  dl_rec r;
  mywsclient *c;
  char url[64];
  uint64_t id = 0;
  int i;
  t_log("overflow: drop the oldest");
  control_server_start(&s, "--echo", NULL, NULL, NULL);
  control_url(&s, url, sizeof url);
  dl_init(&r);
  c = dl_client(url, &r);
  CHECK_RES(mywsclient_set_overflow_policy(c, 2), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_OK(mywsclient_set_overflow_policy(c, MYWSCLIENT_OVERFLOW_POLICY_DROP_OLDEST));
  CHECK_OK(mywsclient_set_queue_limits(c, 1 << 20, 10));
  /* Not started: everything stays queued; the 5 oldest make room. */
  for (i = 0; i < 15; i++)
    CHECK_OK(mywsclient_send_ex(c, (const uint8_t *)"m", 1, 0, &id));
  CHECK(id == 15);
  CHECK_OK(mywsclient_start(c));
  REC_EXPECT(&r, r.nreceipts == 15);
  check_receipts(&r, 15);
  for (i = 0; i < 15; i++)
  {
    CHECK(r.receipts[i].type == (i < 5 ? MYWSCLIENT_EVENT_TYPE_DISCARDED : MYWSCLIENT_EVENT_TYPE_WRITTEN));
    if (i < 5)
      CHECK(r.receipts[i].reason == MYWSCLIENT_DISCARD_REASON_OVERFLOW);
  }
  {
    /* A message larger than the whole queue is still refused. */
    static uint8_t huge[(1 << 20) + 1];
    CHECK_RES(mywsclient_send_ex(c, huge, sizeof huge, MYWSCLIENT_SEND_BINARY, &id), MYWSCLIENT_RESULT_QUEUE_FULL);
    CHECK(id == 15);
  }
  mywsclient_free(c);
  dl_destroy(&r);
  control_server_stop(&s);
}

int main(void)
{
  signal(SIGPIPE, SIG_IGN);
  test_ping_rtt();
  test_close_code_and_reason();
  test_receipts_burst_cut_stop();
  test_watermarks();
  test_drop_oldest();
  t_log("all delivery tests passed");
  return 0;
}
