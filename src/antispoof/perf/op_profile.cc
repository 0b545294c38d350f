#include "antispoof/perf/op_profile.h"

#include <torch/csrc/autograd/profiler_legacy.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"

namespace antispoof::perf {
namespace {
struct Event {
  std::string name;
  double start_us, end_us;
  std::string thread;
};

// The legacy profiler writes a Chrome trace: a JSON array of complete ("X") events in microseconds.
std::vector<Event> ParseTrace(const std::string& trace) {
  std::vector<Event> events;
  const nlohmann::json j = nlohmann::json::parse(trace, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) throw Error("profiler: unexpected trace format");
  for (const auto& e : j) {
    if (e.value("ph", "") != "X" || !e.contains("dur")) continue;
    const double ts = e["ts"].get<double>(), dur = e["dur"].get<double>();
    events.push_back({e.value("name", "?"), ts, ts + dur, e.contains("tid") ? e["tid"].dump() : ""});
  }
  return events;
}
}  // namespace

std::vector<OpTime> ProfileOps(const std::function<void()>& fn) {
  std::ostringstream trace;
  {
    torch::autograd::profiler::RecordProfile profile(trace);
    fn();
  }
  std::vector<Event> events = ParseTrace(trace.str());
  // Self time: on each thread, an event's duration less that of the events directly inside it.
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.thread != b.thread ? a.thread < b.thread
                                : (a.start_us != b.start_us ? a.start_us < b.start_us : a.end_us > b.end_us);
  });
  std::map<std::string, OpTime> by_name;
  std::vector<size_t> open;  // indices of the enclosing events
  std::vector<double> child_us(events.size(), 0);
  auto close_until = [&](const Event* next) {
    while (!open.empty()) {
      const Event& top = events[open.back()];
      if (next && next->thread == top.thread && next->start_us < top.end_us) break;
      const size_t i = open.back();
      open.pop_back();
      OpTime& t = by_name[top.name];
      t.name = top.name;
      ++t.calls;
      t.self_ms += std::max(0.0, (top.end_us - top.start_us - child_us[i]) / 1e3);
      const bool nested_same = std::any_of(open.begin(), open.end(), [&](size_t k) { return events[k].name == top.name; });
      if (!nested_same) t.total_ms += (top.end_us - top.start_us) / 1e3;
      if (!open.empty()) child_us[open.back()] += top.end_us - top.start_us;
    }
  };
  for (size_t i = 0; i < events.size(); ++i) {
    close_until(&events[i]);
    open.push_back(i);
  }
  close_until(nullptr);
  std::vector<OpTime> ops;
  for (auto& [_, t] : by_name) ops.push_back(t);
  std::sort(ops.begin(), ops.end(), [](const OpTime& a, const OpTime& b) { return a.self_ms > b.self_ms; });
  return ops;
}

std::string FormatOpTable(const std::vector<OpTime>& ops, int top) {
  double all = 0;
  for (const auto& o : ops) all += o.self_ms;
  std::string out = Format("%-44s %7s %10s %7s %10s\n", "operator", "calls", "self ms", "share", "total ms");
  for (int i = 0; i < top && i < static_cast<int>(ops.size()); ++i) {
    const auto& o = ops[i];
    out += Format("%-44s %7d %10.2f %6.1f%% %10.2f\n", o.name.substr(0, 44).c_str(), o.calls, o.self_ms,
                  all > 0 ? 100 * o.self_ms / all : 0.0, o.total_ms);
  }
  return out;
}

}  // namespace antispoof::perf
