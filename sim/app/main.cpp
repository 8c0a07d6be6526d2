// einsim: cycle-level simulator and design-space explorer for deep-learning accelerators.

#include <cstdlib>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "sim/app/commands.hpp"
#include "sim/core/allocator.hpp"
#include "sim/core/error.hpp"

int main(int argc, char** argv) {
  // Output users parse (JSON, CSV) must stay free of SystemC's banner.
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  // Sweeps and the mapper evaluate many points: keep the memory one evaluation frees.
  einsim::retain_freed_memory();
  CLI::App app{
      "einsim: cycle-level simulation and design-space exploration of deep-learning accelerators.\n"
      "Workloads are cascades of extended Einsums; architectures, mappings and sweeps are YAML."};
  app.set_version_flag("--version", std::string("einsim ") + EINSIM_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  einsim::app::register_check(app);
  einsim::app::register_workload(app);
  einsim::app::register_pe(app);
  einsim::app::register_simulate(app);
  einsim::app::register_report(app);
  einsim::app::register_sweep(app);
  einsim::app::register_map(app);
  einsim::app::register_import(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const einsim::Interrupted& e) {
    std::cout.flush();
    std::cerr << "einsim: interrupted: " << e.what() << "\n";
    return 130;
  } catch (const einsim::Error& e) {
    std::cout.flush();
    std::cerr << "einsim: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "einsim: internal error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
