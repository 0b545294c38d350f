// The public datasets' layouts (data/layout.h, data/protocol.h): each reader on a generated
// miniature of its layout (labels, attacks, paths), its detection and its errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "antispoof/audio/audio.h"
#include "antispoof/common/error.h"
#include "antispoof/data/layout.h"
#include "support/test_support.h"

namespace antispoof::data {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

void Touch(const std::string& path) {
  fs::create_directories(fs::path(path).parent_path());
  audio::WriteAudio(path, {0.1f, 0.2f}, 16000);
}

void Text(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

std::string ErrorOf(const std::function<void()>& f) { return antispoof::testing::ErrorMessageOf(f); }

std::vector<std::string> Utts(const Dataset& d) {
  std::vector<std::string> out;
  for (const Item& i : d.items) out.push_back(i.utt);
  return out;
}

TEST(Layouts, NamesRoundTripAndUnknownIsListed) {
  for (const char* n : {"auto", "la2019", "la2021", "df2021", "asvspoof5", "itw", "folder"})
    EXPECT_EQ(LayoutName(ParseLayout(n)), n);
  EXPECT_THAT(ErrorOf([] { ParseLayout("wild"); }), HasSubstr("unknown layout 'wild': expected one of auto, la2019"));
}

TEST(Layouts, La2021KeysAndAudio) {
  const std::string root = antispoof::testing::TempDir();
  Text(root + "/keys/LA/CM/trial_metadata.txt",
       "LA_0009 LA_E_1 alaw ita_tx bonafide bonafide notrim eval\n"
       "LA_0009 LA_E_2 none alaw A07 spoof notrim progress\n");
  Touch(root + "/ASVspoof2021_LA_eval/flac/LA_E_1.flac");
  Touch(root + "/ASVspoof2021_LA_eval/flac/LA_E_2.wav");
  EXPECT_EQ(DetectLayout(root), DatasetLayout::kLa2021);
  LayoutDataset d = ReadLayoutDataset(DatasetLayout::kAuto, root, "");
  EXPECT_EQ(d.layout, DatasetLayout::kLa2021);
  EXPECT_EQ(d.protocol.format, ProtocolFormat::kLa2021Keys);
  ASSERT_EQ(d.dataset.items.size(), 2u);
  EXPECT_EQ(d.dataset.items[0].label, kBonafide);
  EXPECT_EQ(d.dataset.items[0].attack, "-");
  EXPECT_EQ(d.dataset.items[0].path, root + "/ASVspoof2021_LA_eval/flac/LA_E_1.flac");
  EXPECT_EQ(d.dataset.items[1].label, kSpoof);
  EXPECT_EQ(d.dataset.items[1].attack, "A07");
  EXPECT_EQ(d.dataset.items[1].path, root + "/ASVspoof2021_LA_eval/flac/LA_E_2.wav");
  EXPECT_EQ(d.protocol.entries[1].speaker, "LA_0009");
}

TEST(Layouts, Df2021KeysWithAudioInParts) {
  const std::string root = antispoof::testing::TempDir();
  const std::string keys = root + "/DF-keys-full/keys/DF/CM/trial_metadata.txt";
  Text(keys,
       "LA_0023 DF_E_2000011 nocodec asvspoof A14 spoof notrim progress traditional_vocoder - - - -\n"
       "TEF2 DF_E_2000013 low_m4a vcc2020 bonafide bonafide notrim eval bonafide - - FF E\n");
  Touch(root + "/ASVspoof2021_DF_eval_part00/ASVspoof2021_DF_eval/flac/DF_E_2000011.flac");
  Touch(root + "/ASVspoof2021_DF_eval_part01/ASVspoof2021_DF_eval/flac/DF_E_2000013.flac");
  EXPECT_EQ(DetectLayout(root), DatasetLayout::kDf2021);
  EXPECT_EQ(DetectLayout(root, keys), DatasetLayout::kDf2021);
  LayoutDataset d = ReadLayoutDataset(DatasetLayout::kDf2021, root, keys);
  ASSERT_EQ(d.dataset.items.size(), 2u);
  EXPECT_EQ(d.dataset.items[0].attack, "A14");
  EXPECT_EQ(d.dataset.items[0].label, kSpoof);
  EXPECT_THAT(d.dataset.items[1].path, HasSubstr("part01/ASVspoof2021_DF_eval/flac/DF_E_2000013.flac"));
  EXPECT_EQ(d.dataset.items[1].label, kBonafide);
}

TEST(Layouts, Asvspoof5ProtocolFindsAudioByPrefix) {
  const std::string root = antispoof::testing::TempDir();
  const std::string tsv = root + "/ASVspoof5_protocols/ASVspoof5.dev.track_1.tsv";
  Text(tsv,
       "D_0062 D_0000000001 F - - - bonafide bonafide bonafide -\n"
       "D_0755 D_0000000002 M - - - A11 A11 spoof -\n"
       "E_1000 E_0000000003 M C03 4 1 A20 A20 spoof -\n");
  Touch(root + "/flac_D/D_0000000001.flac");
  Touch(root + "/flac_D/D_0000000002.flac");
  Touch(root + "/flac_E_eval/E_0000000003.flac");
  EXPECT_EQ(DetectLayout(root, tsv), DatasetLayout::kAsvspoof5);
  LayoutDataset d = ReadLayoutDataset(DatasetLayout::kAuto, root, tsv);
  EXPECT_EQ(d.layout, DatasetLayout::kAsvspoof5);
  ASSERT_EQ(d.dataset.items.size(), 3u);
  EXPECT_EQ(d.dataset.items[0].label, kBonafide);
  EXPECT_EQ(d.dataset.items[0].attack, "-");
  EXPECT_EQ(d.dataset.items[1].attack, "A11");
  EXPECT_EQ(d.dataset.items[2].path, root + "/flac_E_eval/E_0000000003.flac");
  // ASVspoof 5 has train, dev and eval protocols: none is a default.
  EXPECT_THAT(ErrorOf([&] { ReadLayoutDataset(DatasetLayout::kAsvspoof5, root, ""); }),
              HasSubstr("layout asvspoof5: give the protocol (--protocol)"));
}

TEST(Layouts, InTheWildMetaCsv) {
  const std::string root = antispoof::testing::TempDir();
  Text(root + "/release_in_the_wild/meta.csv",
       "\xEF\xBB\xBF" "file,speaker,label\r\n0.wav,Alec Guinness,spoof\r\n1.wav,\"Doe, Jane\",bona-fide\r\n");
  Touch(root + "/release_in_the_wild/0.wav");
  Touch(root + "/release_in_the_wild/1.wav");
  EXPECT_EQ(DetectLayout(root), DatasetLayout::kInTheWild);
  LayoutDataset d = ReadLayoutDataset(DatasetLayout::kAuto, root, "");
  EXPECT_EQ(d.protocol.format, ProtocolFormat::kInTheWild);
  EXPECT_THAT(Utts(d.dataset), ElementsAre("0", "1"));
  EXPECT_EQ(d.dataset.items[0].label, kSpoof);
  EXPECT_EQ(d.dataset.items[0].attack, "spoof");
  EXPECT_EQ(d.dataset.items[1].label, kBonafide);
  EXPECT_EQ(d.dataset.items[1].path, root + "/release_in_the_wild/1.wav");
  EXPECT_EQ(d.protocol.entries[0].speaker, "Alec_Guinness");
  EXPECT_EQ(d.protocol.entries[1].speaker, "Doe,_Jane");
}

TEST(Layouts, InTheWildErrorsNameTheLine) {
  EXPECT_THAT(ErrorOf([] { ParseProtocol("file,speaker,label\n0.wav,A,spoof\n1.wav,B,fake\n", "m.csv"); }),
              HasSubstr("m.csv:3: unknown label 'fake': expected bona-fide or spoof"));
  EXPECT_THAT(ErrorOf([] { ParseProtocol("file,speaker,label\n0.wav,A\n", "m.csv"); }),
              HasSubstr("m.csv:2: 2 fields, expected 3"));
  EXPECT_THAT(ErrorOf([] { ParseProtocol("file,speaker,label\n0.wav,A,spoof\n0.flac,B,spoof\n", "m.csv"); }),
              HasSubstr("m.csv:3: duplicate utterance 0 (first on line 2)"));
  EXPECT_THAT(ErrorOf([] { ParseProtocol("file,who\n0.wav,A\n", "m.csv", ProtocolFormat::kInTheWild); }),
              HasSubstr("m.csv:1: the CSV header names no `file` or no `label` column"));
}

TEST(Layouts, KeyFilesWithAWrongLineNameIt) {
  EXPECT_THAT(ErrorOf([] {
                ParseProtocol("S LA_E_1 alaw ita_tx A07 spoof notrim eval\nS LA_E_2 alaw ita_tx A07 spoof notrim\n",
                              "k.txt");
              }),
              HasSubstr("k.txt:2: 7 columns, expected ASVspoof 2021 LA keys, 8 columns"));
  EXPECT_THAT(ErrorOf([] { ParseProtocol("S LA_E_1 alaw ita_tx A07 fake notrim eval\n", "k.txt"); }),
              HasSubstr("k.txt:1: unknown key 'fake'"));
  EXPECT_THAT(ErrorOf([] { ParseProtocol("D_1 D_2 F - - - A11 A11 spoofed -\n", "a5.tsv"); }),
              HasSubstr("a5.tsv:1: unknown key 'spoofed'"));
  EXPECT_THAT(ErrorOf([] { ParseProtocol("a b c d e f g\n", "x.txt"); }),
              HasSubstr("x.txt:1: 7 columns: expected a protocol line of 5 columns"));
}

TEST(Layouts, FolderOfBonafideAndSpoof) {
  const std::string root = antispoof::testing::TempDir();
  Touch(root + "/bonafide/b1.wav");
  Touch(root + "/bonafide/nested/b2.flac");
  Touch(root + "/spoof/s1.wav");
  Touch(root + "/spoof/A07/s2.wav");
  Text(root + "/spoof/notes.txt", "not audio");
  EXPECT_EQ(DetectLayout(root), DatasetLayout::kFolder);
  LayoutDataset d = ReadLayoutDataset(DatasetLayout::kAuto, root, "");
  EXPECT_THAT(Utts(d.dataset), ElementsAre("b1", "b2", "s2", "s1"));
  EXPECT_EQ(d.dataset.items[1].label, kBonafide);
  EXPECT_EQ(d.dataset.items[1].path, root + "/bonafide/nested/b2.flac");
  EXPECT_EQ(d.dataset.items[2].attack, "A07");
  EXPECT_EQ(d.dataset.items[3].attack, "spoof");
  EXPECT_EQ(d.dataset.items[3].label, kSpoof);
  Touch(root + "/spoof/A08/b1.wav");
  EXPECT_THAT(ErrorOf([&] { FolderProtocol(root); }),
              HasSubstr("two files are utterance b1: bonafide/b1.wav and spoof/A08/b1.wav"));
  const std::string empty = antispoof::testing::TempDir();
  EXPECT_THAT(ErrorOf([&] { FolderProtocol(empty); }), HasSubstr("neither a bonafide/ nor a spoof/ subfolder"));
}

TEST(Layouts, MissingFilesNameTheLayoutAndTheCount) {
  const std::string root = antispoof::testing::TempDir();
  Text(root + "/meta.csv", "file,speaker,label\n0.wav,A,spoof\n1.wav,A,bona-fide\n2.wav,B,spoof\n");
  Touch(root + "/1.wav");
  const std::string what = ErrorOf([&] { ReadLayoutDataset(DatasetLayout::kAuto, root, ""); });
  EXPECT_THAT(what, HasSubstr("layout itw (detected): 2 of the 3 audio files listed in " + root + "/meta.csv are missing"));
  EXPECT_THAT(what, HasSubstr("first: 0, 2"));
  EXPECT_THAT(what, HasSubstr("expected e.g. " + root + "/0.wav"));
  DatasetOptions skip;
  skip.skip_missing = true;
  EXPECT_THAT(Utts(ReadLayoutDataset(DatasetLayout::kInTheWild, root, "", skip).dataset), ElementsAre("1"));
}

TEST(Layouts, UndetectableRootSaysWhatWasLookedFor) {
  const std::string root = antispoof::testing::TempDir();
  EXPECT_THAT(ErrorOf([&] { DetectLayout(root); }), HasSubstr("cannot tell the dataset layout without a protocol"));
  EXPECT_THAT(ErrorOf([&] { ReadLayoutDataset(DatasetLayout::kLa2021, root, ""); }),
              HasSubstr("layout la2021: no protocol under " + root + " (tried " + root + "/keys/LA/CM/trial_metadata.txt"));
}

TEST(Layouts, La2019ProtocolsKeepTheirLayout) {
  const std::string root = antispoof::testing::TempDir();
  Touch(root + "/LA/ASVspoof2019_LA_eval/flac/LA_E_1.flac");
  Text(root + "/p.txt", "LA_0001 LA_E_1 - - bonafide\n");
  EXPECT_EQ(DetectLayout(root, root + "/p.txt"), DatasetLayout::kLa2019);
  LayoutDataset d = ReadLayoutDataset(DatasetLayout::kAuto, root, root + "/p.txt");
  ASSERT_EQ(d.dataset.items.size(), 1u);
  EXPECT_EQ(d.dataset.items[0].path, root + "/LA/ASVspoof2019_LA_eval/flac/LA_E_1.flac");
}

}  // namespace
}  // namespace antispoof::data
