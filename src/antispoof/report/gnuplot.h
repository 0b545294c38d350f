// Running gnuplot: scripts and data files in a private temporary folder, LC_ALL=C.
#pragma once

#include <string>

namespace antispoof::report {

// gnuplot's path on PATH; Error naming the gnuplot-nox package when absent.
std::string FindGnuplot();

class GnuplotRunner {
 public:
  // Finds gnuplot, checks for the pngcairo terminal (else png) and makes the temporary folder.
  GnuplotRunner();
  ~GnuplotRunner();
  GnuplotRunner(const GnuplotRunner&) = delete;
  GnuplotRunner& operator=(const GnuplotRunner&) = delete;

  // pngcairo (else png): transparent fills are only possible with cairo.
  bool cairo() const { return cairo_; }
  // Writes a data file into the temporary folder; scripts refer to it by `name`.
  void WriteData(const std::string& name, const std::string& text) const;
  // Runs `script` (without terminal or output: they are set here; text is not "enhanced", so
  // run_0 stays run_0) and copies the PNG it draws to `png_path`. Error with gnuplot's messages
  // when it fails or draws no PNG.
  void Render(const std::string& script, const std::string& png_path, int width = 1000,
              int height = 600) const;

 private:
  std::string Terminal(int width, int height) const;
  int Run(const std::string& script_name, std::string* messages) const;
  std::string gnuplot_;
  std::string dir_;
  bool cairo_ = false;
};

}  // namespace antispoof::report
