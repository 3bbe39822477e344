/*
 * Long-lived sessions through the C API, against the gate server:
 * - the connect callback supplies the current token at every attempt, and
 *   the client stays up across the server's 4001 "token expired" closes;
 * - a 401 is reported with its status and headers and retried (default
 *   policy), or stops the client (MYWSCLIENT_HTTP_ERROR_POLICY_STOP);
 * - redirect chains are followed when asked, loops are bounded and reported,
 *   a 3xx not followed carries its Location;
 * - mywsclient_set_url() to a second server while connected, then
 *   mywsclient_reconnect(): connected there, nothing sent is lost;
 * - the argument checks of every new function.
 */
#include "gate_util.h"

typedef struct sess
{
  recorder r;
  /* Guarded by r.mu. */
  int http_errors; /* ERROR events with an HTTP status */
  int last_http_status;
  char last_www_auth[256];
  char last_location[256];
  int open_status;  /* http_status of the last OPEN */
  int open_cookies; /* Set-Cookie headers of the last OPEN */
  char open_request_no[32];
  int closes_4001;
  int hook_calls;
  gate_server *token_source; /* the connect callback asks it for the token */
} sess;

static void copy_header(const mywsclient_headers *h, const char *name, char *out, size_t len)
{
  const char *v = mywsclient_headers_get(h, name);
  snprintf(out, len, "%s", v ? v : "");
}

static void sess_on_event(void *ud, const mywsclient_event *ev)
{
  sess *s = (sess *)ud;
  pthread_mutex_lock(&s->r.mu);
  if (ev->type == MYWSCLIENT_EVENT_TYPE_ERROR && ev->http_status != 0)
  {
    CHECK(ev->http_headers != NULL);
    CHECK(ev->error_kind == MYWSCLIENT_ERROR_KIND_HANDSHAKE);
    s->http_errors++;
    s->last_http_status = ev->http_status;
    copy_header(ev->http_headers, "WWW-Authenticate", s->last_www_auth, sizeof s->last_www_auth);
    copy_header(ev->http_headers, "location", s->last_location, sizeof s->last_location);
  }
  if (ev->type == MYWSCLIENT_EVENT_TYPE_OPEN)
  {
    size_t i, n = mywsclient_headers_count(ev->http_headers);
    CHECK(ev->http_headers != NULL);
    s->open_status = ev->http_status;
    s->open_cookies = 0;
    for (i = 0; i < n; i++)
    {
      const char *name = NULL, *value = NULL;
      CHECK_OK(mywsclient_headers_at(ev->http_headers, i, &name, &value));
      CHECK(name != NULL && value != NULL);
      if (strcmp(name, "Set-Cookie") == 0)
        s->open_cookies++;
    }
    CHECK_RES(mywsclient_headers_at(ev->http_headers, n, NULL, NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
    {
      const char *name = NULL, *value = NULL;
      CHECK_RES(mywsclient_headers_at(ev->http_headers, n, &name, &value), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
    }
    copy_header(ev->http_headers, "x-gate-request", s->open_request_no, sizeof s->open_request_no);
  }
  if (ev->type == MYWSCLIENT_EVENT_TYPE_CLOSED && ev->close_code == 4001)
    s->closes_4001++;
  if (ev->type != MYWSCLIENT_EVENT_TYPE_ERROR && ev->type != MYWSCLIENT_EVENT_TYPE_OPEN)
    CHECK(ev->http_status == 0 && ev->http_headers == NULL);
  pthread_mutex_unlock(&s->r.mu);
  rec_on_event(&s->r, ev);
}

static mywsclient *sess_client(const char *url, sess *s)
{
  mywsclient *c;
  memset(s, 0, sizeof *s);
  rec_init(&s->r);
  c = mywsclient_new(url, 0, NULL, rec_on_message, &s->r);
  CHECK(c != NULL);
  CHECK_OK(mywsclient_set_event_callback(c, sess_on_event, s));
  CHECK_OK(mywsclient_set_backoff(c, 20, 200, 2.0, 0.5));
  CHECK_OK(mywsclient_set_log_level(c, MYWSCLIENT_LOG_LEVEL_ERROR));
  return c;
}

static void sess_free(mywsclient *c, sess *s)
{
  mywsclient_free(c);
  rec_destroy(&s->r);
}

/* The connect callback: put the gate's current token in. */
static void token_hook(void *ud, mywsclient_request *req)
{
  sess *s = (sess *)ud;
  char line[128], value[160];
  const char *protos[2] = {"chat", "v2"};
  gate_cmd(s->token_source, "token", line, sizeof line); /* "TOKEN t<n>" */
  CHECK(strncmp(line, "TOKEN ", 6) == 0);
  snprintf(value, sizeof value, "Bearer %s", line + 6);
  CHECK_OK(mywsclient_request_set_header(req, "Authorization", value));
  CHECK_OK(mywsclient_request_set_header(req, "X-Remove-Me", "1"));
  CHECK_OK(mywsclient_request_remove_header(req, "x-remove-me"));
  CHECK_OK(mywsclient_request_set_subprotocols(req, protos, 2));
  /* Refused changes leave the request as it was. */
  CHECK_RES(mywsclient_request_set_header(req, "Host", "evil"), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_request_set_header(req, NULL, "v"), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_request_set_url(req, "ftp://nope"), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_request_set_subprotocols(req, NULL, 1), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK(mywsclient_request_attempt(req) >= 1);
  CHECK(strstr(mywsclient_request_url(req), "/auth") != NULL);
  pthread_mutex_lock(&s->r.mu);
  s->hook_calls++;
  pthread_mutex_unlock(&s->r.mu);
}

static void test_token_refresh(void)
{
  gate_server g;
  sess s;
  mywsclient *c;
  char url[128], last[256];
  int i;
  t_log("token refresh through the connect callback");
  gate_start(&g);
  gate_url(&g, "/auth", url, sizeof url);
  c = sess_client(url, &s);
  s.token_source = &g;
  CHECK_OK(mywsclient_set_connect_callback(c, token_hook, &s));
  CHECK_OK(mywsclient_start(c));
  CHECK_RES(mywsclient_set_connect_callback(c, token_hook, &s), MYWSCLIENT_RESULT_INVALID_STATE);
  REC_EXPECT(&s.r, s.r.events[MYWSCLIENT_EVENT_TYPE_OPEN] == 1);
  for (i = 0; i < 3; i++)
  {
    CHECK_OK(mywsclient_send(c, "hello", 5));
    REC_EXPECT(&s.r, s.r.nmsgs == (size_t)(i + 1));
    gate_cmd(&g, "rotate", NULL, 0);
    REC_EXPECT(&s.r, s.closes_4001 == i + 1 && s.r.events[MYWSCLIENT_EVENT_TYPE_OPEN] == i + 2);
  }
  pthread_mutex_lock(&s.r.mu);
  CHECK(s.http_errors == 0);
  CHECK(s.hook_calls == 4);
  pthread_mutex_unlock(&s.r.mu);
  CHECK(gate_number(&g, "opened") == 4);
  gate_cmd(&g, "last authorization", last, sizeof last);
  CHECK(strcmp(last, "HEADER Bearer t4") == 0);
  gate_cmd(&g, "last sec-websocket-protocol", last, sizeof last);
  CHECK(strcmp(last, "HEADER chat, v2") == 0);
  gate_cmd(&g, "last x-remove-me", last, sizeof last);
  CHECK(strcmp(last, "HEADER") == 0);
  sess_free(c, &s);
  gate_stop(&g);
}

static void test_http_error_policies(void)
{
  gate_server g;
  sess s;
  mywsclient *c;
  char url[128];
  t_log("401: reported and retried by default");
  gate_start(&g);
  gate_url(&g, "/status/401", url, sizeof url);
  c = sess_client(url, &s);
  CHECK_OK(mywsclient_start(c));
  REC_EXPECT(&s.r, s.http_errors >= 2 && s.r.events[MYWSCLIENT_EVENT_TYPE_RECONNECT_SCHEDULED] >= 2);
  pthread_mutex_lock(&s.r.mu);
  CHECK(s.last_http_status == 401);
  CHECK(strstr(s.last_www_auth, "Bearer realm=\"gate\"") != NULL);
  pthread_mutex_unlock(&s.r.mu);
  CHECK(mywsclient_state(c) != MYWSCLIENT_STATE_STOPPED);
  /* The right credentials, from the next attempt on (thread-safe setter). */
  CHECK_OK(mywsclient_set_url(c, url));
  CHECK_OK(mywsclient_set_header(c, "Authorization", "Bearer whatever"));
  CHECK_OK(mywsclient_remove_header(c, "Authorization"));
  CHECK_RES(mywsclient_set_header(c, "Connection", "x"), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  sess_free(c, &s);

  t_log("403: the stop policy stops after one attempt");
  gate_url(&g, "/status/403", url, sizeof url);
  c = sess_client(url, &s);
  CHECK_RES(mywsclient_set_http_error_policy(c, 7), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_OK(mywsclient_set_http_error_policy(c, MYWSCLIENT_HTTP_ERROR_POLICY_STOP));
  CHECK_OK(mywsclient_start(c));
  REC_EXPECT(&s.r, s.r.events[MYWSCLIENT_EVENT_TYPE_STOPPED] == 1);
  pthread_mutex_lock(&s.r.mu);
  CHECK(s.http_errors == 1 && s.last_http_status == 403);
  pthread_mutex_unlock(&s.r.mu);
  CHECK(gate_number(&g, "count /status/403") == 1);
  CHECK(mywsclient_state(c) == MYWSCLIENT_STATE_STOPPED);
  sess_free(c, &s);
  gate_stop(&g);
}

static void test_redirects(void)
{
  gate_server g;
  sess s;
  mywsclient *c;
  char url[128];
  t_log("a redirect chain is followed");
  gate_start(&g);
  gate_url(&g, "/hop/3/307", url, sizeof url);
  c = sess_client(url, &s);
  CHECK_OK(mywsclient_set_follow_redirects(c, 5));
  CHECK_RES(mywsclient_set_follow_redirects(c, 1000), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_OK(mywsclient_start(c));
  REC_EXPECT(&s.r, s.r.events[MYWSCLIENT_EVENT_TYPE_OPEN] == 1);
  pthread_mutex_lock(&s.r.mu);
  CHECK(s.open_status == 101 && s.open_cookies == 2);
  CHECK(strcmp(s.open_request_no, "4") == 0);
  pthread_mutex_unlock(&s.r.mu);
  CHECK(gate_number(&g, "count /hop") == 4);
  sess_free(c, &s);

  t_log("a redirect loop is bounded and reported");
  gate_url(&g, "/loop/a", url, sizeof url);
  c = sess_client(url, &s);
  CHECK_OK(mywsclient_set_follow_redirects(c, 10));
  CHECK_OK(mywsclient_set_reconnect(c, false, 0));
  CHECK_OK(mywsclient_start(c));
  REC_EXPECT(&s.r, s.r.events[MYWSCLIENT_EVENT_TYPE_STOPPED] == 1);
  pthread_mutex_lock(&s.r.mu);
  CHECK(s.http_errors == 1 && s.last_http_status == 302);
  pthread_mutex_unlock(&s.r.mu);
  CHECK(gate_number(&g, "count /loop") == 2);
  sess_free(c, &s);

  t_log("a redirect not followed carries its Location");
  gate_url(&g, "/hop/1/301", url, sizeof url);
  c = sess_client(url, &s);
  CHECK_OK(mywsclient_set_reconnect(c, false, 0));
  CHECK_OK(mywsclient_start(c));
  REC_EXPECT(&s.r, s.r.events[MYWSCLIENT_EVENT_TYPE_STOPPED] == 1);
  pthread_mutex_lock(&s.r.mu);
  CHECK(s.last_http_status == 301);
  CHECK(strcmp(s.last_location, "/hop/0/301") == 0);
  pthread_mutex_unlock(&s.r.mu);
  sess_free(c, &s);
  gate_stop(&g);
}

/* Waits (bounded) until the two gates together received `n` messages. */
static void wait_gate_messages(gate_server *a, gate_server *b, long n)
{
  long long deadline = t_now_ms() + T_TIMEOUT_MS;
  for (;;)
  {
    long got = gate_number(a, "messages") + gate_number(b, "messages");
    if (got >= n)
    {
      CHECK(got == n);
      return;
    }
    CHECK(t_now_ms() < deadline);
    {
      /* The servers have no notification for this: ask again shortly. */
      struct timespec ts = {0, 20 * 1000000L};
      nanosleep(&ts, NULL);
    }
  }
}

static void test_set_url_and_reconnect(void)
{
  gate_server a, b;
  sess s;
  mywsclient *c;
  char url_a[128], url_b[128];
  int i;
  t_log("set_url to a second server while connected, then reconnect");
  gate_start(&a);
  gate_start(&b);
  gate_url(&a, "/one", url_a, sizeof url_a);
  gate_url(&b, "/two", url_b, sizeof url_b);
  c = sess_client(url_a, &s);
  CHECK_RES(mywsclient_reconnect(c), MYWSCLIENT_RESULT_INVALID_STATE);
  CHECK_OK(mywsclient_start(c));
  REC_EXPECT(&s.r, s.r.events[MYWSCLIENT_EVENT_TYPE_OPEN] == 1);
  CHECK_RES(mywsclient_set_url(c, "http://nope"), MYWSCLIENT_RESULT_INVALID_ARGUMENT);
  CHECK_RES(mywsclient_set_url(c, NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_OK(mywsclient_set_url(c, url_b));
  for (i = 0; i < 20; i++)
  {
    char m[16];
    int n = snprintf(m, sizeof m, "m%d", i);
    CHECK_OK(mywsclient_send(c, m, (size_t)n));
    if (i == 5)
      CHECK_OK(mywsclient_reconnect(c));
  }
  REC_EXPECT(&s.r, s.r.events[MYWSCLIENT_EVENT_TYPE_OPEN] == 2);
  pthread_mutex_lock(&s.r.mu);
  CHECK(s.r.events[MYWSCLIENT_EVENT_TYPE_CLOSED] == 1);
  CHECK(s.r.last_close_code == 1000 && s.r.last_close_initiator == MYWSCLIENT_CLOSE_INITIATOR_CLIENT);
  pthread_mutex_unlock(&s.r.mu);
  wait_gate_messages(&a, &b, 20);
  CHECK(gate_number(&b, "opened") == 1);
  CHECK(gate_number(&b, "count /two") == 1);
  sess_free(c, &s);
  gate_stop(&a);
  gate_stop(&b);
}

static void test_null_arguments(void)
{
  const mywsclient_headers *h = NULL;
  t_log("NULL arguments");
  CHECK_RES(mywsclient_set_connect_callback(NULL, NULL, NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_url(NULL, "ws://h"), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_header(NULL, "a", "b"), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_remove_header(NULL, "a"), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_reconnect(NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_http_error_policy(NULL, 0), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_set_follow_redirects(NULL, 0), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_request_set_url(NULL, "ws://h"), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_request_set_header(NULL, "a", "b"), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_request_remove_header(NULL, "a"), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK_RES(mywsclient_request_set_subprotocols(NULL, NULL, 0), MYWSCLIENT_RESULT_NULL_ARGUMENT);
  CHECK(mywsclient_request_url(NULL)[0] == 0);
  CHECK(mywsclient_request_attempt(NULL) == 0);
  CHECK(mywsclient_headers_count(h) == 0);
  CHECK(mywsclient_headers_get(h, "x") == NULL);
  CHECK_RES(mywsclient_headers_at(h, 0, NULL, NULL), MYWSCLIENT_RESULT_NULL_ARGUMENT);
}

int main(void)
{
  test_null_arguments();
  test_token_refresh();
  test_http_error_policies();
  test_redirects();
  test_set_url_and_reconnect();
  t_log("ok");
  return 0;
}
