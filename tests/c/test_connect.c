/*
 * How a client connects (issue 10), from C: the Origin header (none by
 * default, mywsclient_set_origin() sets it), proxy settings (an unreachable
 * proxy is a MYWSCLIENT_ERROR_KIND_PROXY error; the no-proxy list bypasses
 * it), resolve overrides, and the setters' argument checks. The server is a
 * thread here that records each upgrade request and answers 403.
 */
#include "test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

typedef struct recorder_server
{
  int fd;
  int port;
  int stop; /* guarded by mu */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  char last[4096];
  int count;
  pthread_t thread;
} recorder_server;

static int stopping(recorder_server *s)
{
  int stop;
  pthread_mutex_lock(&s->mu);
  stop = s->stop;
  pthread_mutex_unlock(&s->mu);
  return stop;
}

static void *serve(void *arg)
{
  recorder_server *s = (recorder_server *)arg;
  while (!stopping(s))
  {
    struct pollfd p;
    int c, i;
    char req[4096];
    size_t len = 0;
    static const char reply[] = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
    p.fd = s->fd;
    p.events = POLLIN;
    p.revents = 0;
    if (poll(&p, 1, 50) <= 0)
      continue;
    c = accept(s->fd, NULL, NULL);
    if (c < 0)
      continue;
    req[0] = '\0';
    for (i = 0; i < 100 && !strstr(req, "\r\n\r\n") && len + 1 < sizeof req; i++)
    {
      struct pollfd q;
      ssize_t n;
      q.fd = c;
      q.events = POLLIN;
      q.revents = 0;
      if (poll(&q, 1, 100) <= 0)
        continue;
      n = read(c, req + len, sizeof req - 1 - len);
      if (n <= 0)
        break;
      len += (size_t)n;
      req[len] = '\0';
    }
    if (write(c, reply, sizeof reply - 1) < 0)
      t_log("write failed");
    close(c);
    pthread_mutex_lock(&s->mu);
    memcpy(s->last, req, len + 1);
    s->count++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
  }
  return NULL;
}

static void server_start(recorder_server *s)
{
  struct sockaddr_in a;
  socklen_t alen = sizeof a;
  memset(s, 0, sizeof *s);
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv, NULL);
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(s->fd >= 0);
  t_cloexec(s->fd);
  CHECK(bind(s->fd, (struct sockaddr *)&a, sizeof a) == 0);
  CHECK(listen(s->fd, 16) == 0);
  CHECK(getsockname(s->fd, (struct sockaddr *)&a, &alen) == 0);
  s->port = ntohs(a.sin_port);
  CHECK(pthread_create(&s->thread, NULL, serve, s) == 0);
}

static void server_stop(recorder_server *s)
{
  pthread_mutex_lock(&s->mu);
  s->stop = 1;
  pthread_mutex_unlock(&s->mu);
  pthread_join(s->thread, NULL);
  close(s->fd);
  pthread_mutex_destroy(&s->mu);
  pthread_cond_destroy(&s->cv);
}

/* Starts `c`, waits for the server's next request, copies it to `out`, stops `c`. */
static void one_request(recorder_server *s, mywsclient *c, char *out, size_t len)
{
  struct timespec until = t_deadline(T_TIMEOUT_MS);
  int before;
  pthread_mutex_lock(&s->mu);
  before = s->count;
  pthread_mutex_unlock(&s->mu);
  CHECK_RES(mywsclient_start(c), MYWSCLIENT_RESULT_OK);
  pthread_mutex_lock(&s->mu);
  while (s->count == before)
    CHECK(pthread_cond_timedwait(&s->cv, &s->mu, &until) == 0);
  snprintf(out, len, "%s", s->last);
  pthread_mutex_unlock(&s->mu);
  CHECK_RES(mywsclient_stop(c), MYWSCLIENT_RESULT_OK);
}

static void origin(void)
{
  recorder_server s;
  char url[64], req[4096];
  mywsclient *c;
  t_log("Origin: none by default, set by mywsclient_set_origin");
  server_start(&s);
  snprintf(url, sizeof url, "ws://127.0.0.1:%d/", s.port);
  c = mywsclient_new(url, 0, NULL, NULL, NULL);
  CHECK(c != NULL);
  one_request(&s, c, req, sizeof req);
  CHECK(strstr(req, "GET / HTTP/1.1\r\n") != NULL);
  CHECK(strstr(req, "Origin:") == NULL);
  CHECK_RES(mywsclient_set_origin(c, "https://app.example"), MYWSCLIENT_RESULT_OK);
  one_request(&s, c, req, sizeof req);
  CHECK(strstr(req, "\r\nOrigin: https://app.example\r\n") != NULL);
  CHECK_RES(mywsclient_set_origin(c, NULL), MYWSCLIENT_RESULT_OK);
  one_request(&s, c, req, sizeof req);
  CHECK(strstr(req, "Origin:") == NULL);
  CHECK_RES(mywsclient_set_origin(c, "a\r\nX-Injected: 1"), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  mywsclient_free(c);
  server_stop(&s);
}

static void proxy_and_resolve(void)
{
  echo_server e;
  recorder r;
  char url[64];
  mywsclient *c;
  t_log("proxy error kind, no-proxy bypass, resolve override");
  echo_server_start(&e, 0);
  rec_init(&r);
  /* A name only the override knows. */
  snprintf(url, sizeof url, "ws://echo.invalid:%d/", e.port);
  c = t_client(url, &r);
  CHECK_RES(mywsclient_set_proxy(c, "ftp://x"), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_set_proxy(c, "http://127.0.0.1:1"), MYWSCLIENT_RESULT_OK);
  CHECK_RES(mywsclient_add_resolve(c, "no port"), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_add_resolve(c, NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  {
    char entry[64];
    snprintf(entry, sizeof entry, "echo.invalid:%d:127.0.0.1", e.port);
    CHECK_RES(mywsclient_add_resolve(c, entry), MYWSCLIENT_RESULT_OK);
  }
  CHECK_RES(mywsclient_start(c), MYWSCLIENT_RESULT_OK);
  {
    struct timespec until = t_deadline(T_TIMEOUT_MS);
    pthread_mutex_lock(&r.mu);
    while (r.events[MYWSCLIENT_EVENT_TYPE_ERROR] == 0)
      CHECK(pthread_cond_timedwait(&r.cv, &r.mu, &until) == 0);
    CHECK(r.last_error_kind == MYWSCLIENT_ERROR_KIND_PROXY);
    pthread_mutex_unlock(&r.mu);
  }
  CHECK_RES(mywsclient_stop(c), MYWSCLIENT_RESULT_OK);
  CHECK_RES(mywsclient_set_no_proxy(c, "localhost, .invalid"), MYWSCLIENT_RESULT_OK);
  CHECK_RES(mywsclient_start(c), MYWSCLIENT_RESULT_OK);
  {
    struct timespec until = t_deadline(T_TIMEOUT_MS);
    pthread_mutex_lock(&r.mu);
    while (r.events[MYWSCLIENT_EVENT_TYPE_OPEN] == 0)
      CHECK(pthread_cond_timedwait(&r.cv, &r.mu, &until) == 0);
    pthread_mutex_unlock(&r.mu);
  }
  CHECK_RES(mywsclient_stop(c), MYWSCLIENT_RESULT_OK);
  CHECK_RES(mywsclient_set_proxy(c, ""), MYWSCLIENT_RESULT_OK);
  CHECK_RES(mywsclient_set_proxy(c, NULL), MYWSCLIENT_RESULT_OK);
  CHECK_RES(mywsclient_set_no_proxy(c, NULL), MYWSCLIENT_RESULT_OK);
  CHECK_RES(mywsclient_clear_resolve(c), MYWSCLIENT_RESULT_OK);
  CHECK_RES(mywsclient_set_proxy(NULL, NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_no_proxy(NULL, NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_origin(NULL, NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_clear_resolve(NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK(strcmp(mywsclient_error_kind_str(MYWSCLIENT_ERROR_KIND_PROXY), "proxy error") == 0);
  mywsclient_free(c);
  rec_destroy(&r);
  echo_server_stop(&e);
}

int main(void)
{
  signal(SIGPIPE, SIG_IGN);
  origin();
  proxy_and_resolve();
  t_log("all passed");
  return 0;
}
