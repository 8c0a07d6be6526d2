// Every key the architecture loader accepts (arch/spec/arch_keys.hpp) is read by a model or
// rejected: a sweep over a key nothing reads would give flat lines. The audit table
// (arch_key_audit_cases.cpp, arch_key_audit_storage.cpp) covers each accepted key exactly once,
// and its check perturbs the key on a bundled architecture and shows what a user sees change
// (or, for a structural key, that its effect is identity). A key added to the accepted lists
// without an entry fails the first test.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <utility>

#include "arch/spec/arch_keys.hpp"
#include "tests/arch/spec/arch_key_audit.hpp"

using namespace einsim;
using namespace einsim::audit;

TEST_CASE("every accepted architecture key has exactly one audit entry", "[arch][spec][key_audit]") {
  std::map<std::pair<std::string, std::string>, int> entries;
  for (const KeyAudit& k : key_audits()) {
    INFO(k.section << "." << k.key);
    CHECK(k.check != nullptr);
    CHECK_FALSE(k.why.empty());
    ++entries[{std::string(k.section), std::string(k.key)}];
  }
  size_t accepted = 0;
  for (const auto& section : arch_keys::kSections) {
    for (std::string_view key : section.keys) {
      INFO("accepted key " << section.name << "." << key << " needs one entry in the audit table");
      CHECK(entries[{std::string(section.name), std::string(key)}] == 1);
      ++accepted;
    }
  }
  // No entry for a key the loader does not accept (the lookups above added none).
  CHECK(entries.size() == accepted);
  CHECK(key_audits().size() == accepted);
}

TEST_CASE("register files reject the keys no model reads, naming them", "[arch][spec][key_audit]") {
  for (std::string_view key : arch_keys::kRegfileUnmodelled) {
    INFO(key);
    const std::string value = key == "double_buffered" ? "true" : "2";
    CHECK_THAT(load_error("fusemax_cloud.yaml", {"storage.RF." + std::string(key) + "=" + value}),
               Catch::Contains(std::string(key) + " is not modelled") && Catch::Contains("storage[2]"));
  }
}

TEST_CASE("each architecture key changes what a user sees, or is structural", "[arch][spec][key_audit]") {
  for (const KeyAudit& k : key_audits()) {
    DYNAMIC_SECTION(k.section << "." << k.key << ": " << k.why) { k.check(); }
  }
}
