// ONNX Concat: models built in memory, imported, and the emitted workload loaded as
// `einsim check` loads it. Expected shapes are worked out by hand in each test.

#include <catch2/catch.hpp>
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "sim/core/error.hpp"
#include "sim/core/yaml_source.hpp"
#include "sim/import/onnx_import.hpp"
#include "tests/e2e/run_einsim.hpp"
#include "workloads/einsum_cascade.hpp"

using namespace einsim;

namespace {

struct InputSpec {
  std::string name;
  std::vector<int64_t> shape;  // -1: the symbolic dimension "seq"
};

// A graph of graph inputs, one Concat (inputs in order, `axis`) and a Relu reading its result.
std::string concat_model(const std::vector<InputSpec>& inputs, int64_t axis, bool with_axis = true) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* opset = m.add_opset_import();
  opset->set_domain("");
  opset->set_version(17);
  auto* g = m.mutable_graph();
  g->set_name("concat_test");
  auto* cat = g->add_node();
  cat->set_op_type("Concat");
  cat->set_name("cat");
  for (const InputSpec& t : inputs) {
    auto* in = g->add_input();
    in->set_name(t.name);
    auto* tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : t.shape) {
      auto* dim = tt->mutable_shape()->add_dim();
      if (d < 0) {
        dim->set_dim_param("seq");
      } else {
        dim->set_dim_value(d);
      }
    }
    cat->add_input(t.name);
  }
  cat->add_output("joined");
  if (with_axis) {
    auto* a = cat->add_attribute();
    a->set_name("axis");
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(axis);
  }
  auto* relu = g->add_node();
  relu->set_op_type("Relu");
  relu->set_name("act");
  relu->add_input("joined");
  relu->add_output("out");
  g->add_output()->set_name("out");
  std::string bytes;
  REQUIRE(m.SerializeToString(&bytes));
  return bytes;
}

EinsumCascade import_and_load(const std::string& bytes, const import::OnnxImportOptions& options = {}) {
  import::ImportResult r = import::import_onnx(bytes, "concat.onnx", options);
  REQUIRE(r.files.size() == 1);
  INFO(r.files[0].text);
  return load_workload(YamlDocument::load_string(r.files[0].text, "workload.yaml"));
}

// The extents of the tensor an Einsum named `name` writes.
std::vector<int64_t> written_shape(const EinsumCascade& c, const std::string& name) {
  for (const Einsum& e : c.einsums) {
    if (e.name == name) return c.tensors[e.output.tensor].extents;
  }
  FAIL("no Einsum named " << name);
  return {};
}

// The extents of the tensor Einsum `name` reads first.
std::vector<int64_t> read_shape(const EinsumCascade& c, const std::string& name) {
  for (const Einsum& e : c.einsums) {
    if (e.name == name) return c.tensors[e.inputs.at(0).tensor].extents;
  }
  FAIL("no Einsum named " << name);
  return {};
}

using Shape = std::vector<int64_t>;

void expect_error(const std::string& bytes, const std::string& needle) {
  try {
    import::import_onnx(bytes, "concat.onnx", {});
    FAIL("no error");
  } catch (const Error& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find("node 'cat' (Concat)") != std::string::npos);
    CHECK(what.find(needle) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("onnx Concat: [2,3] and [2,5] on axis 1 give [2,8]", "[import][onnx]") {
  const EinsumCascade c = import_and_load(concat_model({{"A", {2, 3}}, {"B", {2, 5}}}, 1));
  // One copy per input, each of its input's shape; the consumer reads the joined [2, 3 + 5].
  CHECK(written_shape(c, "Cat_part1") == Shape{2, 3});
  CHECK(written_shape(c, "Cat_part2") == Shape{2, 5});
  CHECK(read_shape(c, "Cat_part1") == Shape{2, 3});
  CHECK(read_shape(c, "Cat_part2") == Shape{2, 5});
  CHECK(read_shape(c, "Act") == Shape{2, 8});
  CHECK(written_shape(c, "Act") == Shape{2, 8});
  CHECK(c.einsums.size() == 3);
}

TEST_CASE("onnx Concat: a negative axis, three inputs, the first axis", "[import][onnx]") {
  // axis -3 of rank 3 is axis 0: 1 + 2 + 4 = 7 rows of [., 3, 5].
  EinsumCascade c = import_and_load(concat_model({{"A", {1, 3, 5}}, {"B", {2, 3, 5}}, {"C", {4, 3, 5}}}, -3));
  CHECK(written_shape(c, "Cat_part1") == Shape{3, 5});  // the size-1 dimension has no rank
  CHECK(written_shape(c, "Cat_part2") == Shape{2, 3, 5});
  CHECK(written_shape(c, "Cat_part3") == Shape{4, 3, 5});
  CHECK(read_shape(c, "Act") == Shape{7, 3, 5});
  // axis -1 of rank 2: [4, 2] and [4, 6] give [4, 8].
  c = import_and_load(concat_model({{"A", {4, 2}}, {"B", {4, 6}}}, -1));
  CHECK(read_shape(c, "Act") == Shape{4, 8});
}

TEST_CASE("onnx Concat: a symbolic dimension off the axis stays a parameter", "[import][onnx]") {
  import::OnnxImportOptions o;
  o.symbols["seq"] = 6;
  // [seq, 3] and [seq, 1] on axis 1: [6, 4], the 6 being the parameter seq.
  const EinsumCascade c = import_and_load(concat_model({{"A", {-1, 3}}, {"B", {-1, 1}}}, 1), o);
  CHECK(read_shape(c, "Act") == Shape{6, 4});
  CHECK(written_shape(c, "Cat_part2") == Shape{6});
  REQUIRE(c.parameters.size() == 1);
  CHECK(c.parameters[0] == std::pair<std::string, int64_t>{"seq", 6});
}

TEST_CASE("onnx Concat: a single input is an identity", "[import][onnx]") {
  const EinsumCascade c = import_and_load(concat_model({{"A", {2, 3}}}, 0));
  REQUIRE(c.einsums.size() == 1);
  CHECK(read_shape(c, "Act") == Shape{2, 3});
}

TEST_CASE("onnx Concat: mismatched dimensions, a bad axis or none are errors naming the node", "[import][onnx]") {
  expect_error(concat_model({{"A", {2, 3}}, {"B", {4, 5}}}, 1), "input 2 has size 4 in dimension 0, input 1 has 2");
  expect_error(concat_model({{"A", {2, 3}}, {"B", {2, 3, 1}}}, 0), "input 2 has rank 3, input 1 has rank 2");
  expect_error(concat_model({{"A", {2, 3}}, {"B", {2, 5}}}, 2), "axis 2 outside a tensor of rank 2");
  expect_error(concat_model({{"A", {2, 3}}, {"B", {2, 5}}}, -3), "axis -3 outside a tensor of rank 2");
  expect_error(concat_model({{"A", {2, 3}}, {"B", {2, 5}}}, 1, false), "axis attribute is missing");
}

TEST_CASE("onnx Concat at the command line: the import passes check; a bad Concat exits 2", "[import][onnx]") {
  const std::string dir = "/tmp/einsim_onnx_concat_test";
  REQUIRE(std::system(("mkdir -p " + dir).c_str()) == 0);
  const auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
    return dir + "/" + name;
  };
  const std::string good = write("good.onnx", concat_model({{"A", {2, 3}}, {"B", {2, 5}}}, 1));
  auto r = testing::run_einsim("import onnx " + good + " -o " + dir + "/good.yaml");
  INFO(r.err);
  REQUIRE(r.status == 0);
  r = testing::run_einsim("check " + dir + "/good.yaml");
  INFO(r.out << r.err);
  CHECK(r.status == 0);
  const std::string bad = write("bad.onnx", concat_model({{"A", {2, 3}}, {"B", {3, 5}}}, 1));
  r = testing::run_einsim("import onnx " + bad + " -o " + dir + "/bad.yaml");
  CHECK(r.status == 2);
  CHECK(r.err.find("node 'cat' (Concat)") != std::string::npos);
}
