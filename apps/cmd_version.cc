#include <cstdio>

#include "antispoof/common/error.h"
#include "command.h"

namespace {
antispoof::cli::Registration reg{{"version", "Print the version", [](CLI::App&) {
                                     return [] {
                                       std::printf("antispoof %s\n", antispoof::Version().c_str());
                                       return 0;
                                     };
                                   }, 1000}};
}  // namespace
