#pragma once
// The architecture key audit: for every key the loader accepts (arch/spec/arch_keys.hpp),
// how it is covered, and a check that perturbs it on a bundled architecture and
// evaluates through the library (Analytical fidelity, with energy and area).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "arch/spec/arch_spec.hpp"
#include "sim/eval/simulation_report.hpp"

namespace einsim::audit {

enum class Coverage {
  changes_output,  // perturbing it changes cycles, utilization, traffic, peaks, energy, area or an error
  structural,      // its effect is identity (a name, a kind, a section, free text): `why` says so
};

// What the audit found before this key was modelled or rejected.
enum class Finding {
  read,                 // a model read it already
  unread_now_modelled,  // no model read it; one does now
  unread_now_rejected,  // no model read it (in some combination); that combination is now an error
  unread_by_design,     // nothing reads it and nothing should (free text)
};

struct KeyAudit {
  std::string_view section;  // as in arch_keys::kSections
  std::string_view key;
  Coverage coverage;
  Finding finding;
  std::string_view why;  // what it changes, or why it is structural
  void (*check)();       // the perturbation (Catch2 assertions)
};

// Every audited key, in section order.
const std::vector<KeyAudit>& key_audits();

// ---- helpers for the checks

// A bundled architecture (arch/library/FILE) with text edits (each `from` must occur once)
// and then --set overrides (missing keys are added).
ArchSpec arch(const std::string& file, const std::vector<std::string>& sets = {},
              const std::vector<std::pair<std::string, std::string>>& edits = {});

// A bundled workload (workloads/library/FILE) with --set overrides, mapped by a preset dataflow
// on `a`, evaluated at the Analytical fidelity with the cost stage.
SimulationReport run(const ArchSpec& a, const std::string& workload, const std::vector<std::string>& wsets,
                     const std::string& dataflow);

// The message of the Error that loading the edited architecture throws ("" when none).
std::string load_error(const std::string& file, const std::vector<std::string>& sets,
                       const std::vector<std::pair<std::string, std::string>>& edits = {});
// The message of the Error that run() throws ("" when none).
std::string run_error(const ArchSpec& a, const std::string& workload, const std::vector<std::string>& wsets,
                      const std::string& dataflow);

const LevelReport& level(const SimulationReport& r, const std::string& name);
const ArrayReport& array(const SimulationReport& r, const std::string& name);

}  // namespace einsim::audit
