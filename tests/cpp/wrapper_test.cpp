// Threaded tests of the C++ additions to MyWSClient, one program
// (cpp_wrapper_test) made of several files, one concern each:
//   wrapper_echo_test.cpp       messages in and out, many threads, shared I/O
//   wrapper_callbacks_test.cpp  exceptions in callbacks, the log callback,
//                               send/stop/destroy from a callback
//   wrapper_lifecycle_test.cpp  start/stop cycles, moves, an invalid URL,
//                               giving up, reconnect after a server restart
//   wrapper_options_test.cpp    refusals with reasons, setters, proxy setters
//   wrapper_handshake_test.cpp  subprotocol, Origin, TLS with a CA file
// and their helpers in wrapper_support.h. Runs against the project's echo
// server (started by each test, on loopback); built and run normally and
// under ThreadSanitizer (and AddressSanitizer).
//
//   cpp_wrapper_test [TEST_NAME...]
#include "test_support.h"

#include <csignal>
#include <cstdlib>

int main(int argc, char **argv)
{
  // The tests decide about TLS verification themselves.
  unsetenv("MYWSCLIENT_TLS_INSECURE");
  signal(SIGPIPE, SIG_IGN);
  return testsupport::runAll(argc, argv);
}
