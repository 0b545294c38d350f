// The window plan (every window's start and end), the samples each window gives the model, the
// stream windower against the plan, the flags' resolution and validation, and each aggregate.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "antispoof/audio/audio.h"
#include "antispoof/infer/windows.h"
#include "support/test_support.h"

namespace antispoof::infer {
namespace {

using ::testing::HasSubstr;
using W = std::vector<Window>;

TEST(WindowPlan, StartAndEndOfEveryWindow) {
  const WindowSpec spec{10, 4};
  // Shorter than one window: one (tiled) window over the whole recording.
  EXPECT_EQ(PlanWindows(1, spec), (W{{0, 1}}));
  EXPECT_EQ(PlanWindows(3, spec), (W{{0, 3}}));  // shorter than the hop, too
  EXPECT_EQ(PlanWindows(4, spec), (W{{0, 4}}));  // exactly the hop
  EXPECT_EQ(PlanWindows(9, spec), (W{{0, 9}}));
  // Exactly one window.
  EXPECT_EQ(PlanWindows(10, spec), (W{{0, 10}}));
  // The hop grid ends exactly at the end: no extra window.
  EXPECT_EQ(PlanWindows(14, spec), (W{{0, 10}, {4, 14}}));
  EXPECT_EQ(PlanWindows(18, spec), (W{{0, 10}, {4, 14}, {8, 18}}));
  // A multiple of the hop but not of the grid's end (n - window is not a multiple of the hop): the
  // last window is aligned to end at the end.
  EXPECT_EQ(PlanWindows(12, spec), (W{{0, 10}, {2, 12}}));
  EXPECT_EQ(PlanWindows(20, spec), (W{{0, 10}, {4, 14}, {8, 18}, {10, 20}}));
  // Not a multiple of the hop: the last window is aligned to end at the end.
  EXPECT_EQ(PlanWindows(11, spec), (W{{0, 10}, {1, 11}}));
  EXPECT_EQ(PlanWindows(17, spec), (W{{0, 10}, {4, 14}, {7, 17}}));
  EXPECT_EQ(PlanWindows(21, spec), (W{{0, 10}, {4, 14}, {8, 18}, {11, 21}}));
  // hop == window: contiguous windows, then the end-aligned one.
  EXPECT_EQ(PlanWindows(25, {10, 10}), (W{{0, 10}, {10, 20}, {15, 25}}));
  EXPECT_EQ(PlanWindows(30, {10, 10}), (W{{0, 10}, {10, 20}, {20, 30}}));
  // hop of one sample.
  EXPECT_EQ(PlanWindows(5, {3, 1}), (W{{0, 3}, {1, 4}, {2, 5}}));
}

TEST(WindowPlan, EveryWindowIsWholeInsideTheRecordingAndEverySampleIsCovered) {
  for (int64_t window : {1, 2, 7, 16}) {
    for (int64_t hop = 1; hop <= window; ++hop) {
      for (int64_t n = 1; n <= 60; ++n) {
        const W plan = PlanWindows(n, {window, hop});
        ASSERT_FALSE(plan.empty());
        std::vector<int> covered(n, 0);
        for (size_t i = 0; i < plan.size(); ++i) {
          const Window& w = plan[i];
          EXPECT_EQ(w.end - w.start, std::min(n, window)) << n << " " << window << " " << hop;
          EXPECT_GE(w.start, 0);
          EXPECT_LE(w.end, n);
          if (i > 0) {
            EXPECT_GT(w.start, plan[i - 1].start);
            EXPECT_LE(w.start - plan[i - 1].start, hop);
          }
          for (int64_t s = w.start; s < w.end; ++s) covered[s] = 1;
        }
        EXPECT_EQ(plan.back().end, n);
        for (int64_t s = 0; s < n; ++s) ASSERT_TRUE(covered[s]) << n << " " << window << " " << hop << " " << s;
      }
    }
  }
}

TEST(WindowPlan, BadSpecsAndLengthsAreErrors) {
  EXPECT_THAT(testing::ErrorMessageOf([] { PlanWindows(0, {10, 5}); }), HasSubstr("at least one sample"));
  EXPECT_THAT(testing::ErrorMessageOf([] { PlanWindows(10, {10, 11}); }), HasSubstr("0 < hop <= window"));
  EXPECT_THAT(testing::ErrorMessageOf([] { PlanWindows(10, {10, 0}); }), HasSubstr("0 < hop <= window"));
  EXPECT_THAT(testing::ErrorMessageOf([] { StreamWindower w({0, 0}); }), HasSubstr("0 < hop <= window"));
}

std::vector<float> Ramp(int64_t n) {
  std::vector<float> x(n);
  for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(i + 1);
  return x;
}

TEST(WindowPlan, WindowsHoldTheirOwnSamplesAndShortRecordingsAreTiledAsTheReferenceRule) {
  const WindowSpec spec{8, 3};
  const auto x = Ramp(13);
  std::vector<float> out(8);
  for (const Window& w : PlanWindows(13, spec)) {
    ExtractWindow(x.data(), 13, w, spec, out.data());
    EXPECT_EQ(out, std::vector<float>(x.begin() + w.start, x.begin() + w.end));
  }
  const auto shorter = Ramp(3);
  ExtractWindow(shorter.data(), 3, PlanWindows(3, spec)[0], spec, out.data());
  EXPECT_EQ(out, audio::FitLength(shorter, 8));
  EXPECT_EQ(out, (std::vector<float>{1, 2, 3, 1, 2, 3, 1, 2}));
  EXPECT_THAT(testing::ErrorMessageOf([&] { ExtractWindow(x.data(), 13, {6, 14}, spec, out.data()); }),
              HasSubstr("does not lie in a recording of 13 samples"));
}

// Pushes `n` samples in pieces of at most `piece` (and at most SamplesWanted()), collecting windows.
std::vector<std::pair<Window, std::vector<float>>> StreamAll(const std::vector<float>& x, const WindowSpec& spec,
                                                             int64_t piece) {
  StreamWindower w(spec);
  std::vector<std::pair<Window, std::vector<float>>> got;
  size_t pos = 0;
  while (pos < x.size()) {
    const int64_t count = std::min<int64_t>({piece, w.SamplesWanted(), static_cast<int64_t>(x.size() - pos)});
    if (w.Push(x.data() + pos, count)) got.push_back({w.Current(), w.Samples()});
    pos += count;
  }
  if (w.Finish()) got.push_back({w.Current(), w.Samples()});
  EXPECT_FALSE(w.Finish());  // the end gives one window at most
  EXPECT_EQ(w.samples_seen(), static_cast<int64_t>(x.size()));
  return got;
}

TEST(StreamWindows, AStreamGivesThePlansWindowsWithTheirSamples) {
  for (int64_t window : {1, 5, 8}) {
    for (int64_t hop = 1; hop <= window; ++hop) {
      for (int64_t n = 1; n <= 30; ++n) {
        const WindowSpec spec{window, hop};
        const auto x = Ramp(n);
        const W plan = PlanWindows(n, spec);
        for (int64_t piece : {1, 3, 1000}) {
          const auto got = StreamAll(x, spec, piece);
          ASSERT_EQ(got.size(), plan.size()) << n << " " << window << " " << hop;
          std::vector<float> expected(window);
          for (size_t i = 0; i < plan.size(); ++i) {
            EXPECT_EQ(got[i].first, plan[i]) << n << " " << window << " " << hop << " " << i;
            ExtractWindow(x.data(), n, plan[i], spec, expected.data());
            EXPECT_EQ(got[i].second, expected) << n << " " << window << " " << hop << " " << i;
          }
        }
      }
    }
  }
  StreamWindower empty({4, 2});
  EXPECT_FALSE(empty.Finish());
}

TEST(StreamWindows, ReadsAreBoundedByTheWindowThenTheHop) {
  StreamWindower w({10, 4});
  EXPECT_EQ(w.SamplesWanted(), 10);
  const auto x = Ramp(10);
  EXPECT_THAT(testing::ErrorMessageOf([&] { w.Push(x.data(), 11); }), HasSubstr("11 samples, 10 wanted"));
  EXPECT_TRUE(w.Push(x.data(), 10));
  EXPECT_EQ(w.SamplesWanted(), 4);
  EXPECT_EQ(w.Samples().size(), 10u);
}

TEST(WindowFlags, DefaultsAndRounding) {
  // Nothing given: the model's input length, half of it as the hop.
  auto s = ResolveWindowSpec(std::nullopt, std::nullopt, 64600, 16000);
  EXPECT_EQ(s.window, 64600);
  EXPECT_EQ(s.hop, 32300);
  s = ResolveWindowSpec(std::nullopt, std::nullopt, 3, 16000);
  EXPECT_EQ(s.hop, 1);
  s = ResolveWindowSpec(2.0, std::nullopt, 64600, 16000);
  EXPECT_EQ(s.window, 32000);
  EXPECT_EQ(s.hop, 16000);
  s = ResolveWindowSpec(std::nullopt, 0.25, 64600, 16000);
  EXPECT_EQ(s.window, 64600);
  EXPECT_EQ(s.hop, 4000);
  s = ResolveWindowSpec(1.00003, 1.0, 64600, 16000);  // 16000.48 samples: the nearest sample
  EXPECT_EQ(s.window, 16000);
  EXPECT_EQ(s.hop, 16000);
}

TEST(WindowFlags, BadValuesAreErrorsNamingTheFlag) {
  auto error = [](std::optional<double> w, std::optional<double> h) {
    return testing::ErrorMessageOf([&] { ResolveWindowSpec(w, h, 64600, 16000); });
  };
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_THAT(error(0.0, std::nullopt), HasSubstr("--window: 0: must be a finite number of seconds > 0"));
  EXPECT_THAT(error(-1.0, std::nullopt), HasSubstr("--window: -1: must be"));
  EXPECT_THAT(error(std::nan(""), std::nullopt), HasSubstr("--window: nan: must be"));
  EXPECT_THAT(error(inf, std::nullopt), HasSubstr("--window: inf: must be"));
  EXPECT_THAT(error(1e-5, std::nullopt), HasSubstr("--window: 1e-05 s is less than one sample at 16000 Hz"));
  EXPECT_THAT(error(1e6, std::nullopt), HasSubstr("--window: 1e+06 s is too long"));
  EXPECT_THAT(error(1.0, 0.0), HasSubstr("--hop: 0: must be"));
  EXPECT_THAT(error(1.0, -0.5), HasSubstr("--hop: -0.5: must be"));
  EXPECT_THAT(error(1.0, std::nan("")), HasSubstr("--hop: nan: must be"));
  EXPECT_THAT(error(1.0, 1e-9), HasSubstr("--hop: 1e-09 s is less than one sample"));
  EXPECT_THAT(error(1.0, 2.0), HasSubstr("--hop: 2 s is longer than the window (1 s)"));
  EXPECT_THAT(error(std::nullopt, 5.0), HasSubstr("longer than the window (4.0375 s, the model's input length"));
}

TEST(Aggregates, EachAggregate) {
  const std::vector<double> odd = {3, -1, 7, 2, 2};
  EXPECT_DOUBLE_EQ(AggregateScores(odd, Aggregate::kMean), 13.0 / 5);
  EXPECT_DOUBLE_EQ(AggregateScores(odd, Aggregate::kMin), -1);
  EXPECT_DOUBLE_EQ(AggregateScores(odd, Aggregate::kMax), 7);
  EXPECT_DOUBLE_EQ(AggregateScores(odd, Aggregate::kMedian), 2);
  const std::vector<double> even = {4, -2, 10, 1};
  EXPECT_DOUBLE_EQ(AggregateScores(even, Aggregate::kMedian), 2.5);  // the mean of 1 and 4
  EXPECT_DOUBLE_EQ(AggregateScores(even, Aggregate::kMean), 13.0 / 4);
  for (Aggregate a : {Aggregate::kMean, Aggregate::kMin, Aggregate::kMax, Aggregate::kMedian}) {
    EXPECT_DOUBLE_EQ(AggregateScores({-0.5}, a), -0.5);  // one window: its score
    EXPECT_EQ(ParseAggregate(AggregateName(a), "--aggregate"), a);
    EXPECT_THAT(testing::ErrorMessageOf([a] { AggregateScores({}, a); }), HasSubstr("no window scores"));
  }
  EXPECT_EQ(testing::ErrorMessageOf([] { ParseAggregate("avg", "--aggregate"); }),
            "--aggregate: unknown aggregate 'avg' (known: mean|min|max|median)");
}

}  // namespace
}  // namespace antispoof::infer
