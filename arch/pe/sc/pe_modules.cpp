#include "arch/pe/sc/pe_modules.hpp"

#include <string>

namespace einsim {

MixPeModule::MixPeModule(sc_core::sc_module_name name, MixPe arith, int latency, int initiation_interval)
    : sc_core::sc_module(name), arith_(std::move(arith)), timing_(latency, initiation_interval) {
  SC_METHOD(on_clock);
  sensitive << clk_in.pos();
  dont_initialize();
}

void MixPeModule::on_clock() {
  const uint64_t edge = edge_++;
  if (valid_in.read() && timing_.can_accept(edge)) {
    timing_.accept(edge);
    arith_.step(act_in.read(), weight_in.read());
    if (last_in.read()) timing_.schedule(edge, arith_.finish_group(scale_in.read(), zero_in.read(), psum_in.read()));
  }
  if (auto r = timing_.pop_due(edge)) {
    psum_out.write(*r);
    valid_out.write(true);
  } else {
    valid_out.write(false);
  }
  ready_out.write(timing_.can_accept(edge + 1));
}

VectorPeModule::VectorPeModule(sc_core::sc_module_name name, VectorPe arith, int latency, int initiation_interval)
    : sc_core::sc_module(name), arith_(std::move(arith)), timing_(latency, initiation_interval) {
  SC_METHOD(on_clock);
  sensitive << clk_in.pos();
  dont_initialize();
}

void VectorPeModule::on_clock() {
  const uint64_t edge = edge_++;
  if (valid_in.read() && timing_.can_accept(edge)) {
    const int op = op_in.read();
    if (op < 0 || op > static_cast<int>(VectorOp::exp))
      throw Error("VectorPeModule: op code " + std::to_string(op) + " is not a VectorOp");
    timing_.accept(edge, arith_.op_cycles(static_cast<VectorOp>(op)));  // the PE traits' cycles
    timing_.schedule(edge, arith_.apply(static_cast<VectorOp>(op), a_in.read(), b_in.read()));
  }
  if (auto r = timing_.pop_due(edge)) {
    result_out.write(*r);
    valid_out.write(true);
  } else {
    valid_out.write(false);
  }
  ready_out.write(timing_.can_accept(edge + 1));
}

}  // namespace einsim
