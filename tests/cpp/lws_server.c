/*
 * A small libwebsockets echo server for the C++ tests (test-only; built
 * against Debian's libwebsockets-dev).
 *
 * Its protocol list is laid out like a typical libwebsockets application:
 * an HTTP handler first (the default, which also gets every connection that
 * names no subprotocol) and an echo handler named "ws" second. A client
 * reaches the echo handler only by requesting the subprotocol "ws", as the
 * original libwebsockets MyWSClient did.
 *
 * Usage: lws_server [--port N]   (default 0: any free port, on 127.0.0.1)
 * Prints "LISTENING <port>" as its first line on stdout, echoes every text
 * and binary message with its kind, and exits when its stdin reaches EOF or
 * on SIGTERM/SIGINT.
 */
#include <libwebsockets.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct lws_context *context;
static atomic_int interrupted;

struct message
{
  struct message *next;
  size_t len;
  int binary;
  unsigned char *buf; /* LWS_PRE bytes of headroom, then the payload */
};

/* Per connection: the message being assembled and the queue to echo. */
struct session
{
  unsigned char *partial;
  size_t partial_len;
  struct message *head, *tail;
};

static void free_session(struct session *s)
{
  while (s->head)
  {
    struct message *m = s->head;
    s->head = m->next;
    free(m->buf);
    free(m);
  }
  s->tail = NULL;
  free(s->partial);
  s->partial = NULL;
  s->partial_len = 0;
}

static int append_partial(struct session *s, const void *in, size_t len)
{
  unsigned char *p = realloc(s->partial, LWS_PRE + s->partial_len + len + 1);
  if (!p)
    return -1;
  s->partial = p;
  if (len)
    memcpy(p + LWS_PRE + s->partial_len, in, len);
  s->partial_len += len;
  return 0;
}

static int queue_partial(struct session *s, int binary)
{
  struct message *m = calloc(1, sizeof *m);
  if (!m)
    return -1;
  if (!s->partial && append_partial(s, "", 0) != 0)
  {
    free(m);
    return -1;
  }
  m->buf = s->partial;
  m->len = s->partial_len;
  m->binary = binary;
  s->partial = NULL;
  s->partial_len = 0;
  if (s->tail)
    s->tail->next = m;
  else
    s->head = m;
  s->tail = m;
  return 0;
}

static int callback_echo(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
  struct session *s = (struct session *)user;
  switch (reason)
  {
  case LWS_CALLBACK_ESTABLISHED:
    memset(s, 0, sizeof *s);
    break;
  case LWS_CALLBACK_RECEIVE:
    if (append_partial(s, in, len) != 0)
      return -1;
    if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0)
    {
      if (queue_partial(s, lws_frame_is_binary(wsi)) != 0)
        return -1;
      lws_callback_on_writable(wsi);
    }
    break;
  case LWS_CALLBACK_SERVER_WRITEABLE:
  {
    struct message *m = s->head;
    if (!m)
      break;
    int n = lws_write(wsi, m->buf + LWS_PRE, m->len, m->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
    if (n < (int)m->len)
      return -1;
    s->head = m->next;
    if (!s->head)
      s->tail = NULL;
    free(m->buf);
    free(m);
    if (s->head)
      lws_callback_on_writable(wsi);
    break;
  }
  case LWS_CALLBACK_CLOSED:
    free_session(s);
    break;
  default:
    break;
  }
  return 0;
}

static const struct lws_protocols protocols[] = {
    {"http", lws_callback_http_dummy, 0, 0, 0, NULL, 0},
    {"ws", callback_echo, sizeof(struct session), 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void on_signal(int sig)
{
  (void)sig;
  interrupted = 1;
  if (context)
    lws_cancel_service(context);
}

/* Ends the server when stdin reaches EOF (the parent closed it or died). */
static void *watch_stdin(void *arg)
{
  char buf[256];
  (void)arg;
  while (read(STDIN_FILENO, buf, sizeof buf) > 0)
  {
  }
  interrupted = 1;
  lws_cancel_service(context);
  return NULL;
}

int main(int argc, char **argv)
{
  struct lws_context_creation_info info;
  int port = 0;
  for (int i = 1; i < argc; i++)
  {
    if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
      port = atoi(argv[++i]);
    else
    {
      fprintf(stderr, "usage: %s [--port N]\n", argv[0]);
      return 2;
    }
  }
  lws_set_log_level(LLL_ERR, NULL);
  memset(&info, 0, sizeof info);
  info.port = port;
  info.iface = "127.0.0.1";
  info.protocols = protocols;
  info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
  context = lws_create_context(&info);
  if (!context)
  {
    fprintf(stderr, "lws_server: cannot create the context\n");
    return 1;
  }
  struct lws_vhost *vh = lws_get_vhost_by_name(context, "default");
  int listen_port = vh ? lws_get_vhost_listen_port(vh) : -1;
  if (listen_port <= 0)
  {
    fprintf(stderr, "lws_server: no listening port\n");
    lws_context_destroy(context);
    return 1;
  }
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGPIPE, SIG_IGN);
  pthread_t watcher;
  if (pthread_create(&watcher, NULL, watch_stdin, NULL) != 0)
  {
    lws_context_destroy(context);
    return 1;
  }
  pthread_detach(watcher);
  printf("LISTENING %d\n", listen_port);
  fflush(stdout);
  while (!interrupted)
  {
    if (lws_service(context, 0) < 0)
      break;
  }
  lws_context_destroy(context);
  return 0;
}
