/* A C program on the C API only (MyWSClient::mywsclient, or pkg-config
 * mywsclient): prints the library's version; fails when the header's version
 * macros and the library disagree. */
#include <mywsclient/mywsclient.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
  const char *v = mywsclient_version();
  const char *want = "mywsclient " MYWSCLIENT_VERSION_STRING;
  printf("%s\n", v);
  if (strncmp(v, want, strlen(want)) != 0)
  {
    printf("FAIL: the header says %s\n", want);
    return 1;
  }
  return 0;
}
