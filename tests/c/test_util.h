/*
 * Helpers for the C tests of the mywsclient C API: checks, a local echo
 * server process, and a recorder that the callbacks fill and the test
 * waits on. C99 and C++17 clean (the tests are also compiled as C++).
 */
#ifndef MYWSCLIENT_TEST_UTIL_H
#define MYWSCLIENT_TEST_UTIL_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mywsclient/mywsclient.h"

#ifndef MYWSCLIENT_ECHO_SERVER_PATH
#error "MYWSCLIENT_ECHO_SERVER_PATH must name the mywsclient-echo-server binary"
#endif

/* Generous anti-hang timeout for every wait, in milliseconds. */
#define T_TIMEOUT_MS 20000

/* ---------------------------------------------------------------- checks */

#define CHECK(cond)                                                                                                    \
  do                                                                                                                   \
  {                                                                                                                    \
    if (!(cond))                                                                                                       \
    {                                                                                                                  \
      fprintf(stderr, "%s:%d: CHECK failed: %s (last error: \"%s\")\n", __FILE__, __LINE__, #cond,                     \
              mywsclient_last_error());                                                                                \
      exit(1);                                                                                                         \
    }                                                                                                                  \
  } while (0)

/* Checks that a call returns the expected mywsclient_result. */
#define CHECK_RES(expr, want)                                                                                          \
  do                                                                                                                   \
  {                                                                                                                    \
    int got_ = (int)(expr);                                                                                            \
    int want_ = (int)(want);                                                                                           \
    if (got_ != want_)                                                                                                 \
    {                                                                                                                  \
      fprintf(stderr, "%s:%d: %s returned %d (%s), expected %d (%s); last error: \"%s\"\n", __FILE__, __LINE__, #expr, \
              got_, mywsclient_result_str(got_), want_, mywsclient_result_str(want_), mywsclient_last_error());        \
      exit(1);                                                                                                         \
    }                                                                                                                  \
  } while (0)

#define CHECK_OK(expr) CHECK_RES(expr, MYWSCLIENT_RESULT_OK)

static inline void t_log(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "[test] ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
}

/* ---------------------------------------------------------------- time */

static inline long long t_now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Absolute CLOCK_REALTIME deadline `ms` from now, for pthread_cond_timedwait. */
static inline struct timespec t_deadline(long ms)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += ms / 1000;
  ts.tv_nsec += (ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L)
  {
    ts.tv_sec += 1;
    ts.tv_nsec -= 1000000000L;
  }
  return ts;
}

/* ---------------------------------------------------------------- echo server */

typedef struct echo_server
{
  pid_t pid;
  int stdin_fd; /* closing it makes the server exit */
  int stdout_fd;
  int port;
} echo_server;

static inline void t_cloexec(int fd)
{
  int flags = fcntl(fd, F_GETFD);
  CHECK(flags >= 0 && fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == 0);
}

/* Starts the echo server on 127.0.0.1:`port` (0: any free port) and reads
 * its "LISTENING <port>" line. Returns 0, or -1 when it did not come up
 * (e.g. the port is not free yet). */
static inline int echo_server_try_start(echo_server *s, int port)
{
  int in[2], out[2];
  char addr[64];
  char line[128];
  size_t used = 0;
  long long deadline = t_now_ms() + T_TIMEOUT_MS;
  CHECK(pipe(in) == 0 && pipe(out) == 0);
  t_cloexec(in[0]);
  t_cloexec(in[1]);
  t_cloexec(out[0]);
  t_cloexec(out[1]);
  snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
  s->pid = fork();
  CHECK(s->pid >= 0);
  if (s->pid == 0)
  {
    /* Child: stdin and stdout are the pipes (dup2 clears FD_CLOEXEC). */
    if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
      _exit(126);
    execl(MYWSCLIENT_ECHO_SERVER_PATH, MYWSCLIENT_ECHO_SERVER_PATH, "--addr", addr, (char *)NULL);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  s->stdin_fd = in[1];
  s->stdout_fd = out[0];
  s->port = 0;
  memset(line, 0, sizeof line);
  while (used < sizeof line - 1 && strchr(line, '\n') == NULL)
  {
    struct pollfd p;
    long long left = deadline - t_now_ms();
    ssize_t n;
    if (left <= 0)
      break;
    p.fd = s->stdout_fd;
    p.events = POLLIN;
    p.revents = 0;
    if (poll(&p, 1, (int)left) <= 0)
      continue;
    n = read(s->stdout_fd, line + used, sizeof line - 1 - used);
    if (n <= 0)
      break;
    used += (size_t)n;
  }
  if (sscanf(line, "LISTENING %d", &s->port) != 1 || s->port <= 0)
  {
    int status;
    close(s->stdin_fd);
    close(s->stdout_fd);
    kill(s->pid, SIGKILL);
    waitpid(s->pid, &status, 0);
    s->pid = -1;
    return -1;
  }
  return 0;
}

static inline void echo_server_start(echo_server *s, int port)
{
  int tries;
  /* A fixed port (a restart) may still be held for a moment by the old
   * process: retry a bounded number of times. */
  for (tries = 0; tries < 50; tries++)
  {
    if (echo_server_try_start(s, port) == 0)
      return;
    if (port == 0)
      break;
    {
      struct timespec ts = {0, 100 * 1000000L};
      nanosleep(&ts, NULL);
    }
  }
  fprintf(stderr, "cannot start %s on port %d\n", MYWSCLIENT_ECHO_SERVER_PATH, port);
  exit(1);
}

/* Stops the server: EOF on its stdin, then waits for it to exit (SIGKILL
 * after the anti-hang timeout). */
static inline void echo_server_stop(echo_server *s)
{
  long long deadline = t_now_ms() + T_TIMEOUT_MS;
  int status = 0;
  if (s->pid <= 0)
    return;
  close(s->stdin_fd);
  for (;;)
  {
    pid_t r = waitpid(s->pid, &status, WNOHANG);
    if (r == s->pid || (r < 0 && errno != EINTR))
      break;
    if (t_now_ms() > deadline)
    {
      fprintf(stderr, "echo server %d did not exit on stdin EOF: killing it\n", (int)s->pid);
      kill(s->pid, SIGKILL);
      waitpid(s->pid, &status, 0);
      break;
    }
    {
      struct timespec ts = {0, 5 * 1000000L};
      nanosleep(&ts, NULL);
    }
  }
  close(s->stdout_fd);
  s->pid = -1;
}

static inline void echo_url(const echo_server *s, char *buf, size_t len)
{
  snprintf(buf, len, "ws://127.0.0.1:%d/", s->port);
}

/* ---------------------------------------------------------------- recorder */

typedef struct rec_msg
{
  unsigned char *data;
  size_t len;
  bool binary;
} rec_msg;

/* What the callbacks saw, guarded by `mu`; `cv` is signalled on each change. */
typedef struct recorder
{
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int events[16]; /* count per mywsclient_event_type */
  uint32_t last_error_kind;
  uint16_t last_close_code;
  uint32_t last_close_initiator;
  char last_text[256];
  rec_msg *msgs;
  size_t nmsgs, cap;
  int after_free_calls; /* callbacks seen after a free from a callback */
  int freed;
} recorder;

static inline void rec_init(recorder *r)
{
  memset(r, 0, sizeof *r);
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cv, NULL);
}

static inline void rec_destroy(recorder *r)
{
  size_t i;
  for (i = 0; i < r->nmsgs; i++)
    free(r->msgs[i].data);
  free(r->msgs);
  pthread_mutex_destroy(&r->mu);
  pthread_cond_destroy(&r->cv);
}

/* Caller holds r->mu. */
static inline void rec_push_locked(recorder *r, const uint8_t *data, size_t len, bool binary)
{
  if (r->nmsgs == r->cap)
  {
    size_t cap = r->cap ? r->cap * 2 : 64;
    rec_msg *m = (rec_msg *)realloc(r->msgs, cap * sizeof *m);
    CHECK(m != NULL);
    r->msgs = m;
    r->cap = cap;
  }
  r->msgs[r->nmsgs].data = (unsigned char *)malloc(len ? len : 1);
  CHECK(r->msgs[r->nmsgs].data != NULL);
  if (len)
    memcpy(r->msgs[r->nmsgs].data, data, len);
  r->msgs[r->nmsgs].len = len;
  r->msgs[r->nmsgs].binary = binary;
  r->nmsgs++;
}

static inline void rec_on_message(void *ud, const uint8_t *data, size_t len, bool binary)
{
  recorder *r = (recorder *)ud;
  CHECK(data != NULL);
  pthread_mutex_lock(&r->mu);
  if (r->freed)
    r->after_free_calls++;
  rec_push_locked(r, data, len, binary);
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

static inline void rec_on_event(void *ud, const mywsclient_event *ev)
{
  recorder *r = (recorder *)ud;
  CHECK(ev != NULL && ev->text != NULL);
  CHECK(ev->type >= 1 && ev->type < 16);
  pthread_mutex_lock(&r->mu);
  if (r->freed)
    r->after_free_calls++;
  r->events[ev->type]++;
  if (ev->type == MYWSCLIENT_EVENT_TYPE_ERROR)
    r->last_error_kind = ev->error_kind;
  if (ev->type == MYWSCLIENT_EVENT_TYPE_CLOSED)
  {
    r->last_close_code = ev->close_code;
    r->last_close_initiator = ev->close_initiator;
  }
  snprintf(r->last_text, sizeof r->last_text, "%s", ev->text);
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

/* Waits until `cond` (an expression over `r`, evaluated with r->mu held)
 * is true, for at most `ms` milliseconds; sets `result` to 1 when it became
 * true, 0 on timeout. */
#define REC_WAIT_LOOP(r, cond, ms, result)                                                                             \
  do                                                                                                                   \
  {                                                                                                                    \
    struct timespec dl_ = t_deadline(ms);                                                                              \
    int rc_ = 0;                                                                                                       \
    pthread_mutex_lock(&(r)->mu);                                                                                      \
    while (!(cond) && rc_ != ETIMEDOUT)                                                                                \
      rc_ = pthread_cond_timedwait(&(r)->cv, &(r)->mu, &dl_);                                                          \
    (result) = (cond) ? 1 : 0;                                                                                         \
    pthread_mutex_unlock(&(r)->mu);                                                                                    \
  } while (0)

/* Waits (anti-hang timeout) for `cond`, failing the test if it never holds. */
#define REC_EXPECT(r, cond)                                                                                            \
  do                                                                                                                   \
  {                                                                                                                    \
    int ok_;                                                                                                           \
    REC_WAIT_LOOP(r, cond, T_TIMEOUT_MS, ok_);                                                                         \
    if (!ok_)                                                                                                          \
    {                                                                                                                  \
      fprintf(stderr, "%s:%d: timed out waiting for %s\n", __FILE__, __LINE__, #cond);                                 \
      exit(1);                                                                                                         \
    }                                                                                                                  \
  } while (0)

static inline int rec_events(recorder *r, int type)
{
  int n;
  pthread_mutex_lock(&r->mu);
  n = r->events[type];
  pthread_mutex_unlock(&r->mu);
  return n;
}

static inline size_t rec_nmsgs(recorder *r)
{
  size_t n;
  pthread_mutex_lock(&r->mu);
  n = r->nmsgs;
  pthread_mutex_unlock(&r->mu);
  return n;
}

/* A client for `url` with the recorder as message and event callback, and
 * quick reconnects. */
static inline mywsclient *t_client(const char *url, recorder *r)
{
  mywsclient *c = mywsclient_new(url, 0, NULL, rec_on_message, r);
  CHECK(c != NULL);
  CHECK_OK(mywsclient_set_event_callback(c, rec_on_event, r));
  CHECK_OK(mywsclient_set_backoff(c, 20, 200, 2.0, 0.5));
  return c;
}

#endif /* MYWSCLIENT_TEST_UTIL_H */
