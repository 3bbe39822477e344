// The program every packaging test builds, the way a user would: it uses
// only the installed (or fetched) MyWSClient.h and links MyWSClient::MyWSClient.
//
//   echo_consumer URL [N]
//
// Sends N (default 20) text messages to an echo server at URL, waits (at
// most 60 s) until all N came back in order, prints "OK N echoes" and exits
// 0; otherwise prints what is missing and exits 1.
#include "MyWSClient.h"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <vector>

int main(int argc, char **argv)
{
  if (argc < 2)
  {
    std::cerr << "usage: echo_consumer URL [N]" << std::endl;
    return 2;
  }
  const std::string url = argv[1];
  const int n = argc > 2 ? std::atoi(argv[2]) : 20;
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::string> got;

  MyWSClient client(url, 0, "",
                    [&](const std::string &msg)
                    {
                      std::lock_guard<std::mutex> lock(m);
                      got.push_back(msg);
                      cv.notify_all();
                    });
  client.start();
  for (int i = 0; i < n; i++)
    client.sendMessage("message " + std::to_string(i));

  std::unique_lock<std::mutex> lock(m);
  bool all = cv.wait_for(lock, std::chrono::seconds(60), [&] { return static_cast<int>(got.size()) >= n; });
  lock.unlock();
  client.stop();
  if (!all)
  {
    std::cout << "FAIL: " << got.size() << " of " << n << " echoes (" << client.lastError() << ")" << std::endl;
    return 1;
  }
  for (int i = 0; i < n; i++)
    if (got[static_cast<std::size_t>(i)] != "message " + std::to_string(i))
    {
      std::cout << "FAIL: echo " << i << " is '" << got[static_cast<std::size_t>(i)] << "'" << std::endl;
      return 1;
    }
  std::cout << "OK " << n << " echoes (" << MyWSClient::version() << ")" << std::endl;
  return 0;
}
