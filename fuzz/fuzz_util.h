// Shared contract of the fuzz targets: a parser given any bytes either returns or throws
// antispoof::Error whose message names the input (by the name it was given); anything else (another
// exception, a crash, a sanitizer report, a hang) is a bug.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "antispoof/common/error.h"

namespace antispoof::fuzz {

inline constexpr const char* kName = "fuzz-input";

template <typename Body>
void ExpectOnlyErrors(Body&& body) {
  try {
    body();
  } catch (const antispoof::Error& e) {
    if (std::string(e.what()).find(kName) == std::string::npos) {
      std::fprintf(stderr, "error message does not name the input: %s\n", e.what());
      std::abort();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception (not antispoof::Error): %s\n", e.what());
    std::abort();
  }
}

}  // namespace antispoof::fuzz
