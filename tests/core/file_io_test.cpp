#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/core/error.hpp"
#include "sim/core/file_io.hpp"
#include "sim/core/utf8.hpp"
#include "sim/core/checked.hpp"

using namespace einsim;

namespace {
std::string temp_name(const char* tag) {
  return std::string("/tmp/einsim_file_io_") + tag + "_" + std::to_string(::getpid());
}
}  // namespace

TEST_CASE("read_input_file refuses devices, directories, FIFOs and oversized files", "[core][file_io]") {
  CHECK_THROWS_WITH(read_input_file("/dev/zero", "YAML file"), Catch::Contains("character device"));
  CHECK_THROWS_WITH(read_input_file("/tmp", "YAML file"), Catch::Contains("directory"));
  CHECK_THROWS_WITH(read_input_file("/no/such/file.yaml", "YAML file"), Catch::Contains("cannot open"));
  const std::string fifo = temp_name("fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS_WITH(read_input_file(fifo, "YAML file"), Catch::Contains("named pipe"));  // and never blocks
  std::remove(fifo.c_str());

  const std::string big = temp_name("big");
  { std::ofstream(big) << std::string(1001, 'x'); }
  CHECK_THROWS_WITH(read_input_file(big, "tensor file", 1000), Catch::Contains("1001 bytes"));
  CHECK(read_input_file(big, "tensor file", 1001).size() == 1001);
  std::remove(big.c_str());
}

TEST_CASE("write_output_file leaves no partial file when producing fails", "[core][file_io]") {
  const std::string out = temp_name("out");
  std::remove(out.c_str());
  CHECK_THROWS(write_output_file(out, "report", [](std::ostream& o) {
    o << "partial";
    throw Error("failed half way");
  }));
  struct stat st {};
  CHECK(::stat(out.c_str(), &st) != 0);  // nothing was left behind
  write_output_file(out, "report", [](std::ostream& o) { o << "whole"; });
  std::ifstream in(out);
  std::string text;
  in >> text;
  CHECK(text == "whole");
  std::remove(out.c_str());
  CHECK_THROWS_WITH(write_output_file("/tmp", "report", [](std::ostream&) {}), Catch::Contains("directory"));
}

TEST_CASE("find_invalid_utf8 accepts well-formed UTF-8 and locates the first bad byte", "[core][utf8]") {
  CHECK_FALSE(find_invalid_utf8("plain ascii"));
  CHECK_FALSE(find_invalid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));  // é, €, an emoji
  CHECK(find_invalid_utf8("ab\xFF") == std::optional<std::size_t>(2));
  CHECK(find_invalid_utf8("\xC0\xAF") == std::optional<std::size_t>(0));          // overlong '/'
  CHECK(find_invalid_utf8("x\xED\xA0\x80") == std::optional<std::size_t>(1));     // a UTF-16 surrogate
  CHECK(find_invalid_utf8("\xF4\x90\x80\x80") == std::optional<std::size_t>(0));  // above U+10FFFF
  CHECK(find_invalid_utf8("\xE2\x82") == std::optional<std::size_t>(0));          // truncated
  TextPosition p = text_position("ab\ncd\xFF", 5);
  CHECK(p.line == 2);
  CHECK(p.column == 3);
}

TEST_CASE("checked arithmetic fails instead of wrapping", "[core][checked]") {
  const int64_t big = int64_t{1} << 62;
  CHECK(checked_mul(big, int64_t{1}, "x") == big);
  CHECK_THROWS_WITH(checked_mul(big, int64_t{2}, "bytes of T"), Catch::Contains("bytes of T exceeds 2^63"));
  CHECK_THROWS_AS(checked_add(INT64_MAX, int64_t{1}, "cycles"), Error);
  CHECK_THROWS_AS(checked_to_int64(1e30, "cycles"), Error);
  CHECK(checked_to_int64(12345.0, "cycles") == 12345);
  CHECK_THROWS_AS(checked_finite(1e308 * 10, "energy"), Error);
}
