#include "antispoof/export/export.h"

#include <nlohmann/json.hpp>
#include <onnx/onnx_pb.h>

#include <filesystem>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/export/onnx_export.h"
#include "antispoof/export/torchscript_export.h"

namespace antispoof::exporting {

ExportFormat ParseExportFormat(const std::string& name, const std::string& flag) {
  if (name == "torchscript") return ExportFormat::kTorchScript;
  if (name == "onnx") return ExportFormat::kOnnx;
  Fail(flag + ": unknown format '" + name + "' (known: torchscript, onnx)");
}

const char* FormatName(ExportFormat format) {
  return format == ExportFormat::kOnnx ? "onnx" : "torchscript";
}

std::string ExportMetadata(const model::CountermeasureImpl& model, ExportFormat format) {
  const bool log_probs = model.ArgmaxScoreThreshold().has_value();
  nlohmann::json j = {{"producer", "antispoof " + Version()},
                      {"format", FormatName(format)},
                      {"architecture", model.Name()},
                      {"nb_samp", model.config().nb_samp},
                      {"sample_rate", model.config().sample_rate},
                      {"input", "[batch, samples] float32, int16/32768 scale"},
                      {"outputs", log_probs ? "log-probabilities" : "logits"},
                      {"columns", {"spoof", "bonafide"}},
                      {"score", model.ScoreMeaning() + " (column 1; higher = more bona fide)"}};
  return j.dump();
}

std::string ExportBytes(model::CountermeasureImpl& model, ExportFormat format) {
  return format == ExportFormat::kOnnx ? OnnxBytes(model) : TorchScriptBytes(model);
}

bool IsAntispoofExport(const std::string& path) {
  const std::string bytes = ReadFile(path);
  // A TorchScript archive (zip) with the metadata entry; its name is stored uncompressed.
  if (bytes.rfind("PK", 0) == 0) return bytes.find("/extra/antispoof.json") != std::string::npos;
  onnx::ModelProto proto;
  if (!proto.ParseFromString(bytes) || proto.producer_name() != "antispoof") return false;
  for (const auto& p : proto.metadata_props())
    if (p.key() == "antispoof") return true;
  return false;
}

void CheckExportTarget(const std::string& path, bool force) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path.empty()) Fail("--out: empty path");
  if (fs::is_directory(path, ec)) FailAt(path, 0, "is a folder (give the file to write)");
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec))
    FailAt(path, 0, "its folder " + parent.string() + " does not exist");
  if (fs::exists(path, ec) && !force && !IsAntispoofExport(path))
    FailAt(path, 0, "exists and is not a model antispoof exported; not replacing it (--force replaces it)");
}

}  // namespace antispoof::exporting
