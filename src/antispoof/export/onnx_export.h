// A countermeasure as an ONNX model: the eval-mode forward of its architecture as an ONNX graph
// (opset kOnnxOpset, ops of the default domain only) whose initializers are the model's weights
// under their state_dict names, built with libonnx's protobuf IR and checked with its checker.
// ONNX types stay inside the .cc: callers see bytes.
#pragma once

#include <string>

#include "antispoof/model/countermeasure.h"

namespace antispoof::exporting {

inline constexpr int kOnnxOpset = 17;

// The serialized ModelProto, after onnx::checker::check_model passed. Input "x" [batch, N] float32
// samples (int16/32768 scale); output "outputs" [batch, 2], the model's eval-mode outputs (RawNet2:
// log-probabilities, AASIST: logits; column 1 is bona fide, the score); N is free ("samples"): any
// length the model accepts (AASIST's graph pooling computes how many nodes it keeps from the shapes,
// int(n * ratio) in double precision as the reference). The GRU is ONNX's GRU (linear_before_reset = 1, gates reordered z, r, h),
// one node per layer. metadata_props["antispoof"] holds ExportMetadata. Error naming the architecture when the checker rejects the graph.
std::string OnnxBytes(model::CountermeasureImpl& model);

// Parses serialized bytes and runs ONNX's checker on them; Error("<source>: ...") when either fails.
void CheckOnnx(const std::string& bytes, const std::string& source);

}  // namespace antispoof::exporting
