// Real PyTorch checkpoints from ../shared are read whole and exactly as their READMEs list.
#include <gtest/gtest.h>

#include <cstring>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/pth/pth.h"
#include "support/test_support.h"

namespace antispoof::pth {
namespace {

struct Summary {
  size_t entries = 0;
  int64_t elements = 0;
  int float32_entries = 0;
  int int64_entries = 0;
  double float_sum = 0;
};

Summary Summarize(const StateDict& dict) {
  Summary s;
  s.entries = dict.size();
  for (const auto& [name, t] : dict) {
    s.elements += t.numel();
    if (t.scalar_type() == torch::kFloat) ++s.float32_entries;
    if (t.scalar_type() == torch::kLong) ++s.int64_entries;
    if (t.is_floating_point()) s.float_sum += t.to(torch::kDouble).sum().item<double>();
  }
  return s;
}

void ExpectBitEqual(const torch::Tensor& a, const torch::Tensor& b, const std::string& name) {
  ASSERT_EQ(a.scalar_type(), b.scalar_type()) << name;
  ASSERT_EQ(a.sizes(), b.sizes()) << name;
  torch::Tensor ca = a.contiguous(), cb = b.contiguous();
  if (ca.numel() == 0) return;  // data_ptr() is null: memcmp from null is UB even for 0 bytes
  EXPECT_EQ(std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.numel() * ca.element_size()), 0) << name;
}

TEST(PthShared, ReadsAasistLWhole) {
  ANTISPOOF_REQUIRE_SHARED();
  Checkpoint c = ReadCheckpoint(testing::SharedDir() + "/checkpoints/AASIST-L.pth");
  Summary s = Summarize(c.tensors);
  EXPECT_EQ(s.entries, 229u);
  EXPECT_EQ(s.elements, 86270);
  EXPECT_EQ(s.float32_entries, 211);
  EXPECT_EQ(s.int64_entries, 18);
  EXPECT_NEAR(s.float_sum, 782.246995, 782.246995 * 1e-6);
  EXPECT_EQ(c.tensors.front().first, "pos_S");
  EXPECT_EQ(c.tensors.front().second.sizes().vec(), (std::vector<int64_t>{1, 23, 24}));
  EXPECT_TRUE(c.extra_tensors.empty());
  EXPECT_EQ(c.metadata_json, "");
}

TEST(PthShared, ReadsRawGatStWhole) {
  ANTISPOOF_REQUIRE_SHARED();
  StateDict d = ReadStateDict(testing::SharedDir() + "/checkpoints/RawGAT_ST_mul.pth");
  Summary s = Summarize(d);
  EXPECT_EQ(s.entries, 237u);
  EXPECT_EQ(s.elements, 443302);
  EXPECT_EQ(s.float32_entries, 211);
  EXPECT_EQ(s.int64_entries, 26);
  EXPECT_NEAR(s.float_sum, 3604.570360, 3604.570360 * 1e-6);
  EXPECT_EQ(d.front().first, "first_bn.weight");
  EXPECT_EQ(d.front().second.sizes().vec(), (std::vector<int64_t>{1}));
}

TEST(PthShared, TinyZipAndLegacyGiveTheSameTensors) {
  ANTISPOOF_REQUIRE_SHARED();
  StateDict zip = ReadStateDict(testing::SharedDir() + "/parity/rawnet2_tiny.pth");
  StateDict legacy = ReadStateDict(testing::SharedDir() + "/parity/rawnet2_tiny_legacy.pth");
  for (const StateDict* d : {&zip, &legacy}) {
    Summary s = Summarize(*d);
    EXPECT_EQ(s.entries, 119u);
    EXPECT_EQ(s.elements, 55863);
    EXPECT_NEAR(s.float_sum, 595.678526, 595.678526 * 1e-6);
    EXPECT_EQ(d->front().first, "first_bn.weight");
  }
  ASSERT_EQ(zip.size(), legacy.size());
  for (size_t i = 0; i < zip.size(); ++i) {
    EXPECT_EQ(zip[i].first, legacy[i].first);
    ExpectBitEqual(zip[i].second, legacy[i].second, zip[i].first);
  }
}

TEST(PthShared, TruncatedLegacyCheckpointIsAnErrorNamingTheFile) {
  ANTISPOOF_REQUIRE_SHARED();
  std::string bytes = ReadFile(testing::SharedDir() + "/parity/rawnet2_tiny_legacy.pth");
  std::string zip_bytes = ReadFile(testing::SharedDir() + "/parity/rawnet2_tiny.pth");
  std::string path = testing::TempDir() + "/truncated.pth";
  for (const std::string* source : {&bytes, &zip_bytes}) {
    for (size_t keep : {size_t{1}, size_t{7}, size_t{40}, size_t{500}, source->size() / 2, source->size() - 100,
                        source->size() - 1}) {
      WriteFileAtomic(path, source->substr(0, keep));
      try {
        ReadCheckpoint(path);
        ADD_FAILURE() << "no error when truncated to " << keep << " bytes";
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      }
    }
  }
}

}  // namespace
}  // namespace antispoof::pth
