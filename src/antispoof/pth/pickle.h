// A restricted unpickler for PyTorch state_dict pickles and the pickle writer for state_dicts.
//
// Nothing from the pickle is executed. The only globals are collections.OrderedDict,
// torch._utils._rebuild_tensor{,_v2}, torch._utils._rebuild_parameter, torch.Size and torch.<T>Storage;
// any other global is an Error naming it. A container becomes immutable once it is placed inside another
// value, so a pickle cannot build a cycle, and nesting is limited to kMaxDepth.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace antispoof::pth {

constexpr int kMaxDepth = 100;

// Elements of a storage, as a 1-D tensor `base` of the storage's dtype; a storage view (legacy format)
// covers base[offset, offset + numel).
struct Storage {
  torch::Tensor base;
  int64_t offset = 0;
  int64_t numel = 0;
};

struct Value;
using ValuePtr = std::shared_ptr<Value>;

struct Value {
  enum class Kind { kNone, kBool, kInt, kBigInt, kFloat, kString, kBytes, kTuple, kList, kDict, kGlobal, kStorage, kTensor };
  Kind kind = Kind::kNone;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  std::string text;  // kString, kBytes, kBigInt (little-endian two's complement), kGlobal ("module.name")
  std::vector<ValuePtr> items;                          // kTuple, kList
  std::vector<std::pair<ValuePtr, ValuePtr>> entries;   // kDict (dict or OrderedDict), insertion order
  Storage storage;                                      // kStorage
  torch::Tensor tensor;                                 // kTensor
  int depth = 1;
  bool frozen = false;
};

std::string KindName(const Value& v);

// Resolves a persistent id (BINPERSID) to a kStorage value; throws Error when it is not acceptable.
using PersistentLoad = std::function<ValuePtr(const Value& pid)>;

// Unpickles one pickle starting at bytes[*pos]; on return *pos is just past its STOP opcode. `what` names
// the pickle in messages ("archive/data.pkl"). Error (without the file name) on anything unexpected.
ValuePtr Unpickle(std::string_view bytes, size_t* pos, const std::string& what, const PersistentLoad& persistent_load);

// Protocol-2 pickle of an OrderedDict of tensors as torch.save writes it: entry i refers to storage
// record data/<first_key + i> (element type of the tensor, numel elements, offset 0, contiguous strides).
std::string PickleStateDict(const std::vector<std::pair<std::string, torch::Tensor>>& tensors, int64_t first_key);

// The torch storage class name ("FloatStorage") of a dtype; Error when torch has none.
std::string StorageTypeName(torch::ScalarType dtype);
// The dtype of a storage class global (torch.FloatStorage); Error for any other value.
torch::ScalarType StorageDtype(const Value& storage_type);

}  // namespace antispoof::pth
