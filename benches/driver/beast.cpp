// Boost.Beast (benches/peers/beast/MyWSClient.h) behind the driver's client interface; ws:// and wss://.
#include <MyWSClient.h>

#include "adapter.h"

const char *const kContender = "beast";

std::unique_ptr<BenchClient> new_client(const std::string &host, bool tls, int port, MessageCallback cb)
{
  return std::make_unique<AdapterWithCa<MyWSClient>>(ws_url(host, tls), port, std::move(cb));
}
