// antispoof export: a checkpoint as one self-contained file for deployment, TorchScript (runs in
// LibTorch or PyTorch with no antispoof code) or ONNX (any ONNX runtime). The file's forward takes
// [batch, samples] float samples and returns the same [batch, 2] outputs as `antispoof score`'s model
// (column 1, bona fide, is the score).
#include <chrono>
#include <cstdio>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/config/config.h"
#include "antispoof/export/export.h"
#include "antispoof/infer/scoring.h"
#include "command.h"

namespace {
namespace exporting = antispoof::exporting;

struct ExportArgs {
  std::string config, checkpoint, format = "torchscript", out;
  bool force = false;
};

int RunExport(const ExportArgs& a) {
  const auto start = std::chrono::steady_clock::now();
  // Everything about the flags is checked before the model loads.
  const exporting::ExportFormat format = exporting::ParseExportFormat(a.format, "--format");
  exporting::CheckExportTarget(a.out, a.force);
  const antispoof::Config config = antispoof::LoadConfig(a.config);
  antispoof::model::Countermeasure net = antispoof::infer::LoadModel(config.model, a.checkpoint, torch::kCPU);
  net->eval();
  const std::string bytes = exporting::ExportBytes(*net, format);
  antispoof::WriteFileAtomic(a.out, bytes);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: %s %s, %.1f MB, %s in column 1, in %.2f s\n", a.out.c_str(), net->Name().c_str(),
              exporting::FormatName(format), bytes.size() / 1e6, net->ScoreMeaning().c_str(), seconds);
  return 0;
}

antispoof::cli::Registration reg{{"export", "Write a checkpoint as a self-contained TorchScript or ONNX model", [](CLI::App& sub) {
  auto a = std::make_shared<ExportArgs>();
  sub.add_option("-c,--config", a->config, "YAML config of the checkpoint's model")->required();
  sub.add_option("--checkpoint", a->checkpoint, ".pth weights (antispoof's or the reference's)")->required();
  sub.add_option("--format", a->format,
                 "torchscript: a TorchScript module (torch.jit.load, torch::jit::load); onnx: an ONNX model, opset 17. "
                 "Both take [batch, samples] of any length the model accepts and return its [batch, 2] outputs")
      ->capture_default_str();
  sub.add_option("-o,--out", a->out,
                 "File to write (atomically). An existing file is replaced only when antispoof exported it")
      ->required();
  sub.add_flag("--force", a->force, "Replace --out even when it is not a file antispoof exported");
  return std::function<int()>([a] { return RunExport(*a); });
}, 34}};
}  // namespace
