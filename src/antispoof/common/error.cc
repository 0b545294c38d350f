#include "antispoof/common/error.h"

#include <cmath>

#include "antispoof/common/strings.h"

namespace antispoof {

std::string Located(const std::string& path, long line, const std::string& message) {
  if (line > 0) return path + ":" + std::to_string(line) + ": " + message;
  return path + ": " + message;
}

void Fail(const std::string& message) { throw Error(message); }

void FailAt(const std::string& path, long line, const std::string& message) {
  throw Error(Located(path, line, message));
}

void RequireFinite(double value, const std::string& flag) {
  if (!std::isfinite(value)) throw Error(flag + ": " + ShortestDouble(value) + " is not a finite number");
}

std::string Version() { return ANTISPOOF_VERSION; }

}  // namespace antispoof
