// libFuzzer target: the ASVspoof protocol parser (data::ParseProtocol), every format.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "antispoof/data/protocol.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using antispoof::data::ProtocolFormat;
  if (size == 0) return 0;
  // The first byte picks the format the caller asks for; the rest is the file.
  const ProtocolFormat formats[] = {ProtocolFormat::kAuto, ProtocolFormat::kCm5,
                                    ProtocolFormat::kCm4, ProtocolFormat::kCm3,
                                    ProtocolFormat::kTrialList, ProtocolFormat::kLa2021Keys,
                                    ProtocolFormat::kDf2021Keys, ProtocolFormat::kAsvspoof5,
                                    ProtocolFormat::kInTheWild};
  const ProtocolFormat format = formats[data[0] % (sizeof(formats) / sizeof(formats[0]))];
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  antispoof::fuzz::ExpectOnlyErrors([&] {
    auto protocol = antispoof::data::ParseProtocol(text, antispoof::fuzz::kName, format);
    auto summary = antispoof::data::Summarize(protocol);
    if (summary.total != static_cast<int64_t>(protocol.entries.size())) __builtin_trap();
    antispoof::data::FormatSummary(summary);
  });
  return 0;
}
