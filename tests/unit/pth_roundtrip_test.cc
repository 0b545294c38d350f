// WriteCheckpoint output reads back bit-exactly through the reader used for official files, in the
// container layout torch.save writes.
#include <gtest/gtest.h>

#include <caffe2/serialize/inline_container.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/pth/pth.h"
#include "support/test_support.h"

namespace antispoof::pth {
namespace {

void ExpectBitEqual(const torch::Tensor& a, const torch::Tensor& b, const std::string& name) {
  ASSERT_EQ(a.scalar_type(), b.scalar_type()) << name;
  ASSERT_EQ(a.sizes(), b.sizes()) << name;
  torch::Tensor ca = a.contiguous(), cb = b.contiguous();
  if (ca.numel() == 0) return;  // data_ptr() is null: memcmp of nothing from null is still UB
  EXPECT_EQ(std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.numel() * ca.element_size()), 0) << name;
}

void ExpectSameDict(const StateDict& a, const StateDict& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    ExpectBitEqual(a[i].second, b[i].second, a[i].first);
  }
}

Checkpoint Sample() {
  torch::manual_seed(3);
  Checkpoint c;
  torch::Tensor f = torch::randn({3, 4});
  f[0][0] = std::numeric_limits<float>::quiet_NaN();
  f[0][1] = -0.0f;
  f[0][2] = std::numeric_limits<float>::infinity();
  torch::Tensor base = torch::arange(24, torch::kFloat).reshape({4, 6});
  c.tensors = {
      {"z.first", f},  // names out of sorted order: file order must be kept
      {"a.double", torch::randn({2, 3}, torch::kDouble)},
      {"half", torch::randn({5}).to(torch::kHalf)},
      {"bf16", torch::randn({2, 2}).to(torch::kBFloat16)},
      {"bn.num_batches_tracked", torch::tensor(int64_t{12345678901})},
      {"int32", torch::tensor({-7, 0, 2147483647}, torch::kInt)},
      {"uint8", torch::tensor({0, 255, 7}, torch::kByte)},
      {"int8", torch::tensor({-128, 127, 0}, torch::kChar)},
      {"bool", torch::tensor({true, false, true})},
      {"empty", torch::empty({0, 5})},
      {"transposed", base.t()},                   // non-contiguous
      {"strided", base.slice(1, 1, 6, 2)},        // non-contiguous view with an offset
      {"row2", base[2]},                          // second entry over the same storage
  };
  for (int i = 0; i < 300; ++i) c.tensors.emplace_back("many." + std::to_string(i), torch::full({1}, i));
  c.extra_tensors = {
      {"optimizer.state.0.exp_avg", torch::randn({3, 4})},
      {"optimizer.state.0.step", torch::tensor(42.0)},
  };
  c.metadata_json = R"({"epoch": 7, "config": {"model": {"nb_fc_node": 1024}}})";
  return c;
}

TEST(PthRoundTrip, WrittenCheckpointReadsBackBitExactly) {
  Checkpoint c = Sample();
  std::string path = testing::TempDir() + "/model.pth";
  WriteCheckpoint(path, c);
  Checkpoint back = ReadCheckpoint(path);
  ExpectSameDict(c.tensors, back.tensors);
  ExpectSameDict(c.extra_tensors, back.extra_tensors);
  EXPECT_EQ(back.metadata_json, c.metadata_json);
  EXPECT_EQ(back.tensors.front().first, "z.first");
  EXPECT_TRUE(std::isnan(back.tensors.front().second[0][0].item<float>()));
  EXPECT_EQ(back.tensors[4].second.dim(), 0);
  EXPECT_EQ(back.tensors[4].second.item<int64_t>(), 12345678901);
  EXPECT_EQ(ReadStateDict(path).size(), c.tensors.size());
}

TEST(PthRoundTrip, WrittenFileHasTorchSaveLayout) {
  Checkpoint c = Sample();
  std::string path = testing::TempDir() + "/layout.pth";
  WriteCheckpoint(path, c);
  caffe2::serialize::PyTorchStreamReader reader(path);
  EXPECT_TRUE(reader.hasRecord("data.pkl"));
  EXPECT_TRUE(reader.hasRecord("version"));
  EXPECT_TRUE(reader.hasRecord("antispoof_extra.pkl"));
  EXPECT_TRUE(reader.hasRecord("antispoof.json"));
  size_t records = c.tensors.size() + c.extra_tensors.size();
  for (size_t i = 0; i < records; ++i) {
    std::string name = "data/" + std::to_string(i);
    ASSERT_TRUE(reader.hasRecord(name)) << name;
    EXPECT_EQ(reader.getRecordOffset(name) % 64, 0u) << name;
  }
  EXPECT_FALSE(reader.hasRecord("data/" + std::to_string(records)));
  auto [version, version_size] = reader.getRecord("version");
  EXPECT_EQ(std::string(static_cast<const char*>(version.get()), version_size).substr(0, 1), "3");
  auto [pickle, pickle_size] = reader.getRecord("data.pkl");
  std::string head(static_cast<const char*>(pickle.get()), std::min<size_t>(pickle_size, 27));
  EXPECT_EQ(head, std::string("\x80\x02" "ccollections\nOrderedDict\n", 27));
  // Each entry has its own storage of exactly its elements.
  auto [row2, row2_size] = reader.getRecord("data/12");
  EXPECT_EQ(row2_size, 6 * sizeof(float));
  EXPECT_EQ(static_cast<const float*>(row2.get())[0], 12.0f);
}

TEST(PthRoundTrip, ForeignStyleFileWithoutExtrasReadsEmptyExtras) {
  Checkpoint c;
  c.tensors = {{"w", torch::ones({2})}};
  std::string path = testing::TempDir() + "/plain.pth";
  WriteCheckpoint(path, c);
  caffe2::serialize::PyTorchStreamReader reader(path);
  EXPECT_FALSE(reader.hasRecord("antispoof_extra.pkl"));
  EXPECT_FALSE(reader.hasRecord("antispoof.json"));
  Checkpoint back = ReadCheckpoint(path);
  EXPECT_TRUE(back.extra_tensors.empty());
  EXPECT_EQ(back.metadata_json, "");
  ExpectSameDict(c.tensors, back.tensors);
}

TEST(PthRoundTrip, RewriteReplacesAtomicallyAndLeavesNoTemporaryFile) {
  std::string dir = testing::TempDir();
  std::string path = dir + "/ckpt.pth";
  Checkpoint c;
  c.tensors = {{"w", torch::ones({2})}};
  WriteCheckpoint(path, c);
  c.tensors = {{"w", torch::zeros({3})}, {"b", torch::ones({1})}};
  WriteCheckpoint(path, c);
  ExpectSameDict(ReadStateDict(path), c.tensors);
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(PthRoundTrip, WriteErrorsNameTheFile) {
  std::string path = testing::TempDir() + "/no/such/folder/ckpt.pth";
  Checkpoint c;
  c.tensors = {{"w", torch::ones({2})}};
  try {
    WriteCheckpoint(path, c);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  c.tensors = {{"w", torch::ones({2})}, {"w", torch::ones({2})}};
  std::string dup = testing::TempDir() + "/dup.pth";
  try {
    WriteCheckpoint(dup, c);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("duplicate entry 'w'"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(FileExists(dup));
}


// Where Debian's python3-torch is installed: torch.load (also with weights_only=True) reads a written file
// as an OrderedDict with the same names, and what torch.save writes back from it reads bit-exactly here.
TEST(PthRoundTrip, PyTorchLoadsWrittenFile) {
  if (testing::RunShell("/usr/bin/python3 -c 'import torch' 2>/dev/null").exit_code != 0)
    GTEST_SKIP() << "python3-torch is not installed: skipping the check against PyTorch itself";
  Checkpoint c = Sample();
  std::string dir = testing::TempDir();
  WriteCheckpoint(dir + "/ours.pth", c);
  std::string script =
      "import torch, collections, sys\n"
      "d = torch.load(sys.argv[1])\n"
      "assert type(d) is collections.OrderedDict, type(d)\n"
      "w = torch.load(sys.argv[1], weights_only=True)\n"
      "assert list(w) == list(d) and all(torch.equal(w[k], d[k]) or k == 'z.first' for k in d)\n"
      "print(' '.join(d))\n"
      "torch.save(d, sys.argv[2])\n"
      "torch.save(d, sys.argv[3], _use_new_zipfile_serialization=False)\n";
  WriteFileAtomic(dir + "/check.py", script);
  auto r = testing::RunShell("/usr/bin/python3 " + dir + "/check.py " + dir + "/ours.pth " + dir + "/theirs.pth " + dir +
                             "/theirs_legacy.pth");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string names;
  for (const auto& [name, t] : c.tensors) names += (names.empty() ? "" : " ") + name;
  EXPECT_EQ(r.out, names + "\n");
  ExpectSameDict(c.tensors, ReadStateDict(dir + "/theirs.pth"));
  ExpectSameDict(c.tensors, ReadStateDict(dir + "/theirs_legacy.pth"));
}

}  // namespace
}  // namespace antispoof::pth
