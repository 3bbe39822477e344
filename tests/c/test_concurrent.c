/*
 * 16 threads send concurrently through one client while others read its
 * state and stats: every message arrives exactly once, and each thread's
 * messages arrive in the order that thread sent them.
 */
#include "test_util.h"

#define THREADS 16
#define PER_THREAD 200

typedef struct order
{
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int next[THREADS]; /* next expected sequence number per thread */
  int total;
  int bad;
} order;

static mywsclient *g_client;
static order g_order;

static void on_message(void *ud, const uint8_t *data, size_t len, bool binary)
{
  order *o = (order *)ud;
  char buf[32];
  int t = -1, seq = -1;
  if (len >= sizeof buf)
    len = sizeof buf - 1;
  memcpy(buf, data, len);
  buf[len] = 0;
  pthread_mutex_lock(&o->mu);
  if (sscanf(buf, "t%d:%d", &t, &seq) != 2 || t < 0 || t >= THREADS || binary != (t % 2 == 1))
  {
    o->bad++;
  }
  else if (seq != o->next[t])
  {
    fprintf(stderr, "thread %d: got %d, expected %d\n", t, seq, o->next[t]);
    o->bad++;
    o->next[t] = seq + 1;
  }
  else
  {
    o->next[t]++;
  }
  o->total++;
  pthread_cond_broadcast(&o->cv);
  pthread_mutex_unlock(&o->mu);
}

static void *sender(void *arg)
{
  int t = (int)(intptr_t)arg;
  int i;
  for (i = 0; i < PER_THREAD; i++)
  {
    char m[32];
    int n = snprintf(m, sizeof m, "t%d:%d", t, i);
    /* Odd threads send binary, even threads text. */
    if (t % 2)
    {
      CHECK_OK(mywsclient_send_binary(g_client, (const uint8_t *)m, (size_t)n));
    }
    else
    {
      CHECK_OK(mywsclient_send(g_client, m, (size_t)n));
    }
  }
  return NULL;
}

static void *reader(void *arg)
{
  int i;
  (void)arg;
  for (i = 0; i < 2000; i++)
  {
    mywsclient_stats st;
    uint32_t s = mywsclient_state(g_client);
    CHECK(s <= MYWSCLIENT_STATE_STOPPED);
    CHECK_OK(mywsclient_get_stats(g_client, &st));
    CHECK(st.messages_sent <= (uint64_t)THREADS * PER_THREAD);
  }
  return NULL;
}

int main(void)
{
  echo_server s;
  recorder r;
  char url[128];
  pthread_t th[THREADS + 2];
  int i, ok;
  mywsclient_stats st;

  echo_server_start(&s, 0);
  echo_url(&s, url, sizeof url);
  rec_init(&r);
  memset(&g_order, 0, sizeof g_order);
  pthread_mutex_init(&g_order.mu, NULL);
  pthread_cond_init(&g_order.cv, NULL);
  g_client = mywsclient_new(url, 0, NULL, on_message, &g_order);
  CHECK(g_client != NULL);
  CHECK_OK(mywsclient_set_event_callback(g_client, rec_on_event, &r));
  CHECK_OK(mywsclient_start(g_client));
  for (i = 0; i < THREADS; i++)
    CHECK(pthread_create(&th[i], NULL, sender, (void *)(intptr_t)i) == 0);
  for (i = THREADS; i < THREADS + 2; i++)
    CHECK(pthread_create(&th[i], NULL, reader, NULL) == 0);
  for (i = 0; i < THREADS + 2; i++)
    CHECK(pthread_join(th[i], NULL) == 0);

  {
    struct timespec dl = t_deadline(T_TIMEOUT_MS);
    int rc = 0;
    pthread_mutex_lock(&g_order.mu);
    while (g_order.total < THREADS * PER_THREAD && rc != ETIMEDOUT)
      rc = pthread_cond_timedwait(&g_order.cv, &g_order.mu, &dl);
    ok = g_order.total == THREADS * PER_THREAD && g_order.bad == 0;
    for (i = 0; i < THREADS; i++)
      ok = ok && g_order.next[i] == PER_THREAD;
    t_log("received %d of %d, %d out of order or malformed", g_order.total, THREADS * PER_THREAD, g_order.bad);
    pthread_mutex_unlock(&g_order.mu);
  }
  CHECK(ok);
  CHECK_OK(mywsclient_get_stats(g_client, &st));
  CHECK(st.messages_sent == THREADS * PER_THREAD && st.messages_received == THREADS * PER_THREAD);
  CHECK(st.connections == 1);
  mywsclient_free(g_client);
  CHECK(rec_events(&r, MYWSCLIENT_EVENT_TYPE_ERROR) == 0);
  rec_destroy(&r);
  pthread_mutex_destroy(&g_order.mu);
  pthread_cond_destroy(&g_order.cv);
  echo_server_stop(&s);
  t_log("ok");
  return 0;
}
