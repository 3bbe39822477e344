/*
 * The header on its own: included twice (include guard), C99 -pedantic and
 * C++17 clean (CMake builds this file both ways with -Werror), its version
 * macros equal to what the library reports, and the sizes of the ABI types
 * as documented.
 */
#include "mywsclient/mywsclient.h"
#include "mywsclient/mywsclient.h" /* double include: the guard holds */

#include <stdio.h>
#include <string.h>

#define STR2(x) #x
#define STR(x) STR2(x)

/* Compile-time checks that work in C99 and C++. */
typedef char check_result_ok_is_zero[MYWSCLIENT_RESULT_OK == 0 ? 1 : -1];
typedef char check_panic_is_nine[MYWSCLIENT_RESULT_PANIC == 9 ? 1 : -1];
typedef char check_state_values[MYWSCLIENT_STATE_STOPPED == 5 ? 1 : -1];
typedef char check_gave_up[MYWSCLIENT_ERROR_KIND_GAVE_UP == 19 ? 1 : -1];
typedef char check_result_size[sizeof(mywsclient_result) == 4 ? 1 : -1];
typedef char check_stats_size[sizeof(mywsclient_stats) >= 8 * 8 + 2 ? 1 : -1];

static int failures = 0;

static void expect(int ok, const char *what)
{
  if (!ok)
  {
    fprintf(stderr, "FAILED: %s\n", what);
    failures++;
  }
}

int main(void)
{
  const char *v = mywsclient_version();
  const char *want = "mywsclient " STR(MYWSCLIENT_VERSION_MAJOR) "." STR(MYWSCLIENT_VERSION_MINOR) "." STR(
      MYWSCLIENT_VERSION_PATCH) " (";
  mywsclient_message_cb m = NULL;
  mywsclient_event_cb e = NULL;
  mywsclient_log_cb l = NULL;
  mywsclient_event ev;
  (void)m;
  (void)e;
  (void)l;
  memset(&ev, 0, sizeof ev);
  expect(ev.type == 0 && ev.text == NULL, "event fields");
  expect(v != NULL && strncmp(v, want, strlen(want)) == 0, "version string starts with the header's version");
  expect(strcmp(MYWSCLIENT_VERSION_STRING,
                STR(MYWSCLIENT_VERSION_MAJOR) "." STR(MYWSCLIENT_VERSION_MINOR) "." STR(MYWSCLIENT_VERSION_PATCH)) == 0,
         "MYWSCLIENT_VERSION_STRING");
  expect(strstr(v, "tungstenite") != NULL && strstr(v, "rustls") != NULL, "version names the dependencies");
  expect(strcmp(mywsclient_last_error(), "") == 0, "no error yet");
  expect(mywsclient_state(NULL) == MYWSCLIENT_STATE_IDLE, "state(NULL)");
  printf("%s\n", v);
  return failures ? 1 : 0;
}
