// Hand-made pickles and containers: shared storages and offsets are honoured, and every malformed or
// hostile file is an antispoof::Error naming the file, never a crash.
#include <gtest/gtest.h>

#include <caffe2/serialize/inline_container.h>

#include <cstring>
#include <fstream>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/pth/pth.h"
#include "support/test_support.h"

namespace antispoof::pth {
namespace {

std::string Le(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  return s;
}

// Pickle opcodes, protocol 2.
struct Pickle {
  std::string s = "\x80\x02";
  Pickle& Raw(const std::string& ops) { s += ops; return *this; }
  Pickle& Global(const std::string& module, const std::string& name) { s += "c" + module + "\n" + name + "\n"; return *this; }
  Pickle& Str(const std::string& v) { s += "X" + Le(v.size(), 4) + v; return *this; }
  Pickle& Int(int64_t v) {
    if (v >= 0 && v < 256) s += "K" + Le(v, 1);
    else s += "\x8a\x08" + Le(static_cast<uint64_t>(v), 8);
    return *this;
  }
  Pickle& Ints(const std::vector<int64_t>& v) {
    s += "(";
    for (int64_t x : v) Int(x);
    s += "t";
    return *this;
  }
  Pickle& OrderedDict() { return Global("collections", "OrderedDict").Raw(")R"); }
  // key -> _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()); a legacy persistent id
  // has a sixth element (None).
  Pickle& Tensor(const std::string& key, const std::string& storage_type, const std::string& storage_key, int64_t numel,
                 int64_t offset, const std::vector<int64_t>& size, const std::vector<int64_t>& stride, bool legacy = false) {
    Str(key).Global("torch._utils", "_rebuild_tensor_v2").Raw("((").Str("storage").Global("torch", storage_type);
    Str(storage_key).Str("cpu").Int(numel);
    if (legacy) Raw("N");
    Raw("tQ").Int(offset).Ints(size).Ints(stride).Raw("\x89").OrderedDict().Raw("tR");
    return *this;
  }
  std::string Stop() const { return s + "."; }
};

std::string Floats(const std::vector<float>& v) { return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4); }

std::string Zip(const std::vector<std::pair<std::string, std::string>>& records) {
  std::string out;
  {
    caffe2::serialize::PyTorchStreamWriter writer([&out](const void* data, size_t size) {
      out.append(static_cast<const char*>(data), size);
      return size;
    });
    for (const auto& [name, data] : records) writer.writeRecord(name, data.data(), data.size());
    writer.writeEndOfFile();
  }
  return out;
}

std::string Legacy(const std::string& main_pickle, const std::vector<std::string>& keys,
                   const std::vector<std::pair<int64_t, std::string>>& data) {
  std::string out = std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 15);
  out += "\x80\x02M\xe9\x03.";
  out += Pickle().Raw("}(").Str("protocol_version").Raw("M\xe9\x03").Str("little_endian").Raw("\x88u").Stop();
  out += main_pickle;
  Pickle k;
  k.Raw("](");
  for (const auto& key : keys) k.Str(key);
  out += k.Raw("e").Stop();
  for (const auto& [count, bytes] : data) out += Le(count, 8) + bytes;
  return out;
}

std::string Put(const std::string& name, const std::string& bytes) {
  std::string path = testing::TempDir() + "/" + name;
  WriteFileAtomic(path, bytes);
  return path;
}

// Reading `path` fails with an antispoof::Error naming the file (and `needle`, when given).
void ExpectError(const std::string& path, const std::string& needle = "") {
  try {
    ReadCheckpoint(path);
    ADD_FAILURE() << "no error reading " << path;
  } catch (const Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    if (!needle.empty()) {
      EXPECT_NE(message.find(needle), std::string::npos) << message;
    }
  }
}

// Two entries over one storage of 7 floats, each with its own offset and stride.
std::string SharedStoragePickle(bool legacy) {
  return Pickle()
      .OrderedDict()
      .Raw("(")
      .Tensor("a", "FloatStorage", "s0", 7, 0, {2, 3}, {3, 1}, legacy)
      .Tensor("b", "FloatStorage", "s0", 7, 1, {3}, {2}, legacy)
      .Raw("u")
      .Stop();
}

const std::vector<float> kSeven = {0, 1, 2, 3, 4, 5, 6};

void ExpectSharedStorageEntries(const StateDict& d) {
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].first, "a");
  EXPECT_EQ(d[1].first, "b");
  EXPECT_TRUE(torch::equal(d[0].second, torch::tensor({0.f, 1.f, 2.f, 3.f, 4.f, 5.f}).reshape({2, 3})));
  EXPECT_TRUE(torch::equal(d[1].second, torch::tensor({1.f, 3.f, 5.f})));
  EXPECT_EQ(d[1].second.stride(0), 2);
  EXPECT_EQ(d[0].second.storage().data(), d[1].second.storage().data());
}

TEST(PthSafety, SharedStorageWithOffsetsAndStridesInZip) {
  std::string path = Put("shared.pth", Zip({{"data.pkl", SharedStoragePickle(false)}, {"data/s0", Floats(kSeven)}}));
  ExpectSharedStorageEntries(ReadStateDict(path));
}

TEST(PthSafety, SharedStorageWithOffsetsAndStridesInLegacy) {
  std::string path = Put("shared_legacy.pth", Legacy(SharedStoragePickle(true), {"s0"}, {{7, Floats(kSeven)}}));
  ExpectSharedStorageEntries(ReadStateDict(path));
}

TEST(PthSafety, PlainDictAndLegacyStorageViewsAreRead) {
  // {'w': tensor over view 'v' = elements [2, 5) of storage 'r'}
  std::string main = Pickle()
                         .Raw("}(")
                         .Str("w")
                         .Global("torch._utils", "_rebuild_tensor_v2")
                         .Raw("((")
                         .Str("storage")
                         .Global("torch", "FloatStorage")
                         .Str("r")
                         .Str("cpu")
                         .Int(7)
                         .Raw("(")
                         .Str("v")
                         .Int(2)
                         .Int(3)
                         .Raw("ttQ")
                         .Int(1)
                         .Ints({2})
                         .Ints({1})
                         .Raw("\x89")
                         .OrderedDict()
                         .Raw("tRu")
                         .Stop();
  StateDict d = ReadStateDict(Put("view.pth", Legacy(main, {"r"}, {{7, Floats(kSeven)}})));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(torch::equal(d[0].second, torch::tensor({3.f, 4.f})));
  // The view holds 3 elements: offset 1 + 2 elements fits, offset 2 + 2 does not.
  std::string bad = main;
  size_t at = bad.find("K\x01(K\x02t(");
  ASSERT_NE(at, std::string::npos);
  bad[at + 1] = '\x02';
  ExpectError(Put("view_bad.pth", Legacy(bad, {"r"}, {{7, Floats(kSeven)}})), "reaches past its storage");
}

TEST(PthSafety, MissingAndEmptyAndNonPickleFiles) {
  std::string dir = testing::TempDir();
  ExpectError(dir + "/does_not_exist.pth", "cannot open");
  ExpectError(dir, "folder");
  ExpectError(Put("empty.pth", ""), "empty");
  ExpectError(Put("text.pth", "hello, this is not a checkpoint\n"), "not a PyTorch checkpoint");
  ExpectError(Put("zipmagic.pth", "PK\x03\x04 and then nothing"), "zip");
  ExpectError(Put("pickle.pth", Pickle().Raw("]").Stop()), "magic number");
}

TEST(PthSafety, UnknownGlobalsAreRefusedByName) {
  std::string evil = Pickle().Global("os", "system").Raw("(").Str("touch /tmp/pwned").Raw("tR").Stop();
  ExpectError(Put("evil_zip.pth", Zip({{"data.pkl", evil}})), "os.system");
  ExpectError(Put("evil_legacy.pth", Legacy(evil, {}, {})), "os.system");
  std::string stack_global = Pickle().Str("builtins").Str("eval").Raw("\x93").Stop();
  ExpectError(Put("evil_stack.pth", Zip({{"data.pkl", stack_global}})), "builtins.eval");
  std::string inst = Pickle().Raw("(ios\nsystem\n").Stop();
  ExpectError(Put("evil_inst.pth", Zip({{"data.pkl", inst}})), "unsupported pickle opcode");
  std::string storage_call = Pickle().Global("torch", "FloatStorage").Raw(")R").Stop();
  ExpectError(Put("evil_call.pth", Zip({{"data.pkl", storage_call}})), "cannot be called");
}

TEST(PthSafety, HugeDeclaredSizesAreRefused) {
  auto one = [](int64_t numel, int64_t offset, std::vector<int64_t> size, std::vector<int64_t> stride) {
    return Pickle().OrderedDict().Raw("(").Tensor("w", "FloatStorage", "0", numel, offset, size, stride).Raw("u").Stop();
  };
  std::string four = Floats({1, 2, 3, 4});
  // Storage sizes that overflow, exceed the record, or exceed the whole file.
  ExpectError(Put("huge_numel.pth", Zip({{"data.pkl", one(int64_t{1} << 62, 0, {1}, {1})}, {"data/0", four}})), "invalid element count");
  ExpectError(Put("big_numel.pth", Zip({{"data.pkl", one(1000000, 0, {1}, {1})}, {"data/0", four}})), "holds 16 bytes");
  ExpectError(Put("huge_legacy.pth", Legacy(Pickle().OrderedDict().Raw("(").Tensor("w", "FloatStorage", "0", int64_t{1} << 40, 0, {1}, {1}, true).Raw("u").Stop(), {"0"}, {{4, four}})),
              "more than the file holds");
  // Tensor shapes beyond the storage, or overflowing.
  ExpectError(Put("huge_size.pth", Zip({{"data.pkl", one(4, 0, {int64_t{1} << 40}, {1})}, {"data/0", four}})), "reaches past its storage");
  ExpectError(Put("overflow.pth", Zip({{"data.pkl", one(4, 0, {int64_t{1} << 32, int64_t{1} << 32}, {0, 0})}, {"data/0", four}})), "too many elements");
  ExpectError(Put("overflow2.pth", Zip({{"data.pkl", one(4, 0, {3, 3}, {int64_t{1} << 62, int64_t{1} << 62})}, {"data/0", four}})), "overflows");
  ExpectError(Put("rank.pth", Zip({{"data.pkl", one(4, 0, {2, 2}, {1})}, {"data/0", four}})), "different lengths");
  ExpectError(Put("negative.pth", Zip({{"data.pkl", one(4, 0, {2}, {-1})}, {"data/0", four}})), "negative");
  // Legacy storage data whose element count disagrees with the pickle.
  ExpectError(Put("count.pth", Legacy(Pickle().OrderedDict().Raw("(").Tensor("w", "FloatStorage", "0", 4, 0, {4}, {1}, true).Raw("u").Stop(), {"0"}, {{int64_t{1} << 60, four}})),
              "elements");
}

TEST(PthSafety, OffsetsBeyondTheStorageAreRefused) {
  std::string four = Floats({1, 2, 3, 4});
  auto one = [](int64_t offset, int64_t n) {
    return Pickle().OrderedDict().Raw("(").Tensor("w", "FloatStorage", "0", 4, offset, {n}, {1}).Raw("u").Stop();
  };
  ExpectError(Put("offset.pth", Zip({{"data.pkl", one(10, 1)}, {"data/0", four}})), "reaches past its storage");
  ExpectError(Put("offset_edge.pth", Zip({{"data.pkl", one(1, 4)}, {"data/0", four}})), "reaches past its storage");
  ExpectError(Put("offset_empty.pth", Zip({{"data.pkl", one(5, 0)}, {"data/0", four}})), "reaches past its storage");
  StateDict ok = ReadStateDict(Put("offset_ok.pth", Zip({{"data.pkl", one(1, 3)}, {"data/0", four}})));
  EXPECT_TRUE(torch::equal(ok[0].second, torch::tensor({2.f, 3.f, 4.f})));
  ExpectError(Put("missing_record.pth", Zip({{"data.pkl", one(0, 1)}})), "data/0' is missing");
}

TEST(PthSafety, DeepAndRecursiveStructuresAreRefused) {
  std::string deep_lists = Pickle().Raw(std::string(1000, ']') + std::string(999, 'a')).Stop();
  ExpectError(Put("deep_lists.pth", Zip({{"data.pkl", deep_lists}})), "nested deeper");
  std::string deep_marks = Pickle().Raw(std::string(100000, '(')).Stop();
  ExpectError(Put("deep_marks.pth", Zip({{"data.pkl", deep_marks}})), "nested deeper");
  std::string deep_tuples = Pickle().Raw(")" + std::string(500, '\x85')).Stop();
  ExpectError(Put("deep_tuples.pth", Zip({{"data.pkl", deep_tuples}})), "nested deeper");
  std::string self = Pickle().Raw("]q\x01h\x01" "a").Stop();
  ExpectError(Put("self.pth", Zip({{"data.pkl", self}})), "recursive");
  std::string cycle = Pickle().Raw("]q\x01]q\x02h\x01" "a0h\x02" "a").Stop();
  ExpectError(Put("cycle.pth", Zip({{"data.pkl", cycle}})), "recursive");
  std::string dict_cycle = Pickle().Raw("}q\x01h\x01h\x01s").Stop();
  ExpectError(Put("dict_cycle.pth", Zip({{"data.pkl", dict_cycle}})), "recursive");
  std::string bad_memo = Pickle().Raw("h\x05").Stop();
  ExpectError(Put("bad_memo.pth", Zip({{"data.pkl", bad_memo}})), "memo index 5");
  std::string bad_long_memo = Pickle().Raw("j\xff\xff\xff\xff").Stop();
  ExpectError(Put("bad_long_memo.pth", Zip({{"data.pkl", bad_long_memo}})), "memo index");
  std::string underflow = Pickle().Raw("a").Stop();
  ExpectError(Put("underflow.pth", Zip({{"data.pkl", underflow}})), "underflow");
}

TEST(PthSafety, WrongObjectsAreRefusedByName) {
  ExpectError(Put("list.pth", Zip({{"data.pkl", Pickle().Raw("]").Stop()}})), "expected a state_dict");
  std::string epoch = Pickle().Raw("}(").Str("epoch").Int(3).Raw("u").Stop();
  ExpectError(Put("epoch.pth", Zip({{"data.pkl", epoch}})), "entry 'epoch' is an int");
  ExpectError(Put("no_pkl.pth", Zip({{"other", "x"}})), "data.pkl");
  std::string module = Pickle().Raw("(").Str("module").Raw("N").Str("src").Raw("tQ").Stop();
  ExpectError(Put("module.pth", Legacy(module, {}, {})), "whole pickled model");
}

TEST(PthSafety, EveryTruncationAndCorruptionIsAnError) {
  Checkpoint c;
  c.tensors = {{"w", torch::arange(10, torch::kFloat)}, {"n", torch::tensor(int64_t{3})}};
  c.extra_tensors = {{"m", torch::ones({2})}};
  c.metadata_json = "{}";
  std::string written = testing::TempDir() + "/whole.pth";
  WriteCheckpoint(written, c);
  std::string zip = ReadFile(written);
  std::string legacy = Legacy(SharedStoragePickle(true), {"s0"}, {{7, Floats(kSeven)}});
  std::string path = testing::TempDir() + "/cut.pth";
  for (const std::string* source : {&zip, &legacy}) {
    for (size_t keep = 0; keep < source->size(); ++keep) {
      std::ofstream(path, std::ios::binary | std::ios::trunc) << source->substr(0, keep);
      ExpectError(path);
    }
  }
  // A flipped byte inside a tensor record is caught by the CRC-32.
  std::string corrupt = zip;
  size_t at = corrupt.find(std::string("\x00\x00\x80\x3f\x00\x00\x00\x40", 8));  // 1.0f, 2.0f of "w"
  ASSERT_NE(at, std::string::npos);
  corrupt[at + 3] ^= 0x10;
  ExpectError(Put("corrupt.pth", corrupt), "CRC");
  // A bool storage holding a byte other than 0/1.
  std::string bools = Pickle().OrderedDict().Raw("(").Tensor("b", "BoolStorage", "0", 2, 0, {2}, {1}).Raw("u").Stop();
  ExpectError(Put("bools.pth", Zip({{"data.pkl", bools}, {"data/0", std::string("\x01\x07", 2)}})), "bool");
}

}  // namespace
}  // namespace antispoof::pth
