// This process's TCP sockets, from /proc: a view that needs nothing from the contender.
#pragma once

#include <map>

// The sockets of this process connected to 127.0.0.1:port: inode -> TCP state
// (1 = ESTABLISHED).
std::map<unsigned long, int> sockets_to(int port);
// Is one of them ESTABLISHED?
bool tcp_established(int port);
// Is "socket:[inode]" still one of this process's fds? (cheap: a few entries)
bool have_socket(unsigned long inode);
