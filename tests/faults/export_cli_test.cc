// Fault catalogue, `antispoof export`: bad flags (--format, an --out that is a folder, in a missing
// folder, or a file antispoof did not write) and a checkpoint of another model are refused with a
// message naming the flag or the path, before anything is written; a good export writes one file
// (atomically, no temporary file left) whose scores are `antispoof score`'s.
#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "faults/faults_support.h"

namespace antispoof::faults {
namespace {

class ExportCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::TempDir();
    run_ = SharedTinyRun();
  }
  CommandResult Export(const std::string& out, const std::string& flags = "", const std::string& checkpoint = "",
                       const std::string& config = "") {
    return RunAntispoof("export --config " + Quote(config.empty() ? run_.config : config) + " --checkpoint " +
                        Quote(checkpoint.empty() ? run_.checkpoint : checkpoint) + " --out " + Quote(out) + " " +
                        flags);
  }
  // An export that fails with exit code 1, says `what`, prints nothing on stdout and writes nothing.
  void ExpectRefused(const CommandResult& r, const std::string& what) {
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_TRUE(Contains(r.err, what)) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(TempFilesIn(dir_).empty());
  }
  std::string dir_;
  TinyRun run_;
};

TEST_F(ExportCli, BothFormatsWriteOneFileWithTheirMetadata) {
  for (const char* format : {"torchscript", "onnx"}) {
    SCOPED_TRACE(format);
    const std::string out = dir_ + "/model." + format;
    CommandResult r = Export(out, std::string("--format ") + format);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(Contains(r.out, out + ": RawNet2 " + format)) << r.out;
    const std::string bytes = Slurp(out);
    ASSERT_GT(bytes.size(), 10000u);
    EXPECT_TRUE(Contains(bytes, "\"architecture\":\"RawNet2\""));  // the metadata, stored as is
    EXPECT_EQ(bytes.rfind("PK", 0) == 0, std::string(format) == "torchscript");
    // Exporting again replaces the earlier export.
    EXPECT_EQ(Export(out, std::string("--format ") + format).exit_code, 0);
  }
  EXPECT_TRUE(TempFilesIn(dir_).empty());
}

TEST_F(ExportCli, AnUnknownFormatIsRefusedNamingTheFlag) {
  ExpectRefused(Export(dir_ + "/m.tflite", "--format tflite"), "--format: unknown format 'tflite' (known: torchscript, onnx)");
  EXPECT_FALSE(fs::exists(dir_ + "/m.tflite"));
}

TEST_F(ExportCli, AnOutThatIsAFolderOrInAMissingFolderIsRefused) {
  ExpectRefused(Export(dir_), dir_ + ": is a folder");
  ExpectRefused(Export(dir_ + "/", "--format onnx"), ": is a folder");
  ExpectRefused(Export(dir_ + "/no/such/m.pt"), dir_ + "/no/such/m.pt: its folder " + dir_ + "/no/such does not exist");
  EXPECT_FALSE(fs::exists(dir_ + "/no"));
}

TEST_F(ExportCli, AFileAntispoofDidNotWriteIsReplacedOnlyWithForce) {
  for (const std::string& foreign : {std::string("my notes\n"), std::string("PK\x03\x04 some other zip", 22),
                                     Slurp(run_.checkpoint)}) {
    const std::string out = dir_ + "/precious.pt";
    Spit(out, foreign);
    ExpectRefused(Export(out), out + ": exists and is not a model antispoof exported");
    EXPECT_TRUE(Slurp(out) == foreign);
  }
  CommandResult r = Export(dir_ + "/precious.pt", "--force");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(Slurp(dir_ + "/precious.pt"), "antispoof.json"));
}

TEST_F(ExportCli, ACheckpointOfAnotherModelIsRefusedAndNothingIsWritten) {
  const std::string other = WriteTinyConfig(dir_, "", "  gru_node: 24", "other");
  const std::string out = dir_ + "/m.onnx";
  ExpectRefused(Export(out, "--format onnx", "", other), run_.checkpoint + ": checkpoint does not fit this model");
  EXPECT_FALSE(fs::exists(out));
  ExpectRefused(Export(out, "", dir_ + "/missing.pth"), dir_ + "/missing.pth");
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(ExportCli, MissingRequiredFlagsAreRefused) {
  CommandResult r = RunAntispoof("export --config " + Quote(run_.config) + " --checkpoint " + Quote(run_.checkpoint));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(Contains(r.err, "--out")) << r.err;
}

// The exported file, run outside antispoof on a WAV file, gives `antispoof score`'s score (when this
// machine has PyTorch for TorchScript, or the project's .venv has onnxruntime for ONNX).
TEST_F(ExportCli, TheExportedFileScoresAsAntispoofScore) {
  const std::string wav = dir_ + "/clip.wav";
  std::vector<float> x = Noise(kNbSamp, 5);
  const std::vector<float> tone = Tone(kNbSamp, 330);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.5f * x[i] + 0.5f * tone[i];
  Spit(wav, Wav(x));
  CommandResult s = Score(run_, Quote(wav), "", "--json");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const double expected = nlohmann::json::parse(s.out)[0]["score"].get<double>();
  int compared = 0;
  struct Runtime {
    const char* format;
    std::string python, module;
    double tolerance;
  };
  for (const Runtime& rt : {Runtime{"torchscript", "/usr/bin/python3", "torch", 1e-5},
                            Runtime{"onnx", testing::SourceDir() + "/.venv/bin/python", "onnxruntime", 1e-4}}) {
    if (RunShell("test -x " + rt.python + " && " + rt.python + " -c 'import " + rt.module + "'").exit_code != 0) {
      std::printf("skipped %s: %s has no %s\n", rt.format, rt.python.c_str(), rt.module.c_str());
      continue;
    }
    const std::string model = dir_ + "/m." + rt.format, out = dir_ + "/out." + rt.format + ".f32";
    ASSERT_EQ(Export(model, std::string("--format ") + rt.format).exit_code, 0);
    CommandResult r = RunShell(rt.python + " " + testing::SourceDir() + "/tests/support/run_exported.py " + rt.format +
                               " " + Quote(model) + " " + Quote(wav) + " 1 " + std::to_string(kNbSamp) + " " + Quote(out));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string bytes = Slurp(out);
    ASSERT_EQ(bytes.size(), 8u);
    float outputs[2];
    std::memcpy(outputs, bytes.data(), 8);
    EXPECT_NEAR(outputs[1], expected, rt.tolerance) << rt.format;
    ++compared;
  }
  if (compared == 0) GTEST_SKIP() << "neither PyTorch (/usr/bin/python3) nor onnxruntime (.venv) is installed";
}

}  // namespace
}  // namespace antispoof::faults
