// Writing a countermeasure as a deployment file: the formats, the metadata every file carries, and
// the checks on where it goes (`antispoof export`).
#pragma once

#include <string>

#include "antispoof/model/countermeasure.h"

namespace antispoof::exporting {

enum class ExportFormat { kTorchScript, kOnnx };

// "torchscript" or "onnx"; Error("<flag>: ...") naming the known formats otherwise.
ExportFormat ParseExportFormat(const std::string& name, const std::string& flag);
const char* FormatName(ExportFormat format);

// The JSON object an exported file carries (TorchScript: the archive's extra file antispoof.json;
// ONNX: metadata_props key "antispoof"): producer, architecture, nb_samp, sample_rate, what the
// outputs are and which column is the score.
std::string ExportMetadata(const model::CountermeasureImpl& model, ExportFormat format);

// The file's bytes (TorchScriptBytes or OnnxBytes).
std::string ExportBytes(model::CountermeasureImpl& model, ExportFormat format);

// Whether the file at `path` is one that antispoof's export wrote (it carries the metadata).
bool IsAntispoofExport(const std::string& path);

// Error("<path>: ...") when `path` cannot take an export: it is a folder, its folder does not
// exist, or it is an existing file that antispoof's export did not write (unless `force`).
void CheckExportTarget(const std::string& path, bool force);

}  // namespace antispoof::exporting
