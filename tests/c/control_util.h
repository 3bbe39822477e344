/*
 * The control server (tools: mywsclient-control-server) for the C tests of
 * control frames, receipts and flow control: started with arguments,
 * commanded through its stdin ("pause", "resume", "kill", "pong-delay <ms>"),
 * and its event lines ("OPEN 1", "CLOSE 4000 reason", "PING 3", ...) read
 * from its stdout. Include after test_util.h. C99 and C++17 clean.
 */
#ifndef MYWSCLIENT_CONTROL_UTIL_H
#define MYWSCLIENT_CONTROL_UTIL_H

#include "test_util.h"

#ifndef MYWSCLIENT_CONTROL_SERVER_PATH
#error "MYWSCLIENT_CONTROL_SERVER_PATH must name the mywsclient-control-server binary"
#endif

typedef struct control_server
{
  pid_t pid;
  int stdin_fd;
  int stdout_fd;
  int port;
  char pending[4096]; /* bytes read from stdout, not yet a whole line */
  size_t used;
} control_server;

/* Reads the next whole line (without '\n') into `line`, waiting at most
 * `ms`. Returns 1, or 0 on timeout or EOF. */
static inline int control_read_line(control_server *s, char *line, size_t cap, long ms)
{
  long long deadline = t_now_ms() + ms;
  for (;;)
  {
    char *nl = (char *)memchr(s->pending, '\n', s->used);
    if (nl)
    {
      size_t n = (size_t)(nl - s->pending);
      size_t copy = n < cap - 1 ? n : cap - 1;
      memcpy(line, s->pending, copy);
      line[copy] = '\0';
      memmove(s->pending, nl + 1, s->used - n - 1);
      s->used -= n + 1;
      return 1;
    }
    if (s->used == sizeof s->pending)
      s->used = 0; /* an absurd line: drop it */
    {
      struct pollfd p;
      long long left = deadline - t_now_ms();
      ssize_t r;
      if (left <= 0)
        return 0;
      p.fd = s->stdout_fd;
      p.events = POLLIN;
      p.revents = 0;
      if (poll(&p, 1, (int)left) <= 0)
        continue;
      r = read(s->stdout_fd, s->pending + s->used, sizeof s->pending - s->used);
      if (r <= 0)
        return 0;
      s->used += (size_t)r;
    }
  }
}

/* Waits (anti-hang timeout) for a line that starts with `prefix`, skipping
 * others; copies it to `line` when not NULL. Fails the test on timeout. */
static inline void control_expect_line(control_server *s, const char *prefix, char *line, size_t cap)
{
  char buf[512];
  long long deadline = t_now_ms() + T_TIMEOUT_MS;
  while (t_now_ms() < deadline)
  {
    if (!control_read_line(s, buf, sizeof buf, (long)(deadline - t_now_ms())))
      break;
    if (strncmp(buf, prefix, strlen(prefix)) == 0)
    {
      if (line) /* a line longer than `line` is a test's mistake: fail, not truncate */
        CHECK(snprintf(line, cap, "%s", buf) < (int)cap);
      return;
    }
  }
  fprintf(stderr, "control server: no line starting with \"%s\" within %d ms\n", prefix, T_TIMEOUT_MS);
  exit(1);
}

/* Starts the server with up to 4 extra arguments (pass NULL for the unused ones). */
static inline void control_server_start(control_server *s, const char *a1, const char *a2, const char *a3,
                                        const char *a4)
{
  int in[2], out[2];
  char line[128];
  memset(s, 0, sizeof *s);
  CHECK(pipe(in) == 0 && pipe(out) == 0);
  t_cloexec(in[0]);
  t_cloexec(in[1]);
  t_cloexec(out[0]);
  t_cloexec(out[1]);
  s->pid = fork();
  CHECK(s->pid >= 0);
  if (s->pid == 0)
  {
    if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
      _exit(126);
    execl(MYWSCLIENT_CONTROL_SERVER_PATH, MYWSCLIENT_CONTROL_SERVER_PATH, "--addr", "127.0.0.1:0", a1, a2, a3, a4,
          (char *)NULL);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  s->stdin_fd = in[1];
  s->stdout_fd = out[0];
  if (!control_read_line(s, line, sizeof line, T_TIMEOUT_MS) || sscanf(line, "LISTENING %d", &s->port) != 1)
  {
    fprintf(stderr, "cannot start %s\n", MYWSCLIENT_CONTROL_SERVER_PATH);
    exit(1);
  }
}

/* Sends one command line to the server. */
static inline void control_command(control_server *s, const char *cmd)
{
  size_t n = strlen(cmd);
  CHECK(write(s->stdin_fd, cmd, n) == (ssize_t)n);
  CHECK(write(s->stdin_fd, "\n", 1) == 1);
}

/* Stops the server: EOF on its stdin, then a bounded wait (SIGKILL after). */
static inline void control_server_stop(control_server *s)
{
  echo_server e;
  e.pid = s->pid;
  e.stdin_fd = s->stdin_fd;
  e.stdout_fd = s->stdout_fd;
  e.port = s->port;
  echo_server_stop(&e);
  s->pid = -1;
}

static inline void control_url(const control_server *s, char *buf, size_t len)
{
  snprintf(buf, len, "ws://127.0.0.1:%d/", s->port);
}

#endif /* MYWSCLIENT_CONTROL_UTIL_H */
