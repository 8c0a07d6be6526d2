// Reading ONNX models: damaged tensor shapes are errors, not undefined behaviour.

#include <catch2/catch.hpp>
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/error.hpp"
#include "sim/core/file_io.hpp"
#include "sim/import/onnx_model.hpp"

using namespace einsim;

namespace {

// One Relu on a 2x2 graph input, and one initializer of the given dimensions.
std::string model_with_initializer(const std::vector<int64_t>& dims) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* g = m.mutable_graph();
  g->set_name("dims_test");
  auto* in = g->add_input();
  in->set_name("x");
  auto* tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  for (int i = 0; i < 2; ++i) tt->mutable_shape()->add_dim()->set_dim_value(2);
  auto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::INT64);
  for (int64_t d : dims) w->add_dims(d);
  auto* relu = g->add_node();
  relu->set_op_type("Relu");
  relu->add_input("x");
  relu->add_output("y");
  g->add_output()->set_name("y");
  std::string bytes;
  m.SerializeToString(&bytes);
  return bytes;
}

}  // namespace

// Found by fuzz_import_onnx (tests/fuzz/regressions/import_onnx_ubsan_*.onnx): the element
// count of an initializer was the product of its dimensions, overflowing int64_t (undefined
// behaviour) for a damaged shape, and a negative dimension made the count negative; an
// empty tensor's raw data was copied from a null pointer (memcpy of 0 bytes, also UB).
TEST_CASE("ONNX: a tensor's dimensions are sizes whose product fits in 64 bits", "[import][onnx][hardening]") {
  CHECK_THROWS_WITH(import::read_onnx(model_with_initializer({int64_t{1} << 40, int64_t{1} << 40}), "m.onnx", {}),
                    Catch::Contains("m.onnx") && Catch::Contains("tensor 'w'") && Catch::Contains("exceeds 2^63"));
  CHECK_THROWS_WITH(import::read_onnx(model_with_initializer({4, -(int64_t{1} << 61)}), "m.onnx", {}),
                    Catch::Contains("tensor 'w' has a dimension of -2305843009213693952"));
  const std::string dir = std::string(EINSIM_SOURCE_DIR) + "/tests/fuzz/regressions/";
  CHECK_THROWS_AS(import::read_onnx(read_input_file(dir + "import_onnx_ubsan_dims_overflow.onnx", "ONNX model"),
                                    "crash.onnx", {}),
                  Error);
  CHECK_NOTHROW(import::read_onnx(read_input_file(dir + "import_onnx_ubsan_empty_tensor_memcpy.onnx", "ONNX model"),
                                  "crash.onnx", {}));

  // Shapes that fit still read, including an empty tensor and a large weight (shape only).
  auto empty = import::read_onnx(model_with_initializer({0, 3}), "m.onnx", {});
  CHECK(empty.constants.at("w").dims == std::vector<int64_t>{0, 3});
  CHECK_FALSE(empty.constants.at("w").ints);
  auto big = import::read_onnx(model_with_initializer({int64_t{1} << 31, int64_t{1} << 31}), "m.onnx", {});
  CHECK(big.constants.at("w").dims.size() == 2);
  CHECK_FALSE(big.constants.at("w").ints);
}
