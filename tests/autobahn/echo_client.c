/* Autobahn|Testsuite echo client on the mywsclient C ABI.
 *
 * Usage: echo_client PORT [AGENT [FIRST [LAST]]]
 *
 * Talks to the fuzzingserver (wstest -m fuzzingserver) on ws://127.0.0.1:PORT:
 *   1. /getCaseCount            - the server sends the case count as a text message, then closes;
 *   2. /getCaseInfo?case=N      - the case's id ("13.2.1"), to choose its compression mode;
 *      /runCase?case=N&agent=A  - for N in FIRST..LAST (default 1..count): one connection per
 *                                 case, every text and binary message echoed back with its kind
 *                                 from inside the message callback, until the client stops;
 *   3. /updateReports?agent=A   - the server writes OUTDIR/index.json, then closes.
 * Each connection uses its own client: reconnect off, heartbeat off, a 64 MiB message limit,
 * permessage-deflate offered (the server accepts it only in cases 12.* and 13.*): with context
 * takeover, except in the 13.* cases whose server accepts only a client that offers
 * client_no_context_takeover (13.2, 13.5, 13.6) and 13.7 (whose first choice needs it), which
 * run with MYWSCLIENT_COMPRESSION_NO_CONTEXT_TAKEOVER. Set AUTOBAHN_COMPRESSION=0 to offer none.
 * Every wait is bounded (CASE_TIMEOUT_S per connection).
 *
 * Exit status: 0 when every connection ran to its end (the verdicts are in the server's
 * report), 1 when a connection timed out or a library call failed, 2 on a usage error.
 * Set AUTOBAHN_VERBOSE=1 to see every event and the library's log on stderr.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mywsclient/mywsclient.h"

#define CASE_TIMEOUT_S 600 /* above the fuzzingserver's own 480-s limit of the 12.* and 13.* cases */
#define MAX_MESSAGE_BYTES ((size_t)64 << 20)
#define MAX_QUEUE_BYTES ((size_t)256 << 20)
#define MAX_CASES 100000L

static int verbose;

/* One connection: the client, its mode, and what its callbacks saw. */
struct run
{
  pthread_mutex_t mu;
  pthread_cond_t cv;
  mywsclient *client;
  int echo;              /* echo every message back (runCase) */
  int stopped;           /* STOPPED seen */
  int opened;            /* OPEN seen */
  char last_error[256];  /* text of the last ERROR event */
  char first_text[4096]; /* first text message (getCaseCount, getCaseInfo), NUL-terminated */
  int got_text;
  unsigned send_failures;
  mywsclient_result first_send_failure;
  const char *path;
  uint32_t compression; /* MYWSCLIENT_COMPRESSION_* */
};

static int compression_enabled = 1;

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs on the client's I/O thread; the data is borrowed for the call only, so the echo
 * (which copies it into the send queue) happens here. */
static void on_message(void *user_data, const uint8_t *data, size_t len, bool is_binary)
{
  struct run *r = user_data;
  if (r->echo)
  {
    mywsclient_result res =
        is_binary ? mywsclient_send_binary(r->client, data, len) : mywsclient_send(r->client, (const char *)data, len);
    if (res != MYWSCLIENT_RESULT_OK)
    {
      pthread_mutex_lock(&r->mu);
      if (r->send_failures++ == 0)
        r->first_send_failure = res;
      pthread_mutex_unlock(&r->mu);
      if (verbose)
        fprintf(stderr, "%s: echo of %zu bytes failed: %s (%s)\n", r->path, len, mywsclient_result_str((int32_t)res),
                mywsclient_last_error());
    }
    return;
  }
  pthread_mutex_lock(&r->mu);
  if (!r->got_text && !is_binary)
  {
    size_t n = len < sizeof r->first_text - 1 ? len : sizeof r->first_text - 1;
    memcpy(r->first_text, data, n);
    r->first_text[n] = '\0';
    r->got_text = 1;
  }
  pthread_mutex_unlock(&r->mu);
}

static void on_event(void *user_data, const mywsclient_event *ev)
{
  struct run *r = user_data;
  if (verbose)
  {
    switch (ev->type)
    {
    case MYWSCLIENT_EVENT_TYPE_CLOSED:
      fprintf(stderr, "%s: closed %u (initiator %u) %s\n", r->path, (unsigned)ev->close_code,
              (unsigned)ev->close_initiator, ev->text);
      break;
    case MYWSCLIENT_EVENT_TYPE_ERROR:
      fprintf(stderr, "%s: error %s: %s\n", r->path, mywsclient_error_kind_str(ev->error_kind), ev->text);
      break;
    default:
      fprintf(stderr, "%s: event %u\n", r->path, (unsigned)ev->type);
    }
  }
  pthread_mutex_lock(&r->mu);
  if (ev->type == MYWSCLIENT_EVENT_TYPE_OPEN)
    r->opened = 1;
  if (ev->type == MYWSCLIENT_EVENT_TYPE_ERROR)
    snprintf(r->last_error, sizeof r->last_error, "%s", ev->text);
  if (ev->type == MYWSCLIENT_EVENT_TYPE_STOPPED)
  {
    r->stopped = 1;
    pthread_cond_signal(&r->cv);
  }
  pthread_mutex_unlock(&r->mu);
}

static int check(mywsclient_result res, const char *what, const char *path)
{
  if (res == MYWSCLIENT_RESULT_OK)
    return 0;
  fprintf(stderr, "echo_client: %s failed for %s: %s (%s)\n", what, path, mywsclient_result_str((int32_t)res),
          mywsclient_last_error());
  return -1;
}

/* Configures the client for one Autobahn connection and starts it. */
static int configure_and_start(mywsclient *c, struct run *r)
{
  const char *path = r->path;
  uint32_t level = verbose ? MYWSCLIENT_LOG_LEVEL_DEBUG : MYWSCLIENT_LOG_LEVEL_OFF;
  if (check(mywsclient_set_event_callback(c, on_event, r), "set_event_callback", path) ||
      check(mywsclient_set_reconnect(c, false, 0), "set_reconnect", path) ||
      check(mywsclient_set_heartbeat(c, 0, 0), "set_heartbeat", path) ||
      check(mywsclient_set_max_message_size(c, MAX_MESSAGE_BYTES), "set_max_message_size", path) ||
      check(mywsclient_set_queue_limits(c, MAX_QUEUE_BYTES, 0), "set_queue_limits", path) ||
      check(mywsclient_set_log_level(c, level), "set_log_level", path) ||
      check(mywsclient_set_compression(c, r->compression, -1, 0), "set_compression", path) ||
      check(mywsclient_start(c), "start", path))
    return -1;
  return 0;
}

/* Waits (bounded) for STOPPED and judges the connection; see run_one. */
static int wait_for_end(mywsclient *c, struct run *r, char *text_out)
{
  struct timespec deadline;
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec += CASE_TIMEOUT_S;
  pthread_mutex_lock(&r->mu);
  int wait_rc = 0;
  while (!r->stopped && wait_rc != ETIMEDOUT)
    wait_rc = pthread_cond_timedwait(&r->cv, &r->mu, &deadline);
  int stopped = r->stopped, opened = r->opened;
  char last_error[sizeof r->last_error];
  memcpy(last_error, r->last_error, sizeof last_error);
  unsigned failures = r->send_failures;
  mywsclient_result first_failure = r->first_send_failure;
  if (text_out)
  {
    memcpy(text_out, r->first_text, sizeof r->first_text);
    if (!r->got_text)
      text_out[0] = '\0';
  }
  pthread_mutex_unlock(&r->mu);

  if (!stopped)
  {
    fprintf(stderr, "echo_client: %s: no STOPPED event within %d s (state %s); stopping it\n", r->path, CASE_TIMEOUT_S,
            mywsclient_state_str(mywsclient_state(c)));
    return -1;
  }
  if (!opened)
  {
    fprintf(stderr, "echo_client: %s: the connection never opened: %s\n", r->path, last_error);
    return -2;
  }
  if (failures)
  {
    fprintf(stderr, "echo_client: %s: %u echo send(s) failed, the first with %s\n", r->path, failures,
            mywsclient_result_str((int32_t)first_failure));
    return -1;
  }
  return 0;
}

/* One connection to PATH, run until the client stops by itself (reconnect is off) or
 * CASE_TIMEOUT_S passes. Returns 0 on a normal end, -2 if the connection never opened,
 * -1 otherwise. With echo == 0 the first text message is copied to text_out (size >= 4096)
 * when text_out is not NULL. */
static int run_one(int port, const char *path, int echo, char *text_out, uint32_t compression)
{
  struct run r;
  memset(&r, 0, sizeof r);
  r.echo = echo;
  r.path = path;
  r.compression = compression;
  pthread_mutex_init(&r.mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&r.cv, &ca);
  pthread_condattr_destroy(&ca);

  int rc = -1;
  mywsclient *c = mywsclient_new("ws://127.0.0.1", port, path, on_message, &r);
  if (!c)
  {
    fprintf(stderr, "echo_client: mywsclient_new failed for %s: %s\n", path, mywsclient_last_error());
  }
  else
  {
    r.client = c; /* set before start: no callback can run earlier */
    if (configure_and_start(c, &r) == 0)
      rc = wait_for_end(c, &r, text_out);
  }
  mywsclient_free(c); /* stops and joins the I/O thread: no callback runs after this */
  pthread_cond_destroy(&r.cv);
  pthread_mutex_destroy(&r.mu);
  return rc;
}

/* The compression mode for case N, from its id (see the comment at the top). */
static uint32_t case_compression(int port, long n)
{
  if (!compression_enabled)
    return MYWSCLIENT_COMPRESSION_OFF;
  static char info[4096];
  char path[64];
  snprintf(path, sizeof path, "/getCaseInfo?case=%ld", n);
  const char *id = NULL;
  if (run_one(port, path, 0, info, MYWSCLIENT_COMPRESSION_OFF) == 0)
    id = strstr(info, "\"id\": \"");
  if (!id)
  {
    fprintf(stderr, "echo_client: no id for case %ld in %s\n", n, info);
    return MYWSCLIENT_COMPRESSION_CONTEXT_TAKEOVER;
  }
  id += strlen("\"id\": \"");
  static const char *const no_takeover[] = {"13.2.", "13.5.", "13.6.", "13.7."};
  for (size_t i = 0; i < sizeof no_takeover / sizeof no_takeover[0]; i++)
    if (strncmp(id, no_takeover[i], strlen(no_takeover[i])) == 0)
      return MYWSCLIENT_COMPRESSION_NO_CONTEXT_TAKEOVER;
  return MYWSCLIENT_COMPRESSION_CONTEXT_TAKEOVER;
}

static long parse_long(const char *s, long lo, long hi)
{
  char *end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end != '\0' || v < lo || v > hi)
    return -1;
  return v;
}

int main(int argc, char **argv)
{
  if (argc < 2 || argc > 5)
  {
    fprintf(stderr, "usage: %s PORT [AGENT [FIRST [LAST]]]\n", argv[0]);
    return 2;
  }
  long port = parse_long(argv[1], 1, 65535);
  const char *agent = argc > 2 ? argv[2] : "mywsclient";
  if (port < 0 || agent[0] == '\0' ||
      strspn(agent, "abcdefghijklmnopqrstuvwxyz"
                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != strlen(agent))
  {
    fprintf(stderr, "echo_client: bad PORT or AGENT (AGENT: letters, digits, '-', '_', '.')\n");
    return 2;
  }
  const char *v = getenv("AUTOBAHN_VERBOSE");
  verbose = v && v[0] && strcmp(v, "0") != 0;
  printf("echo_client: %s\n", mywsclient_version());

  static char text[4096];
  const char *z = getenv("AUTOBAHN_COMPRESSION");
  compression_enabled = !(z && strcmp(z, "0") == 0);
  if (run_one((int)port, "/getCaseCount", 0, text, MYWSCLIENT_COMPRESSION_OFF) != 0)
    return 1;
  long count = parse_long(text, 1, MAX_CASES);
  if (count < 0)
  {
    fprintf(stderr, "echo_client: /getCaseCount sent %s, not a case count\n", text[0] ? text : "nothing");
    return 1;
  }
  long first = argc > 3 ? parse_long(argv[3], 1, count) : 1;
  long last = argc > 4 ? parse_long(argv[4], 1, count) : count;
  if (first < 0 || last < first)
  {
    fprintf(stderr, "echo_client: FIRST/LAST must satisfy 1 <= FIRST <= LAST <= %ld\n", count);
    return 2;
  }
  printf("echo_client: %ld cases on the server, running %ld..%ld as agent %s\n", count, first, last, agent);
  fflush(stdout);

  int status = 0;
  double t0 = now_s(), slowest = 0;
  long slowest_case = 0;
  char path[256];
  for (long n = first; n <= last; n++)
  {
    snprintf(path, sizeof path, "/runCase?case=%ld&agent=%s", n, agent);
    double t = now_s();
    int rc = run_one((int)port, path, 1, NULL, case_compression((int)port, n));
    t = now_s() - t;
    if (rc != 0)
      status = 1;
    if (rc == -2)
    {
      fprintf(stderr, "echo_client: the server is unreachable: giving up\n");
      return 1;
    }
    if (t > slowest)
    {
      slowest = t;
      slowest_case = n;
    }
    if ((n - first + 1) % 50 == 0 || n == last)
    {
      printf("echo_client: %ld/%ld cases done (%.1f s)\n", n - first + 1, last - first + 1, now_s() - t0);
      fflush(stdout);
    }
  }
  printf("echo_client: slowest case: #%ld (%.2f s)\n", slowest_case, slowest);

  snprintf(path, sizeof path, "/updateReports?agent=%s", agent);
  if (run_one((int)port, path, 0, NULL, MYWSCLIENT_COMPRESSION_OFF) != 0)
    status = 1;
  printf("echo_client: reports updated (%.1f s in all)\n", now_s() - t0);
  return status;
}
