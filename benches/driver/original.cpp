// The original libwebsockets class (a temporary plain-ws:// copy of
// ../shared/seed, see benches/build.sh) behind the driver's client interface.
#include <MyWSClient.h>

#include "adapter.h"

const char *const kContender = "original";

std::unique_ptr<BenchClient> new_client(const std::string &host, bool tls, int port, MessageCallback cb)
{
  (void)tls;
  // The original takes a bare host (its copy is built for plain ws://).
  return std::make_unique<Adapter<MyWSClient>>(host, port, std::move(cb));
}
