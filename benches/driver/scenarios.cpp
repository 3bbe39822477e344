// run_scenario for the contenders with a client: the scenario by name.
#include "scenarios.h"

#include <cstring>

int run_scenario(const Args &a)
{
  static const struct
  {
    const char *name;
    int (*run)(const Args &);
  } all[] = {
      {"rtt", sc_rtt},
      {"size", sc_size},
      {"contended", sc_contended},
      {"first_echo", sc_first_echo},
      {"idle_stop", sc_idle_stop},
      {"stop_unreachable", sc_stop_unreachable},
      {"cut", sc_cut},
      {"outage", sc_outage},
      {"halfopen", sc_halfopen},
      {"outage_sends", sc_outage_sends},
      {"many", sc_many},
  };
  for (auto &s : all)
    if (a.scenario == s.name)
      return s.run(a);
  return unknown_scenario();
}
