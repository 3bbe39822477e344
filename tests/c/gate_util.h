/*
 * The gate server (tools: mywsclient-gate-server) for the C tests of long
 * sessions: a child process on 127.0.0.1 that refuses upgrades with HTTP
 * statuses, redirects, and accepts only the current token on /auth (see
 * tools/src/gate/mod.rs for the routes). Commands go to its stdin, one line
 * each, and get one line back; gate_cmd() serialises them with a mutex, so
 * that a callback on the I/O thread and the test thread may both ask.
 * C99 and C++17 clean. Include after test_util.h.
 */
#ifndef MYWSCLIENT_GATE_UTIL_H
#define MYWSCLIENT_GATE_UTIL_H

#include "test_util.h"

#ifndef MYWSCLIENT_GATE_SERVER_PATH
#error "MYWSCLIENT_GATE_SERVER_PATH must name the mywsclient-gate-server binary"
#endif

typedef struct gate_server
{
  pid_t pid;
  int in_fd;  /* its stdin: commands; closing it makes it exit */
  int out_fd; /* its stdout: answers */
  int port;
  pthread_mutex_t mu;
} gate_server;

/* Reads one line (without the newline) from fd into buf, waiting at most the
 * anti-hang timeout. Returns 0, or -1 on EOF/timeout. */
static inline int gate_read_line(int fd, char *buf, size_t len)
{
  size_t used = 0;
  long long deadline = t_now_ms() + T_TIMEOUT_MS;
  while (used + 1 < len)
  {
    struct pollfd p;
    long long left = deadline - t_now_ms();
    char ch;
    ssize_t n;
    if (left <= 0)
      return -1;
    p.fd = fd;
    p.events = POLLIN;
    p.revents = 0;
    if (poll(&p, 1, (int)left) <= 0)
      continue;
    n = read(fd, &ch, 1);
    if (n <= 0)
      return -1;
    if (ch == '\n')
      break;
    buf[used++] = ch;
  }
  buf[used] = 0;
  return 0;
}

static inline void gate_start(gate_server *g)
{
  int in[2], out[2];
  char line[128];
  CHECK(pipe(in) == 0 && pipe(out) == 0);
  t_cloexec(in[0]);
  t_cloexec(in[1]);
  t_cloexec(out[0]);
  t_cloexec(out[1]);
  g->pid = fork();
  CHECK(g->pid >= 0);
  if (g->pid == 0)
  {
    if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
      _exit(126);
    execl(MYWSCLIENT_GATE_SERVER_PATH, MYWSCLIENT_GATE_SERVER_PATH, (char *)NULL);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  g->in_fd = in[1];
  g->out_fd = out[0];
  g->port = 0;
  pthread_mutex_init(&g->mu, NULL);
  CHECK(gate_read_line(g->out_fd, line, sizeof line) == 0);
  CHECK(sscanf(line, "LISTENING %d", &g->port) == 1 && g->port > 0);
}

/* Sends `cmd` and reads the answer into `out` (may be NULL). */
static inline void gate_cmd(gate_server *g, const char *cmd, char *out, size_t len)
{
  char line[512];
  size_t n = strlen(cmd);
  pthread_mutex_lock(&g->mu);
  CHECK(write(g->in_fd, cmd, n) == (ssize_t)n && write(g->in_fd, "\n", 1) == 1);
  CHECK(gate_read_line(g->out_fd, line, sizeof line) == 0);
  pthread_mutex_unlock(&g->mu);
  if (out) /* an answer longer than `out` is a test's mistake: fail, not truncate */
    CHECK(snprintf(out, len, "%s", line) < (int)len);
}

/* A number answered by a command ("COUNT 3" -> 3). */
static inline long gate_number(gate_server *g, const char *cmd)
{
  char line[128];
  const char *sp;
  gate_cmd(g, cmd, line, sizeof line);
  sp = strchr(line, ' ');
  CHECK(sp != NULL);
  return strtol(sp + 1, NULL, 10);
}

static inline void gate_url(const gate_server *g, const char *path, char *buf, size_t len)
{
  snprintf(buf, len, "ws://127.0.0.1:%d%s", g->port, path);
}

static inline void gate_stop(gate_server *g)
{
  int status = 0;
  long long deadline = t_now_ms() + T_TIMEOUT_MS;
  if (g->pid <= 0)
    return;
  close(g->in_fd);
  for (;;)
  {
    pid_t r = waitpid(g->pid, &status, WNOHANG);
    if (r == g->pid || (r < 0 && errno != EINTR))
      break;
    if (t_now_ms() > deadline)
    {
      kill(g->pid, SIGKILL);
      waitpid(g->pid, &status, 0);
      break;
    }
    {
      struct timespec ts = {0, 5 * 1000000L};
      nanosleep(&ts, NULL);
    }
  }
  close(g->out_fd);
  pthread_mutex_destroy(&g->mu);
  g->pid = -1;
}

#endif /* MYWSCLIENT_GATE_UTIL_H */
