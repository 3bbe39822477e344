// mywsc's command line: the URL and the flags of the table (flags.h), in
// the order given; --help and --version.
#pragma once

#include "flags.h"

#include <string>
#include <utility>
#include <vector>

namespace mywsc
{

/// Parsed command line.
struct CommandLine
{
  std::string url;
  std::vector<std::pair<const Flag *, std::string>> flags;
};

/// Splits argv into the URL and the flags with their values ("--flag VALUE"
/// or "--flag=VALUE"); sets `help` / `version` when asked. Throws UsageError
/// for an unknown flag, a missing or unexpected value, or a second URL.
CommandLine parseArgs(int argc, char **argv, bool &help, bool &version);

} // namespace mywsc
