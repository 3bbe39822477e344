// websocketpp (benches/peers/websocketpp/MyWSClient.h) behind the driver's client interface.
#include <MyWSClient.h>

#include "adapter.h"

const char *const kContender = "websocketpp";

std::unique_ptr<BenchClient> new_client(const std::string &host, bool tls, int port, MessageCallback cb)
{
  return std::make_unique<Adapter<MyWSClient>>(ws_url(host, tls), port, std::move(cb));
}
