// End-to-end runs of `einsim sweep`: same rows however the sweep ran, resume after kill -9,
// crashing and hanging points recorded while the sweep finishes, shards + merge, MPI.
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <random>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "dse/result_store.hpp"

using namespace einsim::dse;

namespace {

const std::string kSweep = "dse/library/gemm_dataflows.yaml";
constexpr size_t kPoints = 15;  // 3 dataflows x 5 zipped shapes

std::string db_path(const std::string& name) { return "/tmp/einsim_sweep_test_" + std::to_string(::getpid()) + "_" + name + ".sqlite"; }

void remove_db(const std::string& db) {
  for (const char* ext : {"", "-wal", "-shm"}) std::remove((db + ext).c_str());
}

int run(const std::string& args, const std::string& env = "") {
  const std::string cmd = "cd '" + std::string(EINSIM_SOURCE_DIR) + "' && " + env + " '" + EINSIM_BINARY + "' " +
                          args + " >/dev/null 2>&1 </dev/null";
  const int raw = std::system(cmd.c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

// Rows without their wall times, ordered by key.
std::vector<std::string> rows_of(const std::string& db) {
  ResultStore store(db);
  std::vector<std::string> out;
  for (Row r : store.rows()) {
    r.wall_s = 0;
    out.push_back(r.to_json().dump());
  }
  return out;
}

}  // namespace

TEST_CASE("bundled sweeps pass einsim check") {
  CHECK(run("check dse/library/iso_area_pe_kinds.yaml dse/library/fusemax_array_scaling.yaml "
            "dse/library/gemm_dataflows.yaml dse/library/iso_area_pe_kinds_attention.yaml") == 0);
}

TEST_CASE("same sweep, same rows: twice, --jobs 1 and 2, shards merged") {
  const std::string a = db_path("a"), b = db_path("b"), s0 = db_path("s0"), s1 = db_path("s1"), all = db_path("all");
  for (const auto& d : {a, b, s0, s1, all}) remove_db(d);
  REQUIRE(run("sweep " + kSweep + " --jobs 2 --db " + a) == 0);
  REQUIRE(run("sweep " + kSweep + " --jobs 1 --db " + b) == 0);
  const auto one = rows_of(a);
  CHECK(one.size() == kPoints);
  CHECK(rows_of(b) == one);
  // Rerunning resumes: nothing new, nothing duplicated.
  REQUIRE(run("sweep " + kSweep + " --jobs 2 --db " + a) == 0);
  CHECK(rows_of(a) == one);
  REQUIRE(run("sweep " + kSweep + " --shard 0/2 --db " + s0) == 0);
  REQUIRE(run("sweep " + kSweep + " --shard 1/2 --db " + s1) == 0);
  CHECK(rows_of(s0).size() == (kPoints + 1) / 2);
  REQUIRE(run("sweep merge " + s0 + " " + s1 + " -o " + all) == 0);
  CHECK(rows_of(all) == one);
  for (const auto& d : {a, b, s0, s1, all}) remove_db(d);
}

TEST_CASE("a crashing and a hanging point are recorded and the sweep finishes") {
  const std::string db = db_path("fault");
  remove_db(db);
  REQUIRE(run("sweep " + kSweep + " --jobs 2 --timeout 2 --db " + db, "EINSIM_SWEEP_FAULT=crash@3,hang@7") == 0);
  ResultStore store(db);
  const auto rows = store.rows();
  CHECK(rows.size() == kPoints);
  int crashed = 0, hung = 0, ok = 0;
  for (const Row& r : rows) {
    // SIGSEGV (11) in a plain build; under ASan with abort_on_error the sanitizer turns it into SIGABRT (6).
    if (r.status == "failed" && (r.error.find("signal 11") != std::string::npos ||
                                 r.error.find("signal 6") != std::string::npos))
      ++crashed;
    if (r.status == "timeout") ++hung;
    if (r.status == "ok") ++ok;
  }
  CHECK(crashed == 1);
  CHECK(hung == 1);
  CHECK(ok == static_cast<int>(kPoints) - 2);
  remove_db(db);
}

TEST_CASE("kill -9 at random moments loses nothing finished and duplicates nothing") {
  const std::string db = db_path("kill"), ref = db_path("kill_ref");
  remove_db(db);
  remove_db(ref);
  REQUIRE(run("sweep " + kSweep + " --jobs 2 --db " + ref) == 0);
  std::mt19937 rng(12345);
  int kills = 0;
  for (int attempt = 0; attempt < 30; ++attempt) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      if (::chdir(EINSIM_SOURCE_DIR) != 0) ::_exit(127);
      ::freopen("/dev/null", "w", stdout);
      ::freopen("/dev/null", "w", stderr);
      ::execl(EINSIM_BINARY, EINSIM_BINARY, "sweep", kSweep.c_str(), "--jobs", "2", "--db", db.c_str(), nullptr);
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(5, 150)(rng)));
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ++kills;
      continue;
    }
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    if (kills >= 3) break;
    remove_db(db);  // finished before a kill: start over to get more kills in
  }
  CHECK(kills >= 3);
  REQUIRE(run("sweep " + kSweep + " --jobs 2 --db " + db) == 0);
  CHECK(rows_of(db) == rows_of(ref));
  remove_db(db);
  remove_db(ref);
}

TEST_CASE("mpirun -n 2 gives the rows of one run") {
  // OpenMPI's own start-up allocations are never freed: leak checking is off for the ranks
  // (the same sweep is leak-checked without MPI above).
  if (std::system("command -v mpirun >/dev/null 2>&1") != 0) {
    WARN("mpirun not installed: MPI mode not tested");
    return;
  }
  const std::string db = db_path("mpi"), ref = db_path("mpi_ref");
  remove_db(db);
  remove_db(ref);
  REQUIRE(run("sweep " + kSweep + " --jobs 1 --db " + ref) == 0);
  const std::string cmd = "cd '" + std::string(EINSIM_SOURCE_DIR) +
                          "' && ASAN_OPTIONS=\"${ASAN_OPTIONS:-}:detect_leaks=0\" mpirun -n 2 --oversubscribe --allow-run-as-root '" + EINSIM_BINARY + "' sweep " +
                          kSweep + " --mpi --db " + db + " >/dev/null 2>&1 </dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  CHECK(rows_of(db) == rows_of(ref));
  remove_db(db);
  remove_db(ref);
}
