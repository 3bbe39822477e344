// mywsc's command line (see args.h).
#include "args.h"

namespace mywsc
{

CommandLine parseArgs(int argc, char **argv, bool &help, bool &version)
{
  CommandLine cl;
  for (int i = 1; i < argc; i++)
  {
    std::string a = argv[i];
    if (a == "--help" || a == "-h")
    {
      help = true;
      continue;
    }
    if (a == "--version" || a == "-V")
    {
      version = true;
      continue;
    }
    if (a.size() > 2 && a.compare(0, 2, "--") == 0)
    {
      std::string value;
      bool inlineValue = false;
      auto eq = a.find('=');
      if (eq != std::string::npos)
      {
        value = a.substr(eq + 1);
        a = a.substr(0, eq);
        inlineValue = true;
      }
      const Flag *f = findFlag(a);
      if (!f)
        throw UsageError("unknown option " + a + " (see mywsc --help)");
      if (f->arg && !inlineValue)
      {
        if (i + 1 >= argc)
          throw UsageError(a + " needs a value: " + f->arg);
        value = argv[++i];
      }
      else if (!f->arg && inlineValue)
        throw UsageError(a + " takes no value");
      cl.flags.emplace_back(f, value);
      continue;
    }
    if (a.size() > 1 && a[0] == '-')
      throw UsageError("unknown option " + a + " (see mywsc --help)");
    if (!cl.url.empty())
      throw UsageError("more than one URL: '" + cl.url + "' and '" + a + "'");
    cl.url = a;
  }
  return cl;
}

} // namespace mywsc
