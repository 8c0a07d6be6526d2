#pragma once
// Each einsim subcommand registers itself on the top-level CLI::App.
// A command's callback prints its results to stdout and throws einsim::Error
// (or a subclass) for bad input; main() turns that into a message and exit 2.

#include <CLI/CLI.hpp>

namespace einsim::app {

void register_check(CLI::App& app);
void register_workload(CLI::App& app);
void register_pe(CLI::App& app);
void register_simulate(CLI::App& app);
void register_import(CLI::App& app);

}  // namespace einsim::app
