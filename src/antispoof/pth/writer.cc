#include <c10/util/Exception.h>
#include <caffe2/serialize/inline_container.h>

#include <unordered_set>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/pth/pickle.h"
#include "antispoof/pth/pth.h"

namespace antispoof::pth {
namespace {

// CPU, contiguous, plain (no conjugate or negative bit) copies where needed; names checked unique.
StateDict Prepare(const StateDict& dict, const char* what) {
  StateDict out;
  std::unordered_set<std::string> seen;
  for (const auto& [name, tensor] : dict) {
    if (!seen.insert(name).second) Fail(std::string(what) + ": duplicate entry '" + name + "'");
    if (!tensor.defined()) Fail(std::string(what) + ": entry '" + name + "' is an undefined tensor");
    if (tensor.layout() != torch::kStrided || tensor.is_quantized())
      Fail(std::string(what) + ": entry '" + name + "' is not a dense tensor");
    StorageTypeName(tensor.scalar_type());
    out.emplace_back(name, tensor.detach().to(torch::kCPU).resolve_conj().resolve_neg().contiguous());
  }
  return out;
}

}  // namespace

void WriteCheckpoint(const std::string& path, const Checkpoint& checkpoint) {
  std::string bytes;
  try {
    StateDict tensors = Prepare(checkpoint.tensors, "state_dict");
    StateDict extra = Prepare(checkpoint.extra_tensors, "extra tensors");
    caffe2::serialize::PyTorchStreamWriter writer([&bytes](const void* data, size_t size) {
      bytes.append(static_cast<const char*>(data), size);
      return size;
    });
    std::string pickle = PickleStateDict(tensors, 0);
    writer.writeRecord("data.pkl", pickle.data(), pickle.size());
    if (!extra.empty()) {
      std::string extra_pickle = PickleStateDict(extra, static_cast<int64_t>(tensors.size()));
      writer.writeRecord("antispoof_extra.pkl", extra_pickle.data(), extra_pickle.size());
    }
    if (!checkpoint.metadata_json.empty())
      writer.writeRecord("antispoof.json", checkpoint.metadata_json.data(), checkpoint.metadata_json.size());
    int64_t key = 0;
    for (const StateDict* dict : {&tensors, &extra})
      for (const auto& entry : *dict) {
        const torch::Tensor& t = entry.second;
        writer.writeRecord("data/" + std::to_string(key++), t.data_ptr(), t.numel() * t.element_size());
      }
    writer.writeEndOfFile();
  } catch (const Error& e) {
    FailAt(path, 0, std::string("cannot write checkpoint: ") + e.what());
  } catch (const c10::Error& e) {
    FailAt(path, 0, std::string("cannot write checkpoint: ") + e.what_without_backtrace());
  }
  WriteFileAtomic(path, bytes);
}

}  // namespace antispoof::pth
