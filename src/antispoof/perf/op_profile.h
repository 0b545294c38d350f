// Where a model's time goes: LibTorch's profiler around one call, summed per operator.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace antispoof::perf {

struct OpTime {
  std::string name;   // the operator ("aten::mkldnn_convolution") or a record_function label
  int calls = 0;
  double self_ms = 0;   // time inside it, less the operators it called (the caller's thread only)
  double total_ms = 0;  // with them (nested calls of the same name counted once)
};

// Runs fn once under the profiler; operators sorted by self time, largest first.
std::vector<OpTime> ProfileOps(const std::function<void()>& fn);

// The `top` largest, one line each: name, calls, self ms, share of all self time, total ms.
std::string FormatOpTable(const std::vector<OpTime>& ops, int top);

}  // namespace antispoof::perf
