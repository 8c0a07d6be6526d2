#pragma once
// Technology node scaling of energy and area between 130 nm and 7 nm, after
// A. Stillmaker and B. Baas, "Scaling equations for the accurate prediction of
// CMOS device performance from 180 nm to 7 nm", Integration 58 (2017) 74-81.
//
// Area: the paper's area scaling factors, taken from its 45 nm row (each
// node's area relative to 45 nm), so factors compose. Energy: the paper's
// per-node quadratic fits of energy against supply voltage, E(node, V) =
// a V^2 + b V + c, evaluated at one common supply voltage for both nodes (so
// scaling a node to itself is exactly 1). Nodes between the tabulated ones are
// interpolated linearly in log(node) on log(factor).

#include <vector>

namespace einsim {

// Tabulated nodes, largest first: 130, 90, 65, 45, 32, 20, 16, 14, 10, 7.
const std::vector<double>& scaling_nodes_nm();
inline constexpr double kMinScalingNodeNm = 7;
inline constexpr double kMaxScalingNodeNm = 130;
// Common supply voltage at which the energy fits are compared.
inline constexpr double kScalingVdd = 0.8;

// Factor to multiply an area at `from_nm` by to get the area at `to_nm`.
// Throws Error outside [7, 130] nm.
double area_scale(double from_nm, double to_nm);
// Factor to multiply an energy at `from_nm` by to get the energy at `to_nm`.
double energy_scale(double from_nm, double to_nm);

// The published tables themselves (for tests and docs).
// area_factor_published(i, j): area factor from node i to node j (indices into scaling_nodes_nm()).
double area_factor_published(int from_index, int to_index);
// Energy fit at node index i and supply voltage vdd (relative units).
double energy_fit(int node_index, double vdd);

}  // namespace einsim
