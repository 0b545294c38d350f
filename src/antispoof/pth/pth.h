// PyTorch checkpoint (.pth) files: a safe reader for both torch.save formats and an atomic writer.
//
// Reading never executes anything from the file: only dicts, OrderedDicts, tuples, lists, scalars and
// tensors are rebuilt, every other global is an Error naming it. A missing, truncated or corrupt file is an
// antispoof::Error whose message starts with the path.
#pragma once

#include <torch/torch.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace antispoof::pth {

// Entry names and tensors in file order.
using StateDict = std::vector<std::pair<std::string, torch::Tensor>>;

struct Checkpoint {
  StateDict tensors;          // the PyTorch state_dict (what torch.load returns)
  StateDict extra_tensors;    // antispoof's optimizer state etc.; empty for foreign files
  std::string metadata_json;  // antispoof's JSON metadata; "" for foreign files
};

// Reads a zip-format (PyTorch 1.6+) or legacy (pre-1.6) file, detected by content. Tensors are CPU views
// over the file's storages (entries sharing a storage in the file share it here too).
Checkpoint ReadCheckpoint(const std::string& path);

// ReadCheckpoint's reader on the bytes of a file held in memory; `path` names it in messages.
Checkpoint ReadCheckpointBytes(std::string_view bytes, const std::string& path);

// ReadCheckpoint(path).tensors.
StateDict ReadStateDict(const std::string& path);

// Error naming `source` and the first tensor (in state's order) that holds a NaN or an infinity, with the
// count and the first bad element; integer tensors are not checked.
void RequireFiniteTensors(const StateDict& state, const std::string& source);

// Writes the zip format torch.load reads as an OrderedDict state_dict with the same names (each entry its
// own contiguous storage), plus records archive/antispoof_extra.pkl (extra_tensors) and
// archive/antispoof.json (metadata_json) that torch.load ignores. Atomic: the file at `path` is either the
// previous one or the complete new one.
void WriteCheckpoint(const std::string& path, const Checkpoint& checkpoint);

}  // namespace antispoof::pth
