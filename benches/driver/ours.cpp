// Ours: the C++ wrapper include/MyWSClient.h over libmywsclient, behind the
// driver's client interface; ws:// and wss://, shared I/O (when the build
// found setSharedIo: BENCH_HAVE_SHARED_IO) and delivery modes.
#include <MyWSClient.h>

#include "adapter.h"

const char *const kContender = "ours";

namespace
{
class Ours final : public AdapterWithCa<MyWSClient>
{
public:
  using AdapterWithCa::AdapterWithCa;

#ifdef BENCH_HAVE_SHARED_IO
  // Many clients on a few shared I/O threads (one fd per client).
  std::string setSharedIo() override { return w.setSharedIo(true) ? "" : "setSharedIo failed: " + w.lastError(); }
#endif

  // 0|1|2: at-most-once, resend unacknowledged (default), at least once.
  std::string setDelivery(std::uint32_t mode) override
  {
    return w.setDelivery(MyWSClient::Delivery(mode)) ? "" : "setDelivery failed: " + w.lastError();
  }
};
} // namespace

std::unique_ptr<BenchClient> new_client(const std::string &host, bool tls, int port, MessageCallback cb)
{
  return std::make_unique<Ours>(ws_url(host, tls), port, std::move(cb));
}
