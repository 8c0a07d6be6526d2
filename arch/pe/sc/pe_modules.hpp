#pragma once
// SystemC wrappers of the PE arithmetic for the Detailed fidelity: one module per PE family,
// clocked, with a valid/ready handshake on the operands, a pipeline latency and an
// initiation interval given at construction. The numbers come from the same arithmetic
// classes every fidelity uses.
//
// Timing contract (all ports sampled and written on the rising edge of clk_in):
//  - an operand set is transferred at the end of a cycle in which valid_in and ready_out
//    are both high ("presented at cycle t" = transferred in cycle t);
//  - its result is on the output port, with valid_out high, during cycle t + latency;
//  - after a transfer in cycle t the next one can happen in cycle t + initiation_interval.

#include <systemc>
#include <utility>

#include "arch/pe/lmul_pe.hpp"
#include "arch/pe/mac_pe.hpp"
#include "arch/pe/mix_pe.hpp"
#include "arch/pe/sc/pipeline.hpp"
#include "arch/pe/vector_pe.hpp"

namespace einsim {

// A PE computing psum_out = psum_in + a_in x b_in with a MacPe or an LMulPe.
template <class Arith>
class ProductPeModule : public sc_core::sc_module {
 public:
  sc_core::sc_in<bool> clk_in{"clk_in"};
  sc_core::sc_in<bool> valid_in{"valid_in"};
  sc_core::sc_in<double> a_in{"a_in"};
  sc_core::sc_in<double> b_in{"b_in"};
  sc_core::sc_in<double> psum_in{"psum_in"};
  sc_core::sc_out<bool> ready_out{"ready_out"};
  sc_core::sc_out<bool> valid_out{"valid_out"};
  sc_core::sc_out<double> psum_out{"psum_out"};

  SC_HAS_PROCESS(ProductPeModule);
  ProductPeModule(sc_core::sc_module_name name, Arith arith, int latency, int initiation_interval)
      : sc_core::sc_module(name), arith_(std::move(arith)), timing_(latency, initiation_interval) {
    SC_METHOD(on_clock);
    sensitive << clk_in.pos();
    dont_initialize();
  }

  const Arith& arith() const { return arith_; }
  const PipelineTiming<double>& timing() const { return timing_; }

 private:
  void on_clock() {
    const uint64_t edge = edge_++;
    if (valid_in.read() && timing_.can_accept(edge)) {
      timing_.accept(edge);
      timing_.schedule(edge, arith_.mac(a_in.read(), b_in.read(), psum_in.read()));
    }
    if (auto r = timing_.pop_due(edge)) {
      psum_out.write(*r);
      valid_out.write(true);
    } else {
      valid_out.write(false);
    }
    ready_out.write(timing_.can_accept(edge + 1));
  }

  Arith arith_;
  PipelineTiming<double> timing_;
  uint64_t edge_ = 0;
};

using MacPeModule = ProductPeModule<MacPe>;
using LMulPeModule = ProductPeModule<LMulPe>;

// A MixPE: each transfer is one (activation, weight) element of a quantization group; the
// transfer with last_in high also applies the group's scale_in and zero_in and produces
// psum_out = psum_in + dequantized group sum. Only group-closing transfers produce a result.
class MixPeModule : public sc_core::sc_module {
 public:
  sc_core::sc_in<bool> clk_in{"clk_in"};
  sc_core::sc_in<bool> valid_in{"valid_in"};
  sc_core::sc_in<double> act_in{"act_in"};
  sc_core::sc_in<int> weight_in{"weight_in"};
  sc_core::sc_in<bool> last_in{"last_in"};
  sc_core::sc_in<double> scale_in{"scale_in"};
  sc_core::sc_in<int> zero_in{"zero_in"};
  sc_core::sc_in<double> psum_in{"psum_in"};
  sc_core::sc_out<bool> ready_out{"ready_out"};
  sc_core::sc_out<bool> valid_out{"valid_out"};
  sc_core::sc_out<double> psum_out{"psum_out"};

  SC_HAS_PROCESS(MixPeModule);
  MixPeModule(sc_core::sc_module_name name, MixPe arith, int latency, int initiation_interval);

  const MixPe& arith() const { return arith_; }

 private:
  void on_clock();

  MixPe arith_;
  PipelineTiming<double> timing_;
  uint64_t edge_ = 0;
};

// A vector lane: result_out = op(a_in, b_in) with op_in a VectorOp code (b_in unused by exp).
// An operation occupies the lane for the PE traits' cycles of its operator (VectorPe::op_cycles:
// a Taylor exp kExpTaylorSteps issue slots), each an initiation interval long.
class VectorPeModule : public sc_core::sc_module {
 public:
  sc_core::sc_in<bool> clk_in{"clk_in"};
  sc_core::sc_in<bool> valid_in{"valid_in"};
  sc_core::sc_in<int> op_in{"op_in"};
  sc_core::sc_in<double> a_in{"a_in"};
  sc_core::sc_in<double> b_in{"b_in"};
  sc_core::sc_out<bool> ready_out{"ready_out"};
  sc_core::sc_out<bool> valid_out{"valid_out"};
  sc_core::sc_out<double> result_out{"result_out"};

  SC_HAS_PROCESS(VectorPeModule);
  VectorPeModule(sc_core::sc_module_name name, VectorPe arith, int latency, int initiation_interval);

  const VectorPe& arith() const { return arith_; }

 private:
  void on_clock();

  VectorPe arith_;
  PipelineTiming<double> timing_;
  uint64_t edge_ = 0;
};

}  // namespace einsim
