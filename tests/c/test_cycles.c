/*
 * 1,000 cycles of new / start / stop / free against a live server, in four
 * variants (stop while connecting, stop when open, free without stop, free
 * right after start). Under LeakSanitizer any leak per cycle shows; the
 * number of open file descriptors must not grow either.
 */
#include "test_util.h"

#include <dirent.h>

#define CYCLES 1000

static int open_fds(void)
{
  int n = 0;
  struct dirent *e;
  DIR *d = opendir("/proc/self/fd");
  if (d == NULL)
    return -1;
  while ((e = readdir(d)) != NULL)
  {
    if (e->d_name[0] != '.')
      n++;
  }
  closedir(d);
  return n;
}

static void cycle(const char *url, int i)
{
  recorder r;
  mywsclient *c;
  rec_init(&r);
  c = t_client(url, &r);
  CHECK_OK(mywsclient_set_log_level(c, MYWSCLIENT_LOG_LEVEL_ERROR));
  switch (i % 4)
  {
  case 0: /* stop at once, usually while connecting */
    CHECK_OK(mywsclient_start(c));
    CHECK_OK(mywsclient_stop(c));
    CHECK(mywsclient_state(c) == MYWSCLIENT_STATE_STOPPED);
    break;
  case 1: /* stop when open: close handshake */
    CHECK_OK(mywsclient_start(c));
    REC_EXPECT(&r, r.events[MYWSCLIENT_EVENT_TYPE_OPEN] == 1);
    CHECK_OK(mywsclient_stop(c));
    CHECK(rec_events(&r, MYWSCLIENT_EVENT_TYPE_STOPPED) == 1);
    break;
  case 2: /* a round trip, then free without stop */
    CHECK_OK(mywsclient_send(c, "cycle", 5));
    CHECK_OK(mywsclient_start(c));
    REC_EXPECT(&r, r.nmsgs == 1);
    break;
  default: /* free right after start */
    CHECK_OK(mywsclient_start(c));
    break;
  }
  mywsclient_free(c);
  rec_destroy(&r);
}

int main(void)
{
  echo_server s;
  char url[128];
  int i, before, after;
  long long t0;
  echo_server_start(&s, 0);
  echo_url(&s, url, sizeof url);
  /* Warm up (lazily created process-wide state), then count fds. */
  for (i = 0; i < 4; i++)
    cycle(url, i);
  before = open_fds();
  t0 = t_now_ms();
  for (i = 0; i < CYCLES; i++)
  {
    cycle(url, i);
    if ((i + 1) % 250 == 0)
      t_log("%d cycles, %lld ms", i + 1, t_now_ms() - t0);
  }
  after = open_fds();
  t_log("open fds before %d, after %d", before, after);
  CHECK(before == after);
  echo_server_stop(&s);
  t_log("ok");
  return 0;
}
