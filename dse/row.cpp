#include "dse/row.hpp"

namespace einsim::dse {
namespace {

using Json = nlohmann::ordered_json;

template <class T>
Json opt(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}

template <class T>
std::optional<T> get_opt(const Json& j, const char* k) {
  if (!j.contains(k) || j[k].is_null()) return std::nullopt;
  return j[k].get<T>();
}

}  // namespace

Json Row::to_json() const {
  return Json{{"key", key},         {"axes", axes},           {"status", status},         {"error", error},
              {"cycles", opt(cycles)}, {"seconds", opt(seconds)}, {"energy_pj", opt(energy_pj)},
              {"area_mm2", opt(area_mm2)}, {"edp", opt(edp)}, {"dram_bytes", opt(dram_bytes)},
              {"utilization", opt(utilization)}, {"pareto", pareto}, {"config", config}, {"report", report},
              {"wall_s", wall_s}};
}

Row Row::from_json(const Json& j) {
  Row r;
  r.key = j.at("key").get<std::string>();
  r.axes = j.at("axes");
  r.status = j.at("status").get<std::string>();
  r.error = j.at("error").get<std::string>();
  r.cycles = get_opt<int64_t>(j, "cycles");
  r.seconds = get_opt<double>(j, "seconds");
  r.energy_pj = get_opt<double>(j, "energy_pj");
  r.area_mm2 = get_opt<double>(j, "area_mm2");
  r.edp = get_opt<double>(j, "edp");
  r.dram_bytes = get_opt<int64_t>(j, "dram_bytes");
  r.utilization = get_opt<double>(j, "utilization");
  r.pareto = j.value("pareto", 0);
  r.config = j.at("config").get<std::string>();
  r.report = j.at("report").get<std::string>();
  r.wall_s = j.value("wall_s", 0.0);
  return r;
}

std::optional<double> Row::metric(const std::string& name) const {
  if (name == "cycles") return cycles ? std::optional<double>(static_cast<double>(*cycles)) : std::nullopt;
  if (name == "seconds") return seconds;
  if (name == "energy_pj") return energy_pj;
  if (name == "area_mm2") return area_mm2;
  if (name == "edp") return edp;
  if (name == "dram_bytes") return dram_bytes ? std::optional<double>(static_cast<double>(*dram_bytes)) : std::nullopt;
  if (name == "utilization") return utilization;
  return std::nullopt;
}

}  // namespace einsim::dse
