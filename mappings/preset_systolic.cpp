// The ws, os and is presets: GEMM-like Einsums in SCALE-Sim's folds on the first 2D array.
#include "mappings/preset_common.hpp"

#include <algorithm>
#include <functional>
#include <utility>

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "workloads/cascade_graph.hpp"
#include "workloads/pass_analysis.hpp"

namespace einsim {
using namespace mapping_detail;
using namespace preset_detail;

namespace preset_detail {

Mapping systolic_preset(std::string_view dataflow, Dataflow d0, const EinsumCascade& c, const ArchSpec& arch) {
  Mapping m;
  m.name = std::string(dataflow);
  m.source = "preset " + std::string(dataflow);
  const ComputeArray* a2 = first_array(arch, 2);
  const ComputeArray* a1 = first_array(arch, 1);
  // Einsums in topological order: the cascade's file order is one (the loader checks).
  std::vector<int> order;
  for (size_t e = 0; e < c.einsums.size(); ++e) order.push_back(static_cast<int>(e));
  const Dataflow* d = &d0;  // the preset's dataflow
  if (!a2) throw Error(fmt::format("dataflow {}: architecture '{}' has no 2D array", dataflow, arch.name));
  std::vector<bool> taken(c.einsums.size(), false);  // epilogues, mapped with their GEMM
  const CascadeGraph graph(c);
  for (int e : order) {
    if (taken[e]) continue;
    GemmView v;
    if (as_gemm(c, c.einsums[e], v)) {
      MappingGroup g = systolic_group(c, e, *d, *a2);
      // MixPE's PEs dequantize each group's partial sums in place: the scale-and-sum Einsum
      // after a group-wise GEMM runs as its epilogue, and the partial sums stay on chip.
      const std::vector<int>& readers = graph.consumers(c.einsums[e].output.tensor);
      if (a2->pe.family == PeFamily::mixpe && readers.size() == 1 && epilogue_mismatch(c, e, readers[0]).empty() &&
          supports(c.einsums[readers[0]], a2->pe)) {
        MappingGroup with = g;
        with.epilogue = readers[0];
        with.einsums.push_back(readers[0]);
        int64_t groups = 1;
        const int64_t k = systolic_gemm_view(c, with, &groups).k_size;  // sets groups
        const int64_t per_group = k / groups;
        const std::string& x = c.einsums[readers[0]].name;
        const std::string folds = epilogue_fold_mismatch(c, with, *a2);
        if (folds.empty()) {
          g = with;
          taken[readers[0]] = true;
          m.notes.push_back(fmt::format("{} runs in the PEs of {} as the epilogue of {}: each group of {} values "
                                        "of K is scaled once, as its partial sums finish (MixPE), and {} stays on "
                                        "chip",
                                        x, a2->name, c.einsums[e].name, per_group,
                                        c.tensors[c.einsums[e].output.tensor].name));
        } else {
          m.notes.push_back(fmt::format("{} runs as a GEMM of its own: {} (os would scale it in the PEs)", x, folds));
        }
      }
      m.groups.push_back(g);
    } else if (a1) {
      // Element-wise and reduction Einsums (dequantization, activations) on the vector array.
      m.groups.push_back(single_group(c, e, *a1, default_buffer(arch)));
    } else if (supports(c.einsums[e], a2->pe)) {
      // No vector array: the 2D array's PEs run it (MixPE's zero points in its dequantization unit).
      m.groups.push_back(single_group(c, e, *a2, default_buffer(arch)));
    } else {
      throw Error(fmt::format(
          "dataflow {} runs GEMM-like Einsums (a product of two tensors summed over ranks) on a systolic "
          "array; Einsum {} is not one and architecture '{}' has no 1D array for it (use --dataflow flat or "
          "fusemax for attention cascades)",
          dataflow, c.einsums[e].name, arch.name));
    }
  }
  validate_mapping(m, c, arch);
  return m;
}

}  // namespace preset_detail

}  // namespace einsim
