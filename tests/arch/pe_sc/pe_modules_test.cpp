#define CATCH_CONFIG_RUNNER
#include "arch/pe/sc/pe_modules.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <random>
#include <systemc>
#include <utility>
#include <vector>

using namespace einsim;

int sc_main(int argc, char* argv[]) { return Catch::Session().run(argc, argv); }

namespace {

constexpr double kPeriodNs = 10.0;

uint64_t current_cycle() {
  return static_cast<uint64_t>(sc_core::sc_time_stamp().to_seconds() * 1e9 / kPeriodNs + 0.5);
}

// Source -> DUT -> sink around one PE module, with a scoreboard: the source presents item i
// (through `drive`), holds it until the DUT's ready was high, then waits `gap` idle cycles;
// the sink records every valid output with the cycle it was on the port.
template <class Item>
class Bench : public sc_core::sc_module {
 public:
  sc_core::sc_clock clk{"clk", kPeriodNs, sc_core::SC_NS};
  sc_core::sc_signal<bool> valid{"valid"};
  sc_core::sc_signal<bool> ready{"ready"};
  sc_core::sc_signal<bool> out_valid{"out_valid"};
  sc_core::sc_signal<double> out{"out"};

  std::vector<Item> items;
  std::function<void(const Item&)> drive;
  int gap = 0;
  std::vector<uint64_t> transfer_cycles;             // cycle in which item i was transferred
  std::vector<std::pair<uint64_t, double>> outputs;  // (cycle on the port, value)

  SC_HAS_PROCESS(Bench);
  explicit Bench(sc_core::sc_module_name name) : sc_core::sc_module(name) {
    SC_METHOD(source);
    sensitive << clk.posedge_event();
    dont_initialize();
    SC_METHOD(sink);
    sensitive << clk.posedge_event();
    dont_initialize();
  }

 private:
  void source() {
    const uint64_t cycle = current_cycle();
    if (presenting_ && ready.read()) {  // valid and ready were both high during the previous cycle
      transfer_cycles.push_back(cycle - 1);
      presenting_ = false;
      ++next_;
      idle_until_ = cycle + static_cast<uint64_t>(gap);
    }
    if (!presenting_) {
      if (next_ < items.size() && cycle >= idle_until_) {
        drive(items[next_]);
        valid.write(true);
        presenting_ = true;
      } else {
        valid.write(false);
      }
    }
  }
  void sink() {
    if (out_valid.read()) outputs.push_back({current_cycle() - 1, out.read()});
  }

  bool presenting_ = false;
  size_t next_ = 0;
  uint64_t idle_until_ = 0;
};

// Checks the timing contract: transfers every max(1 + gap, II) cycles from cycle 0, and the i-th
// result (of the i-th result-producing transfer) on the port at its transfer cycle + latency.
template <class Item>
void check_timing(const Bench<Item>& bench, const std::vector<size_t>& producing, int latency, int ii) {
  REQUIRE(bench.transfer_cycles.size() == bench.items.size());
  const uint64_t step = static_cast<uint64_t>(std::max(1 + bench.gap, ii));
  for (size_t i = 0; i < bench.transfer_cycles.size(); ++i) CHECK(bench.transfer_cycles[i] == i * step);
  REQUIRE(bench.outputs.size() == producing.size());
  for (size_t r = 0; r < producing.size(); ++r)
    CHECK(bench.outputs[r].first == bench.transfer_cycles[producing[r]] + static_cast<uint64_t>(latency));
}

uint64_t run_cycles(size_t items, int gap, int ii, int latency) {
  return static_cast<uint64_t>(items) * static_cast<uint64_t>(std::max(1 + gap, ii)) + static_cast<uint64_t>(latency) +
         8;
}

struct Product {
  double a, b, psum;
};

template <class Module, class Arith>
void run_product_pe(Arith reference, Arith arith, const std::vector<Product>& items, int latency, int ii, int gap) {
  sc_core::sc_signal<double> a("a"), b("b"), psum("psum");
  Bench<Product> bench("bench");
  Module pe("pe", std::move(arith), latency, ii);
  pe.clk_in(bench.clk);
  pe.valid_in(bench.valid);
  pe.a_in(a);
  pe.b_in(b);
  pe.psum_in(psum);
  pe.ready_out(bench.ready);
  pe.valid_out(bench.out_valid);
  pe.psum_out(bench.out);
  bench.items = items;
  bench.gap = gap;
  bench.drive = [&](const Product& p) {
    a.write(p.a);
    b.write(p.b);
    psum.write(p.psum);
  };
  sc_core::sc_start(static_cast<double>(run_cycles(items.size(), gap, ii, latency)) * kPeriodNs, sc_core::SC_NS);

  std::vector<size_t> producing(items.size());
  for (size_t i = 0; i < items.size(); ++i) producing[i] = i;
  check_timing(bench, producing, latency, ii);
  for (size_t i = 0; i < bench.outputs.size(); ++i)
    CHECK(bench.outputs[i].second == reference.mac(items[i].a, items[i].b, items[i].psum));
  CHECK(pe.arith().counts()[PeAction::mac] == items.size());
}

std::vector<Product> random_products(size_t n, uint64_t seed, NumberFormat f) {
  std::mt19937_64 rng(seed);
  std::vector<Product> v(n);
  for (auto& p : v) {
    auto draw = [&] { return quantize(f, static_cast<double>(static_cast<int64_t>(rng() % 2001) - 1000) / 37.0); };
    p = {draw(), draw(), draw() * 10};
  }
  return v;
}

}  // namespace

TEST_CASE("fp16 MAC module matches the arithmetic with latency 3 and II 1", "[arch][pe_sc]") {
  const PeKind kind = *parse_pe_kind("mac_fp16");
  run_product_pe<MacPeModule>(MacPe(kind), MacPe(kind), random_products(40, 1, NumberFormat::fp16), 3, 1, 0);
}

TEST_CASE("int8 MAC module holds operands until ready with II 2", "[arch][pe_sc]") {
  // The source offers a new operand every cycle; the PE takes one every 2 cycles.
  const PeKind kind = *parse_pe_kind("mac_int8");
  run_product_pe<MacPeModule>(MacPe(kind), MacPe(kind), random_products(25, 2, NumberFormat::int8), 2, 2, 0);
}

TEST_CASE("fp8 MAC module with latency 1 and a slow source", "[arch][pe_sc]") {
  const PeKind kind = *parse_pe_kind("mac_fp8_e4m3_acc16");
  run_product_pe<MacPeModule>(MacPe(kind), MacPe(kind), random_products(20, 3, NumberFormat::fp8_e4m3), 1, 1, 2);
}

TEST_CASE("L-Mul module matches the arithmetic with latency 2 and II 3", "[arch][pe_sc]") {
  const PeKind kind = *parse_pe_kind("lmul_m3");
  run_product_pe<LMulPeModule>(LMulPe(kind), LMulPe(kind), random_products(20, 4, NumberFormat::fp8_e4m3), 2, 3, 0);
}

TEST_CASE("MixPE module dequantizes once per group", "[arch][pe_sc]") {
  struct Element {
    double act;
    int weight;
    bool last;
    double scale;
    int zero;
    double psum;
  };
  const int latency = 4, ii = 1, group = 8, groups = 5;
  std::mt19937_64 rng(5);
  std::vector<Element> items;
  for (int g = 0; g < groups; ++g)
    for (int k = 0; k < group; ++k)
      items.push_back({quantize(NumberFormat::fp16, static_cast<double>(static_cast<int>(rng() % 200) - 100) / 16.0),
                       static_cast<int>(rng() % 16), k == group - 1, 0.25 * (g + 1), g % 3 + 6, 1.5 * g});

  sc_core::sc_signal<double> act("act"), scale("scale"), psum("psum");
  sc_core::sc_signal<int> weight("weight"), zero("zero");
  sc_core::sc_signal<bool> last("last");
  Bench<Element> bench("bench");
  const PeKind kind = *parse_pe_kind("mixpe_uw4a16");
  MixPeModule pe("pe", MixPe(kind), latency, ii);
  pe.clk_in(bench.clk);
  pe.valid_in(bench.valid);
  pe.act_in(act);
  pe.weight_in(weight);
  pe.last_in(last);
  pe.scale_in(scale);
  pe.zero_in(zero);
  pe.psum_in(psum);
  pe.ready_out(bench.ready);
  pe.valid_out(bench.out_valid);
  pe.psum_out(bench.out);
  bench.items = items;
  bench.drive = [&](const Element& e) {
    act.write(e.act);
    weight.write(e.weight);
    last.write(e.last);
    scale.write(e.scale);
    zero.write(e.zero);
    psum.write(e.psum);
  };
  sc_core::sc_start(static_cast<double>(run_cycles(items.size(), 0, ii, latency)) * kPeriodNs, sc_core::SC_NS);

  MixPe reference(kind);
  std::vector<double> expected;
  std::vector<size_t> producing;
  for (size_t i = 0; i < items.size(); ++i) {
    reference.step(items[i].act, items[i].weight);
    if (items[i].last) {
      expected.push_back(reference.finish_group(items[i].scale, items[i].zero, items[i].psum));
      producing.push_back(i);
    }
  }
  check_timing(bench, producing, latency, ii);
  for (size_t r = 0; r < expected.size(); ++r) CHECK(bench.outputs[r].second == expected[r]);
  CHECK(pe.arith().counts()[PeAction::shift_add] == static_cast<uint64_t>(group * groups * 4));
  CHECK(pe.arith().counts()[PeAction::dequant] == static_cast<uint64_t>(groups));
}

TEST_CASE("vector module runs every op with latency 5 and II 2", "[arch][pe_sc]") {
  struct Op {
    VectorOp op;
    double a, b;
  };
  const int latency = 5, ii = 2;
  std::vector<Op> items;
  for (int i = 0; i < 30; ++i)
    items.push_back({static_cast<VectorOp>(i % 6), quantize(NumberFormat::fp16, -3.0 + 0.37 * i),
                     quantize(NumberFormat::fp16, 1.0 + 0.11 * i)});
  sc_core::sc_signal<double> a("a"), b("b");
  sc_core::sc_signal<int> op("op");
  Bench<Op> bench("bench");
  VectorPeModule pe("pe", VectorPe(NumberFormat::fp16, ExpUnit::dedicated), latency, ii);
  pe.clk_in(bench.clk);
  pe.valid_in(bench.valid);
  pe.op_in(op);
  pe.a_in(a);
  pe.b_in(b);
  pe.ready_out(bench.ready);
  pe.valid_out(bench.out_valid);
  pe.result_out(bench.out);
  bench.items = items;
  bench.drive = [&](const Op& o) {
    op.write(static_cast<int>(o.op));
    a.write(o.a);
    b.write(o.b);
  };
  sc_core::sc_start(static_cast<double>(run_cycles(items.size(), 0, ii, latency)) * kPeriodNs, sc_core::SC_NS);

  VectorPe reference(NumberFormat::fp16, ExpUnit::dedicated);
  std::vector<size_t> producing(items.size());
  for (size_t i = 0; i < items.size(); ++i) producing[i] = i;
  check_timing(bench, producing, latency, ii);
  for (size_t i = 0; i < bench.outputs.size(); ++i)
    CHECK(bench.outputs[i].second == reference.apply(items[i].op, items[i].a, items[i].b));
  CHECK(pe.arith().counts()[PeAction::exp] == 5u);  // five exps on the dedicated unit, one cycle each
  CHECK(pe.arith().counts()[PeAction::div] == 5u);
}

TEST_CASE("a Taylor exp occupies the lane for the PE traits' cycles", "[arch][pe_sc][traits]") {
  // Without SystemC: the module's pipeline bookkeeping with the lane's op_cycles. ii = 2,
  // latency 3: an add accepted at edge 0 frees the lane at edge 2 (due at 2); a Taylor exp
  // accepted at 2 takes kExpTaylorSteps = 6 issue slots: the next operation waits until
  // 2 + 6 x 2 = 14, and the exp's result is due at 2 + 3 - 1 + (6 - 1) x 2 = 14.
  const VectorPe lane(NumberFormat::fp16, ExpUnit::taylor_on_mac);
  REQUIRE(lane.op_cycles(VectorOp::exp) == kExpTaylorSteps);
  REQUIRE(lane.op_cycles(VectorOp::add) == 1);
  PipelineTiming<int> t(3, 2);
  t.accept(0, lane.op_cycles(VectorOp::add));
  t.schedule(0, 1);
  CHECK_FALSE(t.can_accept(1));
  CHECK(t.can_accept(2));
  t.accept(2, lane.op_cycles(VectorOp::exp));
  t.schedule(2, 2);
  CHECK(t.pop_due(2) == std::optional<int>(1));
  CHECK_FALSE(t.can_accept(13));
  CHECK(t.can_accept(14));
  CHECK_FALSE(t.pop_due(13).has_value());
  CHECK(t.pop_due(14) == std::optional<int>(2));
}
