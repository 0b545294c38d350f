#include "antispoof/export/onnx_export.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <variant>
#include <vector>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"
#include "antispoof/export/export.h"
#include "antispoof/model/aasist.h"
#include "antispoof/model/rawnet2.h"
#include "antispoof/model/sinc.h"

namespace antispoof::exporting {
namespace {

using Ints = std::vector<int64_t>;

constexpr float kBnEps = 1e-5f;       // torch's default, every BatchNorm of both architectures
constexpr float kLeakySlope = 0.3f;  // RawNet2's LeakyReLU

struct Attr {
  std::string name;
  std::variant<int64_t, float, Ints> value;
};

// An ONNX graph under construction: initializers named as the model's state_dict, nodes whose
// outputs get unique names.
class Graph {
 public:
  Graph(onnx::GraphProto* g, const std::map<std::string, torch::Tensor>& state) : g_(g), state_(state) {}

  // The initializer of state_dict entry `name` (added on first use).
  std::string W(const std::string& name) {
    if (added_.insert(name).second) {
      auto it = state_.find(name);
      if (it == state_.end()) Fail("export: the model has no state_dict entry " + name);
      AddInitializer(name, it->second);
    }
    return name;
  }
  // A derived initializer (a reordered weight, a constant).
  std::string Init(const std::string& name, const torch::Tensor& t) {
    if (added_.insert(name).second) AddInitializer(name, t);
    return name;
  }
  std::string Int64s(const Ints& v) {
    std::string name = "const";
    for (int64_t x : v) name += "_" + std::to_string(x);
    return Init(name, torch::tensor(v, torch::kInt64));
  }

  std::vector<std::string> NodeN(const std::string& op, const std::vector<std::string>& inputs, int outputs,
                                 const std::vector<Attr>& attrs = {}) {
    onnx::NodeProto* n = g_->add_node();
    n->set_op_type(op);
    n->set_name(op + "_" + std::to_string(counter_++));
    for (const auto& i : inputs) n->add_input(i);
    std::vector<std::string> out;
    for (int k = 0; k < outputs; ++k) {
      out.push_back(n->name() + (outputs > 1 ? ":" + std::to_string(k) : ""));
      n->add_output(out.back());
    }
    for (const auto& a : attrs) {
      onnx::AttributeProto* p = n->add_attribute();
      p->set_name(a.name);
      if (auto* i = std::get_if<int64_t>(&a.value)) {
        p->set_type(onnx::AttributeProto::INT);
        p->set_i(*i);
      } else if (auto* f = std::get_if<float>(&a.value)) {
        p->set_type(onnx::AttributeProto::FLOAT);
        p->set_f(*f);
      } else {
        p->set_type(onnx::AttributeProto::INTS);
        for (int64_t v : std::get<Ints>(a.value)) p->add_ints(v);
      }
    }
    return out;
  }
  std::string Node(const std::string& op, const std::vector<std::string>& inputs, const std::vector<Attr>& attrs = {}) {
    return NodeN(op, inputs, 1, attrs)[0];
  }

  // ---- the layers, in torch's eval-mode semantics ----
  // x [..., in] -> [..., out] with weight [out, in] and bias [out].
  std::string Linear(const std::string& x, const std::string& p) {
    auto it = transposed_.find(p);
    if (it == transposed_.end()) it = transposed_.emplace(p, Node("Transpose", {W(p + ".weight")})).first;
    return Node("Add", {Node("MatMul", {x, it->second}), W(p + ".bias")});
  }
  std::string Bn(const std::string& x, const std::string& p) {
    return Node("BatchNormalization",
                {x, W(p + ".weight"), W(p + ".bias"), W(p + ".running_mean"), W(p + ".running_var")},
                {{"epsilon", kBnEps}});
  }
  // BatchNorm1d over the last axis of [B, N, D] (rows B * N).
  std::string NodeBn(const std::string& x, const std::string& p, int64_t dim) {
    std::string rows = Node("Reshape", {x, Int64s({-1, dim})});
    return Node("Reshape", {Bn(rows, p), Node("Shape", {x})});
  }
  std::string Conv(const std::string& x, const std::string& p, const Ints& pads) {
    return Node("Conv", {x, W(p + ".weight"), W(p + ".bias")}, {{"pads", pads}});
  }
  std::string MaxPool(const std::string& x, const Ints& kernel) {
    return Node("MaxPool", {x}, {{"kernel_shape", kernel}, {"strides", kernel}});
  }
  std::string Reduce(const char* op, const std::string& x, int64_t axis) {
    return Node(op, {x}, {{"axes", Ints{axis}}, {"keepdims", int64_t{0}}});
  }
  std::string Unsqueeze(const std::string& x, int64_t axis) { return Node("Unsqueeze", {x, Int64s({axis})}); }
  std::string Squeeze(const std::string& x, int64_t axis) { return Node("Squeeze", {x, Int64s({axis})}); }
  // x[start:end] along `axis`; start and end are int64 [1] tensors (Int64s, Dim).
  std::string Slice(const std::string& x, int64_t axis, const std::string& start, const std::string& end) {
    return Node("Slice", {x, start, end, Int64s({axis})});
  }
  // x.size(axis) as an int64 [1] tensor.
  std::string Dim(const std::string& x, int64_t axis) {
    return Node("Shape", {x}, {{"start", axis}, {"end", axis + 1}});
  }
  std::string Scalar(float v) {
    const std::string name = "const_f_" + std::to_string(counter_++);
    return Init(name, torch::tensor(v));
  }

 private:
  void AddInitializer(const std::string& name, const torch::Tensor& value) {
    torch::Tensor t = value.detach().to(torch::kCPU).contiguous();
    onnx::TensorProto* p = g_->add_initializer();
    p->set_name(name);
    for (int64_t d : t.sizes()) p->add_dims(d);
    if (t.scalar_type() == torch::kInt64) {
      p->set_data_type(onnx::TensorProto::INT64);
    } else if (t.scalar_type() == torch::kFloat64) {
      p->set_data_type(onnx::TensorProto::DOUBLE);
    } else {
      t = t.to(torch::kFloat32);
      p->set_data_type(onnx::TensorProto::FLOAT);
    }
    p->set_raw_data(std::string(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size()));
  }

  onnx::GraphProto* g_;
  const std::map<std::string, torch::Tensor>& state_;
  std::set<std::string> added_;
  std::map<std::string, std::string> transposed_;
  int counter_ = 0;
};

// The sinc front end: [B, N] -> abs(conv(x, bank)) [B, C, N - K + 1].
std::string SincAbs(Graph& g, const std::string& x, const std::string& module, int channels, const ModelConfig& c) {
  torch::Tensor bank = model::MelSincFilters(channels, c.SincTaps(), c.sample_rate).unsqueeze(1);
  return g.Node("Abs", {g.Node("Conv", {g.Unsqueeze(x, 1), g.Init(module + ".filters", bank)})});
}

// ---- RawNet2 ----

std::string RawNet2Block(Graph& g, const ModelConfig& c, int k, const std::string& x) {
  const std::string p = "block" + std::to_string(k) + ".0";
  auto [cin, cout] = model::BlockChannels(c, k);
  std::string conv_in = x;
  if (k != 0 && c.preactivation == Preactivation::kFixed)
    conv_in = g.Node("LeakyRelu", {g.Bn(x, p + ".bn1")}, {{"alpha", kLeakySlope}});
  std::string out = g.Bn(g.Conv(conv_in, p + ".conv1", {1, 1}), p + ".bn2");
  out = g.Conv(g.Node("LeakyRelu", {out}, {{"alpha", kLeakySlope}}), p + ".conv2", {1, 1});
  if (c.attention == Attention::kSe) {
    const std::string a = p + ".channel_attention";
    auto mlp = [&](const std::string& z) { return g.Linear(g.Node("Relu", {g.Linear(z, a + ".fc1")}), a + ".fc2"); };
    std::string logits = mlp(g.Reduce("ReduceMean", out, 2));
    if (c.se_pooling == SePooling::kAvgMax)
      logits = g.Node("Add", {logits, mlp(g.Reduce("ReduceMax", out, 2))});
    out = g.Node("Mul", {out, g.Unsqueeze(g.Node("Sigmoid", {logits}), 2)});
  }
  out = g.Node("Add", {out, cin != cout ? g.Conv(x, p + ".conv_downsample", {0, 0}) : x});
  out = g.MaxPool(out, {3});
  // Filter-wise feature map scaling: s = sigmoid(fc(mean over time)); out * s + s.
  std::string s = g.Linear(g.Reduce("ReduceMean", out, 2), "fc_attention" + std::to_string(k) + ".0");
  s = g.Unsqueeze(g.Node("Sigmoid", {s}), 2);
  return g.Node("Add", {g.Node("Mul", {out, s}), s});
}

// PyTorch's GRU weights [r; z; n] -> ONNX's [z; r; h], with a leading direction axis.
torch::Tensor GatesZrh(const torch::Tensor& w) {
  auto parts = w.chunk(3, 0);
  return torch::cat({parts[1], parts[0], parts[2]}, 0).unsqueeze(0);
}

std::string RawNet2Graph(Graph& g, const ModelConfig& c, const std::map<std::string, torch::Tensor>& state) {
  std::string x = g.MaxPool(SincAbs(g, "x", "Sinc_conv", c.sinc_channels, c), {3});
  x = g.Node("Selu", {g.Bn(x, "first_bn")});
  for (int k = 0; k < c.blocks[0] + c.blocks[1]; ++k) x = RawNet2Block(g, c, k, x);
  x = g.Node("Selu", {g.Bn(x, "bn_before_gru")});
  std::string seq = g.Node("Transpose", {x}, {{"perm", Ints{2, 0, 1}}});  // [T, B, C]
  std::string last;
  for (int l = 0; l < c.nb_gru_layer; ++l) {
    const std::string s = "_l" + std::to_string(l);
    auto at = [&](const std::string& n) { return state.at("gru." + n + s); };
    std::string w = g.Init("gru.W" + s, GatesZrh(at("weight_ih")));
    std::string r = g.Init("gru.R" + s, GatesZrh(at("weight_hh")));
    std::string b = g.Init("gru.B" + s, torch::cat({GatesZrh(at("bias_ih")), GatesZrh(at("bias_hh"))}, 1));
    auto outs = g.NodeN("GRU", {seq, w, r, b}, 2,
                        {{"hidden_size", int64_t{c.gru_node}}, {"linear_before_reset", int64_t{1}}});
    seq = g.Squeeze(outs[0], 1);  // Y [T, 1, B, H] -> [T, B, H]
    last = g.Squeeze(outs[1], 0);  // Y_h [1, B, H]: the last step
  }
  x = g.Linear(g.Linear(last, "fc1_gru"), "fc2_gru");
  return g.Node("LogSoftmax", {x}, {{"axis", int64_t{1}}});
}

// ---- AASIST ----

// The max(1, int(n * ratio)) nodes of h [B, n, D] with the highest sigmoid scores, scaled by them.
// n comes from h's shape: int(n * ratio) in double precision, truncated, as Python computes it.
std::string GraphPool(Graph& g, const std::string& h, const std::string& p, int64_t dim, double ratio) {
  std::string scores = g.Node("Sigmoid", {g.Linear(h, p + ".proj")});  // [B, n, 1]
  std::string n = g.Node("Cast", {g.Dim(h, 1)}, {{"to", int64_t{onnx::TensorProto::DOUBLE}}});
  std::string scaled = g.Node("Mul", {n, g.Init("ratio_" + ShortestDouble(ratio), torch::tensor(ratio, torch::kFloat64))});
  std::string keep = g.Node("Max", {g.Node("Cast", {g.Node("Floor", {scaled})}, {{"to", int64_t{onnx::TensorProto::INT64}}}),
                                    g.Int64s({1})});
  auto top = g.NodeN("TopK", {scores, keep}, 2, {{"axis", int64_t{1}}});
  std::string idx = g.Node("Expand", {top[1], g.Node("Concat", {g.Int64s({1}), keep, g.Int64s({dim})}, {{"axis", int64_t{0}}})});
  return g.Node("GatherElements", {g.Node("Mul", {h, scores}), idx}, {{"axis", int64_t{1}}});
}

std::string PairwiseProducts(Graph& g, const std::string& x) {
  return g.Node("Mul", {g.Unsqueeze(x, 2), g.Unsqueeze(x, 1)});
}

std::string Softmax(Graph& g, const std::string& att, double temperature) {
  return g.Node("Softmax", {g.Node("Div", {att, g.Scalar(static_cast<float>(temperature))})}, {{"axis", int64_t{-2}}});
}

std::string GraphAttention(Graph& g, const std::string& x, const std::string& p, int64_t out_dim, double temperature) {
  std::string att = g.Node("MatMul", {g.Node("Tanh", {g.Linear(PairwiseProducts(g, x), p + ".att_proj")}),
                                      g.W(p + ".att_weight")});
  att = g.Squeeze(Softmax(g, att, temperature), -1);
  std::string h = g.Node("Add", {g.Linear(g.Node("MatMul", {att, x}), p + ".proj_with_att"),
                                 g.Linear(x, p + ".proj_without_att")});
  return g.Node("Selu", {g.NodeBn(h, p + ".bn", out_dim)});
}

struct Nodes {
  std::string t, s, master;
};

Nodes HeteroAttention(Graph& g, const std::string& p, const Nodes& in, int64_t out_dim, double temperature) {
  // Rows and columns [0, n1) are type 1 (in.t), [n1, end) type 2 (in.s).
  const std::string zero = g.Int64s({0}), n1 = g.Dim(in.t, 1), end = g.Int64s({INT64_MAX});
  std::string h = g.Node("Concat", {g.Linear(in.t, p + ".proj_type1"), g.Linear(in.s, p + ".proj_type2")},
                         {{"axis", int64_t{1}}});
  std::string pa = g.Node("Tanh", {g.Linear(PairwiseProducts(g, h), p + ".att_proj")});
  auto block = [&](bool row1, bool col1, const char* w) {
    std::string rows = row1 ? g.Slice(pa, 1, zero, n1) : g.Slice(pa, 1, n1, end);
    return g.Node("MatMul", {col1 ? g.Slice(rows, 2, zero, n1) : g.Slice(rows, 2, n1, end), g.W(p + "." + w)});
  };
  std::string top = g.Node("Concat", {block(true, true, "att_weight11"), block(true, false, "att_weight12")},
                           {{"axis", int64_t{2}}});
  std::string bottom = g.Node("Concat", {block(false, true, "att_weight12"), block(false, false, "att_weight22")},
                              {{"axis", int64_t{2}}});
  std::string att = g.Squeeze(Softmax(g, g.Node("Concat", {top, bottom}, {{"axis", int64_t{1}}}), temperature), -1);
  // The master node attends to every node.
  std::string am = g.Node("MatMul", {g.Node("Tanh", {g.Linear(g.Node("Mul", {h, in.master}), p + ".att_projM")}),
                                     g.W(p + ".att_weightM")});
  am = g.Unsqueeze(g.Squeeze(Softmax(g, am, temperature), -1), 1);
  Nodes out;
  out.master = g.Node("Add", {g.Linear(g.Node("MatMul", {am, h}), p + ".proj_with_attM"),
                              g.Linear(in.master, p + ".proj_without_attM")});
  h = g.Node("Add", {g.Linear(g.Node("MatMul", {att, h}), p + ".proj_with_att"), g.Linear(h, p + ".proj_without_att")});
  h = g.Node("Selu", {g.NodeBn(h, p + ".bn", out_dim)});
  out.t = g.Slice(h, 1, zero, n1);
  out.s = g.Slice(h, 1, n1, end);
  return out;
}

std::string AasistGraph(Graph& g, const ModelConfig& c) {
  const AasistConfig& a = c.aasist;
  std::string x = g.Unsqueeze(SincAbs(g, "x", "conv_time", a.sinc_channels, c), 1);
  x = g.Node("Selu", {g.Bn(g.MaxPool(x, {3, 3}), "first_bn")});
  const std::array<std::array<int, 2>, 6> blocks = {a.filts[0], a.filts[1], a.filts[2], a.filts[3], a.filts[3], a.filts[3]};
  for (int k = 0; k < 6; ++k) {
    const std::string p = "encoder." + std::to_string(k) + ".0";
    std::string out = g.Node("Selu", {g.Bn(g.Conv(x, p + ".conv1", {1, 1, 1, 1}), p + ".bn2")});
    out = g.Conv(out, p + ".conv2", {0, 1, 0, 1});
    out = g.Node("Add", {out, blocks[k][0] != blocks[k][1] ? g.Conv(x, p + ".conv_downsample", {0, 1, 0, 1}) : x});
    x = g.MaxPool(out, {1, 3});
  }
  const int64_t g0 = a.gat_dims[0], g1 = a.gat_dims[1];
  std::string e = g.Node("Abs", {x});
  std::string gs = g.Node("Add", {g.Node("Transpose", {g.Reduce("ReduceMax", e, 3)}, {{"perm", Ints{0, 2, 1}}}),
                                  g.W("pos_S")});
  std::string out_s = GraphPool(g, GraphAttention(g, gs, "GAT_layer_S", g0, a.temperatures[0]), "pool_S", g0, a.pool_ratios[0]);
  std::string gt = g.Node("Transpose", {g.Reduce("ReduceMax", e, 2)}, {{"perm", Ints{0, 2, 1}}});
  std::string out_t = GraphPool(g, GraphAttention(g, gt, "GAT_layer_T", g0, a.temperatures[1]), "pool_T", g0, a.pool_ratios[1]);
  std::vector<Nodes> branches;
  for (const std::string br : {"1", "2"}) {
    Nodes first = HeteroAttention(g, "HtrgGAT_layer_ST" + br + "1", {out_t, out_s, g.W("master" + br)}, g1,
                                  a.temperatures[2]);
    first.s = GraphPool(g, first.s, "pool_hS" + br, g1, a.pool_ratios[2]);
    first.t = GraphPool(g, first.t, "pool_hT" + br, g1, a.pool_ratios[2]);
    Nodes second = HeteroAttention(g, "HtrgGAT_layer_ST" + br + "2", first, g1, a.temperatures[2]);
    branches.push_back({g.Node("Add", {first.t, second.t}), g.Node("Add", {first.s, second.s}),
                        g.Node("Add", {first.master, second.master})});
  }
  std::string t = g.Node("Max", {branches[0].t, branches[1].t});
  std::string s = g.Node("Max", {branches[0].s, branches[1].s});
  std::string m = g.Node("Max", {branches[0].master, branches[1].master});
  std::string hidden = g.Node("Concat",
                              {g.Reduce("ReduceMax", g.Node("Abs", {t}), 1), g.Reduce("ReduceMean", t, 1),
                               g.Reduce("ReduceMax", g.Node("Abs", {s}), 1), g.Reduce("ReduceMean", s, 1), g.Squeeze(m, 1)},
                              {{"axis", int64_t{1}}});
  return g.Linear(hidden, "out_layer");
}

void SetShape(onnx::ValueInfoProto* v, const std::string& name, const std::vector<std::variant<int64_t, std::string>>& dims) {
  v->set_name(name);
  auto* tensor = v->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  for (const auto& d : dims) {
    auto* dim = tensor->mutable_shape()->add_dim();
    if (auto* i = std::get_if<int64_t>(&d))
      dim->set_dim_value(*i);
    else
      dim->set_dim_param(std::get<std::string>(d));
  }
}

}  // namespace

std::string OnnxBytes(model::CountermeasureImpl& model) {
  const ModelConfig& c = model.config();
  std::map<std::string, torch::Tensor> state;
  for (const auto& p : model.named_parameters()) state[p.key()] = p.value().detach().cpu();
  for (const auto& b : model.named_buffers()) state[b.key()] = b.value().detach().cpu();

  onnx::ModelProto proto;
  proto.set_ir_version(onnx::IR_VERSION);
  proto.set_producer_name("antispoof");
  proto.set_producer_version(Version());
  proto.set_doc_string(model.Name() + ": [batch, samples] float samples -> [batch, 2] " + model.ScoreMeaning() +
                       " in column 1 (spoof, bona fide)");
  auto* meta = proto.add_metadata_props();
  meta->set_key("antispoof");
  meta->set_value(ExportMetadata(model, ExportFormat::kOnnx));
  auto* opset = proto.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxOpset);
  onnx::GraphProto* graph = proto.mutable_graph();
  graph->set_name(model.Name());
  Graph g(graph, state);
  torch::NoGradGuard no_grad;
  std::string out;
  switch (c.architecture) {
    case Architecture::kRawNet2:
      out = RawNet2Graph(g, c, state);
      break;
    case Architecture::kAasist:
      out = AasistGraph(g, c);
      break;
  }
  if (out.empty()) Fail("export: no ONNX graph for the architecture of " + model.Name());
  g.Node("Identity", {out});
  graph->mutable_node(graph->node_size() - 1)->set_output(0, "outputs");
  SetShape(graph->add_input(), "x", {std::string("batch"), std::string("samples")});
  SetShape(graph->add_output(), "outputs", {std::string("batch"), int64_t{2}});
  try {
    onnx::checker::check_model(proto);
  } catch (const std::exception& e) {
    Fail("export: the ONNX graph of " + model.Name() + " fails the ONNX checker: " + e.what());
  }
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) Fail("export: cannot serialize the ONNX graph of " + model.Name());
  return bytes;
}

void CheckOnnx(const std::string& bytes, const std::string& source) {
  onnx::ModelProto proto;
  if (!proto.ParseFromString(bytes)) Fail(source + ": not an ONNX model (the protobuf does not parse)");
  try {
    onnx::checker::check_model(proto);
  } catch (const std::exception& e) {
    Fail(source + ": fails the ONNX checker: " + e.what());
  }
}

}  // namespace antispoof::exporting
