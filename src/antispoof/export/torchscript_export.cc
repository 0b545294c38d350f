#include "antispoof/export/torchscript_export.h"

#include <cctype>
#include <map>
#include <sstream>
#include <vector>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"
#include "antispoof/export/export.h"
#include "antispoof/model/aasist.h"
#include "antispoof/model/rawnet2.h"
#include "antispoof/model/sinc.h"

namespace antispoof::exporting {
namespace {


// Every BatchNorm of both architectures has torch's default eps.
constexpr const char* kBnEps = "1e-05";
constexpr const char* kLeakySlope = "0.3";  // RawNet2's LeakyReLU

// Helpers every forward uses, on the top module (TorchScript cannot pass submodules to a function).
constexpr const char* kHelpers = R"(
def _bn(self, x: Tensor, w: Tensor, b: Tensor, mean: Tensor, var: Tensor) -> Tensor:
    return torch.batch_norm(x, w, b, mean, var, False, 0.0, EPS, False)

def _node_bn(self, x: Tensor, w: Tensor, b: Tensor, mean: Tensor, var: Tensor) -> Tensor:
    # BatchNorm1d over the last axis of [B, N, D] (rows B * N)
    return self._bn(x.reshape([-1, x.size(-1)]), w, b, mean, var).view(x.size())

def _pairwise(self, x: Tensor) -> Tensor:
    # [B, N, D] -> [B, N, N, D], element (i, j) = x_i * x_j
    e = x.unsqueeze(2).expand([-1, -1, x.size(1), -1])
    return e * e.transpose(1, 2)

def _graph_pool(self, h: Tensor, w: Tensor, b: Tensor, ratio: float) -> Tensor:
    # the max(1, int(N * ratio)) nodes with the highest sigmoid scores, scaled by them
    scores = torch.sigmoid(torch.linear(h, w, b))
    keep = max(int(h.size(1) * ratio), 1)
    top, idx = torch.topk(scores, keep, 1)
    return torch.gather(h * scores, 1, idx.expand([-1, -1, h.size(2)]))
)";

bool IsIdentifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

// The TorchScript expression of a state_dict entry: "block0.0.conv1.weight" ->
// getattr(self.block0, "0").conv1.weight.
std::string Ref(const std::string& name) {
  std::string expr = "self";
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    const std::string part = name.substr(start, dot - start);
    expr = IsIdentifier(part) ? expr + "." + part : "getattr(" + expr + ", \"" + part + "\")";
    start = dot + 1;
  }
  return expr;
}

// A float literal that TorchScript reads back as the same double.
std::string Float(double v) {
  std::string s = ShortestDouble(v);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

std::string Linear(const std::string& x, const std::string& p) {
  return "torch.linear(" + x + ", " + Ref(p + ".weight") + ", " + Ref(p + ".bias") + ")";
}
std::string BnArgs(const std::string& p) {
  return Ref(p + ".weight") + ", " + Ref(p + ".bias") + ", " + Ref(p + ".running_mean") + ", " +
         Ref(p + ".running_var");
}
std::string Bn(const std::string& x, const std::string& p) { return "self._bn(" + x + ", " + BnArgs(p) + ")"; }
std::string NodeBn(const std::string& x, const std::string& p) {
  return "self._node_bn(" + x + ", " + BnArgs(p) + ")";
}
std::string Conv(const char* op, const std::string& x, const std::string& p, const std::string& padding) {
  return std::string("torch.") + op + "(" + x + ", " + Ref(p + ".weight") + ", " + Ref(p + ".bias") + ", [1], " +
         padding + ")";
}

// The body of forward, one statement per line.
class Body {
 public:
  void Add(const std::string& line) { lines_.push_back(line); }
  void Set(const std::string& var, const std::string& expr) { Add(var + " = " + expr); }
  std::string Text() const {
    std::string s = "def forward(self, x: Tensor) -> Tensor:\n";
    for (const auto& l : lines_) s += "    " + l + "\n";
    return s;
  }

 private:
  std::vector<std::string> lines_;
};

// ---- RawNet2 (ASVspoof 2021 LA baseline; optional channel attention per block) ----

void RawNet2Block(Body& b, const ModelConfig& c, int k) {
  const std::string p = "block" + std::to_string(k) + ".0";
  auto [cin, cout] = model::BlockChannels(c, k);
  const bool first = k == 0;
  // conv1 reads the block input: the reference's pre-activation is computed and discarded
  // (Preactivation::kReference); the fixed variant feeds LeakyReLU(bn1(x)) to conv1.
  std::string conv_in = "x";
  if (!first && c.preactivation == Preactivation::kFixed) {
    b.Set("pre", "torch.leaky_relu(" + Bn("x", p + ".bn1") + ", " + kLeakySlope + ")");
    conv_in = "pre";
  }
  b.Set("out", Bn(Conv("conv1d", conv_in, p + ".conv1", "[1]"), p + ".bn2"));
  b.Set("out", Conv("conv1d", "torch.leaky_relu(out, " + std::string(kLeakySlope) + ")", p + ".conv2", "[1]"));
  if (c.attention == Attention::kSe) {
    const std::string a = p + ".channel_attention";
    auto mlp = [&](const std::string& z) { return Linear("torch.relu(" + Linear(z, a + ".fc1") + ")", a + ".fc2"); };
    std::string logits = mlp("out.mean(2)");
    if (c.se_pooling == SePooling::kAvgMax) logits += " + " + mlp("torch.max(out, 2)[0]");
    b.Set("out", "out * torch.sigmoid(" + logits + ").unsqueeze(2)");
  }
  b.Set("out", "out + " + (cin != cout ? Conv("conv1d", "x", p + ".conv_downsample", "[0]") : std::string("x")));
  b.Set("out", "torch.max_pool1d(out, [3])");
  // Filter-wise feature map scaling: s = sigmoid(fc(mean over time)); x = out * s + s.
  b.Set("s", "torch.sigmoid(" + Linear("out.mean(2)", "fc_attention" + std::to_string(k) + ".0") + ").unsqueeze(2)");
  b.Set("x", "out * s + s");
}

std::string RawNet2Forward(const ModelConfig& c) {
  Body b;
  b.Add("# x: [B, N] samples -> [B, 2] log-probabilities (spoof, bona fide)");
  b.Set("x", "torch.max_pool1d(torch.abs(torch.conv1d(x.unsqueeze(1), self.Sinc_conv.filters)), [3])");
  b.Set("x", "torch.selu(" + Bn("x", "first_bn") + ")");
  for (int k = 0; k < c.blocks[0] + c.blocks[1]; ++k) RawNet2Block(b, c, k);
  b.Set("x", "torch.selu(" + Bn("x", "bn_before_gru") + ").permute([0, 2, 1])");
  std::string params;
  for (int l = 0; l < c.nb_gru_layer; ++l) {
    const std::string s = std::to_string(l);
    for (const char* w : {"weight_ih_l", "weight_hh_l", "bias_ih_l", "bias_hh_l"})
      params += (params.empty() ? "" : ", ") + Ref(std::string("gru.") + w + s);
  }
  const std::string layers = std::to_string(c.nb_gru_layer);
  b.Set("h0", "x.new_zeros([" + layers + ", x.size(0), " + std::to_string(c.gru_node) + "])");
  // aten::gru(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
  b.Set("steps, hn", "torch.gru(x, h0, [" + params + "], True, " + layers + ", 0.0, False, False, True)");
  b.Set("x", Linear(Linear("steps.select(1, steps.size(1) - 1)", "fc1_gru"), "fc2_gru"));
  b.Add("return torch.log_softmax(x, 1)");
  return b.Text();
}

// ---- AASIST / AASIST-L (clovaai/aasist) ----

void AasistEncoderBlock(Body& b, int k, bool downsample) {
  const std::string p = "encoder." + std::to_string(k) + ".0";
  // conv1 reads the block input (bn1 only moves running statistics in training).
  b.Set("out", "torch.selu(" + Bn(Conv("conv2d", "x", p + ".conv1", "[1, 1]"), p + ".bn2") + ")");
  b.Set("out", Conv("conv2d", "out", p + ".conv2", "[0, 1]"));
  b.Set("out", "out + " + (downsample ? Conv("conv2d", "x", p + ".conv_downsample", "[0, 1]") : std::string("x")));
  b.Set("x", "torch.max_pool2d(out, [1, 3])");
}

// Graph attention layer `p` over `x` [B, N, D] into `out`.
void GraphAttention(Body& b, const std::string& p, const std::string& x, const std::string& out, double temperature) {
  b.Set("att", "torch.matmul(torch.tanh(" + Linear("self._pairwise(" + x + ")", p + ".att_proj") + "), " +
                   Ref(p + ".att_weight") + ")");
  b.Set("att", "torch.softmax(att / " + Float(temperature) + ", -2).squeeze(-1)");
  b.Set("g", Linear("torch.matmul(att, " + x + ")", p + ".proj_with_att") + " + " + Linear(x, p + ".proj_without_att"));
  b.Set(out, "torch.selu(" + NodeBn("g", p + ".bn") + ")");
}

// Heterogeneous graph attention layer `p`: (t, s, master) -> (t_out, s_out, m_out).
void HeteroAttention(Body& b, const std::string& p, const std::string& t, const std::string& s,
                     const std::string& master, const std::string& out, double temperature) {
  const std::string temp = Float(temperature);
  b.Set("n1, n2", t + ".size(1), " + s + ".size(1)");
  b.Set("h", "torch.cat([" + Linear(t, p + ".proj_type1") + ", " + Linear(s, p + ".proj_type2") + "], 1)");
  b.Set("pa", "torch.tanh(" + Linear("self._pairwise(h)", p + ".att_proj") + ")");
  auto block = [&](const std::string& rows, const std::string& cols, const char* w) {
    return "torch.matmul(pa.narrow(1, " + rows + ").narrow(2, " + cols + "), " + Ref(p + "." + w) + ")";
  };
  b.Set("top", "torch.cat([" + block("0, n1", "0, n1", "att_weight11") + ", " + block("0, n1", "n1, n2", "att_weight12") + "], 2)");
  b.Set("bottom",
        "torch.cat([" + block("n1, n2", "0, n1", "att_weight12") + ", " + block("n1, n2", "n1, n2", "att_weight22") + "], 2)");
  b.Set("att", "torch.softmax(torch.cat([top, bottom], 1) / " + temp + ", -2).squeeze(-1)");
  // The master node attends to every node.
  b.Set("am", "torch.matmul(torch.tanh(" + Linear("h * " + master, p + ".att_projM") + "), " + Ref(p + ".att_weightM") + ")");
  b.Set("am", "torch.softmax(am / " + temp + ", -2).squeeze(-1).unsqueeze(1)");
  b.Set(out + "_m", Linear("torch.matmul(am, h)", p + ".proj_with_attM") + " + " + Linear(master, p + ".proj_without_attM"));
  b.Set("h", Linear("torch.matmul(att, h)", p + ".proj_with_att") + " + " + Linear("h", p + ".proj_without_att"));
  b.Set("h", "torch.selu(" + NodeBn("h", p + ".bn") + ")");
  b.Set(out + "_t, " + out + "_s", "h.narrow(1, 0, n1), h.narrow(1, n1, n2)");
}

std::string Pool(const std::string& h, const std::string& p, double ratio) {
  return "self._graph_pool(" + h + ", " + Ref(p + ".proj.weight") + ", " + Ref(p + ".proj.bias") + ", " + Float(ratio) + ")";
}

std::string AasistForward(const ModelConfig& c) {
  const AasistConfig& a = c.aasist;
  Body b;
  b.Add("# x: [B, N] samples -> [B, 2] logits (spoof, bona fide)");
  b.Set("x", "torch.abs(torch.conv1d(x.unsqueeze(1), self.conv_time.filters)).unsqueeze(1)");
  b.Set("x", "torch.selu(" + Bn("torch.max_pool2d(x, [3, 3])", "first_bn") + ")");
  const std::array<std::array<int, 2>, 6> blocks = {a.filts[0], a.filts[1], a.filts[2], a.filts[3], a.filts[3], a.filts[3]};
  for (int k = 0; k < 6; ++k) AasistEncoderBlock(b, k, blocks[k][0] != blocks[k][1]);
  b.Set("e", "torch.abs(x)");
  b.Set("gs", "torch.max(e, 3)[0].transpose(1, 2) + self.pos_S");
  GraphAttention(b, "GAT_layer_S", "gs", "gs", a.temperatures[0]);
  b.Set("out_s", Pool("gs", "pool_S", a.pool_ratios[0]));
  b.Set("gt", "torch.max(e, 2)[0].transpose(1, 2)");
  GraphAttention(b, "GAT_layer_T", "gt", "gt", a.temperatures[1]);
  b.Set("out_t", Pool("gt", "pool_T", a.pool_ratios[1]));
  for (const std::string br : {"1", "2"}) {
    const std::string first = "HtrgGAT_layer_ST" + br + "1", second = "HtrgGAT_layer_ST" + br + "2";
    HeteroAttention(b, first, "out_t", "out_s", "self.master" + br, "a", a.temperatures[2]);
    b.Set("a_s", Pool("a_s", "pool_hS" + br, a.pool_ratios[2]));
    b.Set("a_t", Pool("a_t", "pool_hT" + br, a.pool_ratios[2]));
    HeteroAttention(b, second, "a_t", "a_s", "a_m", "u", a.temperatures[2]);
    b.Set("t" + br + ", s" + br + ", m" + br, "a_t + u_t, a_s + u_s, a_m + u_m");
  }
  b.Set("t, s, m", "torch.maximum(t1, t2), torch.maximum(s1, s2), torch.maximum(m1, m2)");
  b.Set("hidden", "torch.cat([torch.max(torch.abs(t), 1)[0], t.mean(1), torch.max(torch.abs(s), 1)[0], s.mean(1), "
                  "m.squeeze(1)], 1)");
  b.Add("return " + Linear("hidden", "out_layer"));
  return b.Text();
}

// (name of the sinc module, its bank [C, 1, K]).
std::pair<std::string, torch::Tensor> SincBank(const ModelConfig& c) {
  const bool aasist = c.architecture == Architecture::kAasist;
  const int channels = aasist ? c.aasist.sinc_channels : c.sinc_channels;
  return {aasist ? "conv_time" : "Sinc_conv", model::MelSincFilters(channels, c.SincTaps(), c.sample_rate).unsqueeze(1)};
}

// The submodule at a dotted path, created (as an empty module with a unique class) on first use.
class ModuleTree {
 public:
  explicit ModuleTree(torch::jit::Module root) { modules_[""] = std::move(root); }
  torch::jit::Module& At(const std::string& path) {
    auto it = modules_.find(path);
    if (it != modules_.end()) return it->second;
    const size_t dot = path.rfind('.');
    const std::string parent = dot == std::string::npos ? "" : path.substr(0, dot);
    const std::string leaf = dot == std::string::npos ? path : path.substr(dot + 1);
    // A class per submodule (each gets its own attributes): M<k>_<path with '_' for '.'>.
    std::string cls = "M" + std::to_string(modules_.size()) + "_" + path;
    for (char& ch : cls)
      if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    torch::jit::Module child("antispoof.export." + cls);
    At(parent).register_module(leaf, child);
    return modules_[path] = child;
  }
  // Splits "a.b.name" into the module at "a.b" and "name".
  std::pair<torch::jit::Module*, std::string> Owner(const std::string& name) {
    const size_t dot = name.rfind('.');
    if (dot == std::string::npos) return {&At(""), name};
    return {&At(name.substr(0, dot)), name.substr(dot + 1)};
  }

 private:
  std::map<std::string, torch::jit::Module> modules_;
};

}  // namespace

std::string TorchScriptSource(const model::CountermeasureImpl& model) {
  const ModelConfig& c = model.config();
  std::string helpers = kHelpers;
  helpers.replace(helpers.find("EPS"), 3, kBnEps);
  switch (c.architecture) {
    case Architecture::kRawNet2:
      return helpers + "\n" + RawNet2Forward(c);
    case Architecture::kAasist:
      return helpers + "\n" + AasistForward(c);
  }
  Fail("export: unknown architecture of " + model.Name());
}

torch::jit::Module ToTorchScript(model::CountermeasureImpl& model) {
  ModuleTree tree{torch::jit::Module("antispoof.export.Countermeasure")};
  torch::NoGradGuard no_grad;
  // Registration order = the model's (per module: parameters, then buffers), as its state_dict.
  for (const auto& p : model.named_parameters()) {
    auto [owner, leaf] = tree.Owner(p.key());
    owner->register_parameter(leaf, p.value().detach().to(torch::kCPU).clone(), /*is_buffer=*/false);
  }
  for (const auto& bf : model.named_buffers()) {
    auto [owner, leaf] = tree.Owner(bf.key());
    owner->register_buffer(leaf, bf.value().detach().to(torch::kCPU).clone());
  }
  auto [sinc, bank] = SincBank(model.config());
  tree.At(sinc).register_buffer("filters", bank);
  torch::jit::Module& root = tree.At("");
  try {
    root.define(TorchScriptSource(model));
  } catch (const c10::Error& e) {
    Fail("export: the TorchScript of " + model.Name() + " does not compile: " + e.what_without_backtrace());
  }
  root.eval();
  return root;
}

std::string TorchScriptBytes(model::CountermeasureImpl& model) {
  std::ostringstream out;
  ToTorchScript(model).save(out, {{"antispoof.json", ExportMetadata(model, ExportFormat::kTorchScript)}});
  return out.str();
}

}  // namespace antispoof::exporting
