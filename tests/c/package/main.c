/* Uses the installed library: version, then a round trip through the echo server. */
#include "test_util.h"

int main(void)
{
  echo_server s;
  recorder r;
  char url[128];
  mywsclient *c;
  printf("%s (header %s)\n", mywsclient_version(), MYWSCLIENT_VERSION_STRING);
  echo_server_start(&s, 0);
  echo_url(&s, url, sizeof url);
  rec_init(&r);
  c = t_client(url, &r);
  CHECK_OK(mywsclient_start(c));
  CHECK_OK(mywsclient_send(c, "installed", 9));
  REC_EXPECT(&r, r.nmsgs == 1);
  mywsclient_free(c);
  rec_destroy(&r);
  echo_server_stop(&s);
  printf("ok\n");
  return 0;
}
