#pragma once
// Each einsim subcommand registers itself on the top-level CLI::App.
// A command's callback prints its results to stdout and throws einsim::Error
// (or a subclass) for bad input; main() turns that into a message and exit 2.

#include <string>

#include <CLI/CLI.hpp>

#include "sim/cycle/simulate.hpp"

namespace einsim::app {

void register_check(CLI::App& app);
void register_workload(CLI::App& app);
void register_pe(CLI::App& app);
void register_simulate(CLI::App& app);
void register_report(CLI::App& app);
void register_sweep(CLI::App& app);

// The JSON `einsim simulate --json` writes for a report (without --values), compact.
std::string simulate_report_json(const SimulationReport& report);
void register_map(CLI::App& app);
void register_import(CLI::App& app);

}  // namespace einsim::app
