#include "sim/engine/error_metrics.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "sim/core/error.hpp"

using namespace einsim;

TEST_CASE("error metrics of a hand computed vector") {
  // ref = (3, 4), x = (3, 5): error (0, 1); ||ref|| = 5, ||err|| = 1.
  const std::vector<double> ref{3, 4}, x{3, 5};
  const ErrorMetrics e = error_metrics(x, ref);
  CHECK(e.count == 2);
  CHECK(e.non_finite == 0);
  CHECK(e.max_abs_error == 1.0);
  CHECK(e.rel_rms_error == Approx(1.0 / 5.0));
  // 10 log10(25 / 1) = 13.979...
  CHECK(e.sqnr_db == Approx(10.0 * std::log10(25.0)));
}

TEST_CASE("error metrics with errors of both signs") {
  // ref = (1, -2, 2), x = (1.5, -2, 1): errors (0.5, 0, -1): sum ref^2 = 9, sum err^2 = 1.25.
  const std::vector<double> ref{1, -2, 2}, x{1.5, -2, 1};
  const ErrorMetrics e = error_metrics(x, ref);
  CHECK(e.max_abs_error == 1.0);
  CHECK(e.rel_rms_error == Approx(std::sqrt(1.25 / 9.0)));
  CHECK(e.sqnr_db == Approx(10.0 * std::log10(9.0 / 1.25)));
}

TEST_CASE("error metrics of an exact result") {
  const std::vector<double> ref{1, 2, -3};
  const ErrorMetrics e = error_metrics(ref, ref);
  CHECK(e.max_abs_error == 0.0);
  CHECK(e.rel_rms_error == 0.0);
  CHECK(std::isinf(e.sqnr_db));
  CHECK(e.sqnr_db > 0);
}

TEST_CASE("error metrics count non finite values and leave them out") {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> ref{1, 2, 2, 4}, x{std::nan(""), inf, 2, 5};
  const ErrorMetrics e = error_metrics(x, ref);
  CHECK(e.non_finite == 2);
  CHECK(e.count == 2);
  CHECK(e.max_abs_error == 1.0);
  // Over the finite pairs (2, 2) and (5, 4): sum ref^2 = 20, sum err^2 = 1.
  CHECK(e.rel_rms_error == Approx(std::sqrt(1.0 / 20.0)));
  CHECK(e.sqnr_db == Approx(10.0 * std::log10(20.0)));
}

TEST_CASE("error metrics against a zero reference") {
  const std::vector<double> ref{0, 0}, x{0, 1e-3};
  const ErrorMetrics e = error_metrics(x, ref);
  CHECK(e.max_abs_error == 1e-3);
  CHECK(std::isinf(e.rel_rms_error));
  CHECK(std::isinf(e.sqnr_db));
  CHECK(e.sqnr_db < 0);
}

TEST_CASE("error metrics refuse mismatched lengths and non finite references") {
  const std::vector<double> a{1, 2}, b{1};
  CHECK_THROWS_AS(error_metrics(a, b), Error);
  const std::vector<double> bad{1, std::nan("")};
  CHECK_THROWS_AS(error_metrics(a, bad), Error);
}
