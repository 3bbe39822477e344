// mywsc's main loop: standard input to the server, one message per line,
// then the queue drained and --linger waited for.
#pragma once

#include "MyWSClient.h"
#include "flags.h"
#include "output.h"

namespace mywsc
{

/// How the input ended.
struct InputResult
{
  int status = 0;   ///< 1 when a line was refused, poll failed or the queue did not drain in time; else 0
  bool eof = false; ///< all of standard input was read
};

/// Sends standard input, one message per line (the last one without its
/// newline too), waiting while the queue is full; after EOF waits until the
/// queue drained (--drain-timeout) and nothing arrived for --linger. Returns
/// early on a signal, when the client stopped by itself, when the output
/// failed or when --count messages arrived. On the main thread.
InputResult sendInput(MyWSClient &client, const Settings &settings, Shared &sh, Reporter &report);

} // namespace mywsc
