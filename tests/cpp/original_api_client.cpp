// A program written only against the ORIGINAL MyWSClient API, the way a user
// of the libwebsockets class wrote it: construct with host/port/path and a
// lambda, start(), sendMessage(), wait for the echoes, stop(). It includes
// nothing but "MyWSClient.h" and leans on the standard headers the original
// pulled in (<iostream>, <thread>, <mutex>, <condition_variable>, ...).
// It must build unchanged against the original header, too.
//
// Usage: original_api_client HOST PORT PATH [COUNT]
// Sends COUNT messages (default 20; one of 4 KiB, which overflowed the
// original's 1 KiB buffer), waits (at most 30 s) for all echoes, stops, and
// exits 0 when every message came back intact and in order.
#include "MyWSClient.h"

int main(int argc, char **argv)
{
  if (argc < 4)
  {
    std::cerr << "usage: " << argv[0] << " HOST PORT PATH [COUNT]" << std::endl;
    return 2;
  }
  const std::string host = argv[1];
  const int port = std::stoi(argv[2]);
  const std::string path = argv[3];
  const int count = argc > 4 ? std::stoi(argv[4]) : 20;

  std::mutex mutex;
  std::condition_variable echoed;
  std::vector<std::string> received;

  MyWSClient client(host, port, path,
                    [&](const std::string &message)
                    {
                      std::lock_guard<std::mutex> lock(mutex);
                      received.push_back(message);
                      echoed.notify_all();
                    });
  client.start();

  std::vector<std::string> sent;
  for (int i = 0; i < count; i++)
  {
    std::string message = "message " + std::to_string(i);
    if (i == count / 2)
      message += " " + std::string(4096, 'x'); // larger than the original's LWS_PRE + 1024 buffer
    sent.push_back(message);
    client.sendMessage(message);
  }

  bool all;
  {
    std::unique_lock<std::mutex> lock(mutex);
    all = echoed.wait_for(lock, std::chrono::seconds(30), [&] { return received.size() >= sent.size(); });
  }
  client.stop();

  std::lock_guard<std::mutex> lock(mutex);
  std::cout << "echoed " << received.size() << "/" << sent.size() << std::endl;
  if (!all || received != sent)
  {
    std::cout << "FAIL: the echoes differ from what was sent" << std::endl;
    return 1;
  }
  std::cout << "OK" << std::endl;
  return 0;
}
