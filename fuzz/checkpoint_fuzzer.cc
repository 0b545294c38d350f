// libFuzzer target: the checkpoint reader (pth::ReadCheckpointBytes: zip archive, restricted
// unpickler, legacy format, storages), touching every tensor it returns.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "antispoof/pth/pth.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  antispoof::fuzz::ExpectOnlyErrors([&] {
    antispoof::pth::Checkpoint checkpoint =
        antispoof::pth::ReadCheckpointBytes(bytes, antispoof::fuzz::kName);
    // Reading every element of every tensor must stay inside its storage.
    for (const auto* dict : {&checkpoint.tensors, &checkpoint.extra_tensors}) {
      for (const auto& [name, tensor] : *dict) {
        if (tensor.numel() > 0 && tensor.numel() < (1 << 20)) tensor.contiguous();
      }
    }
  });
  return 0;
}
