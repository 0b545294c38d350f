// libFuzzer target: the config loader (ParseConfig: YAML and AASIST JSON layouts, validation),
// and the round trip of an accepted config through ToYaml.
#include <cstddef>
#include <cstdint>
#include <string>

#include "antispoof/config/config.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  antispoof::fuzz::ExpectOnlyErrors([&] {
    antispoof::Config config = antispoof::ParseConfig(text, antispoof::fuzz::kName);
    std::string yaml = antispoof::ToYaml(config);
    antispoof::Config again = antispoof::ParseConfig(yaml, antispoof::fuzz::kName);
    if (antispoof::ToYaml(again) != yaml) __builtin_trap();
  });
  return 0;
}
