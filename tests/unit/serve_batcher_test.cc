// The batcher groups concurrent requests into batches without mixing up their results, refuses a
// full queue instead of blocking, and answers everything queued when drained.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "antispoof/serve/batcher.h"
#include "antispoof/serve/service_metrics.h"

namespace antispoof::serve {
namespace {

using std::chrono::milliseconds;

// A scorer whose score of a row is its first sample times 10 (so each request's answer is known),
// recording the rows of every batch.
struct RecordingScorer {
  std::mutex mutex;
  std::vector<int64_t> batch_rows;
  milliseconds delay{0};
  Batcher::ScoreFn Fn() {
    return [this](const float* rows, int64_t count, int64_t window) {
      std::this_thread::sleep_for(delay);
      {
        std::lock_guard<std::mutex> lock(mutex);
        batch_rows.push_back(count);
      }
      std::vector<double> out;
      for (int64_t i = 0; i < count; ++i) out.push_back(10.0 * rows[i * window]);
      return out;
    };
  }
};

std::vector<float> Rows(float first, int64_t count, int64_t window) {
  std::vector<float> rows(static_cast<size_t>(count * window), 0.f);
  for (int64_t i = 0; i < count; ++i) rows[i * window] = first + static_cast<float>(i);
  return rows;
}

TEST(Batcher, ConcurrentRequestsShareBatchesAndGetTheirOwnScores) {
  RecordingScorer scorer;
  ServiceMetrics metrics;
  Batcher batcher(scorer.Fn(), 8, milliseconds(200), 64, &metrics);
  for (int c = 0; c < 24; ++c) batcher.Arriving();  // as the server announces requests being decoded
  std::vector<std::thread> clients;
  std::vector<std::vector<double>> answers(24);
  for (int c = 0; c < 24; ++c) {
    clients.emplace_back([&, c] {
      auto future = batcher.Submit(Rows(static_cast<float>(c * 100), 1, 4), 1, 4);
      ASSERT_TRUE(future.has_value());
      answers[c] = future->get();
    });
  }
  for (auto& t : clients) t.join();
  for (int c = 0; c < 24; ++c) EXPECT_EQ(answers[c], std::vector<double>{1000.0 * c}) << "client " << c;
  int64_t total = 0;
  for (int64_t rows : scorer.batch_rows) {
    EXPECT_LE(rows, 8);
    total += rows;
  }
  EXPECT_EQ(total, 24);
  // 24 requests submitted within the 200 ms a batch waits for company: far fewer than 24 batches.
  EXPECT_LE(scorer.batch_rows.size(), 6u);
  EXPECT_EQ(batcher.batches(), scorer.batch_rows.size());
  EXPECT_NE(metrics.Render().find("antispoof_batch_size_count " + std::to_string(scorer.batch_rows.size())),
            std::string::npos);
}

TEST(Batcher, ALoneRequestIsScoredAtOnceAndAnAbandonedArrivalIsNotAwaited) {
  RecordingScorer scorer;
  Batcher batcher(scorer.Fn(), 4, milliseconds(60000), 64);
  auto lone = batcher.Submit(Rows(1, 1, 2), 1, 2);  // nothing else announced: no reason to wait
  ASSERT_EQ(lone->wait_for(std::chrono::seconds(10)), std::future_status::ready);
  batcher.Arriving();
  batcher.Arriving();
  auto first = batcher.Submit(Rows(2, 1, 2), 1, 2);  // one more is announced: it waits for it
  EXPECT_EQ(first->wait_for(milliseconds(300)), std::future_status::timeout);
  batcher.Abandoned();  // that one failed to decode: nothing left to wait for
  ASSERT_EQ(first->wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(first->get(), std::vector<double>{20.0});
}

TEST(Batcher, AFullBatchStartsWithoutWaitingForTheDeadline) {
  RecordingScorer scorer;
  Batcher batcher(scorer.Fn(), 4, milliseconds(60000), 64);
  for (int i = 0; i < 6; ++i) batcher.Arriving();  // two more than a batch are on their way
  std::vector<std::future<std::vector<double>>> futures;
  for (int i = 0; i < 4; ++i) futures.push_back(*batcher.Submit(Rows(static_cast<float>(i), 1, 2), 1, 2));
  for (auto& f : futures) ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
}

TEST(Batcher, MultiRowRequestsKeepTheirRowsInOrderAndLargeOnesAreChunked) {
  RecordingScorer scorer;
  Batcher batcher(scorer.Fn(), 4, milliseconds(20), 64);
  auto big = batcher.Submit(Rows(0, 10, 3), 10, 3);  // more rows than max_batch: chunks of 4, 4, 2
  auto small = batcher.Submit(Rows(50, 2, 3), 2, 3);
  std::vector<double> expect_big;
  for (int i = 0; i < 10; ++i) expect_big.push_back(10.0 * i);
  EXPECT_EQ(big->get(), expect_big);
  EXPECT_EQ(small->get(), (std::vector<double>{500.0, 510.0}));
  for (int64_t rows : scorer.batch_rows) EXPECT_LE(rows, 4);
}

TEST(Batcher, RequestsOfAnotherWindowLengthWaitForTheirOwnBatch) {
  RecordingScorer scorer;
  Batcher batcher(scorer.Fn(), 8, milliseconds(50), 64);
  for (int i = 0; i < 3; ++i) batcher.Arriving();
  auto a = batcher.Submit(Rows(1, 1, 4), 1, 4);
  auto b = batcher.Submit(Rows(2, 1, 6), 1, 6);
  auto c = batcher.Submit(Rows(3, 1, 4), 1, 4);
  EXPECT_EQ(a->get(), std::vector<double>{10.0});
  EXPECT_EQ(b->get(), std::vector<double>{20.0});
  EXPECT_EQ(c->get(), std::vector<double>{30.0});
  EXPECT_EQ(scorer.batch_rows, (std::vector<int64_t>{2, 1}));  // a and c together, then b
}

TEST(Batcher, AFullQueueIsRefusedAtOnceAndDrainAnswersWhatWasQueued) {
  RecordingScorer scorer;
  scorer.delay = milliseconds(300);
  Batcher batcher(scorer.Fn(), 1, milliseconds(0), 2);
  auto first = batcher.Submit(Rows(1, 1, 2), 1, 2);  // taken by the worker (being scored)
  std::this_thread::sleep_for(milliseconds(100));
  auto second = batcher.Submit(Rows(2, 1, 2), 1, 2);
  auto third = batcher.Submit(Rows(3, 1, 2), 1, 2);
  const auto before = std::chrono::steady_clock::now();
  auto refused = batcher.Submit(Rows(4, 1, 2), 1, 2);
  EXPECT_LT(std::chrono::steady_clock::now() - before, milliseconds(50));
  EXPECT_FALSE(refused.has_value());
  ASSERT_TRUE(second && third);
  batcher.Drain();
  EXPECT_EQ(first->get(), std::vector<double>{10.0});
  EXPECT_EQ(second->get(), std::vector<double>{20.0});
  EXPECT_EQ(third->get(), std::vector<double>{30.0});
  EXPECT_FALSE(batcher.Submit(Rows(5, 1, 2), 1, 2).has_value()) << "a drained batcher accepts nothing";
}

TEST(Batcher, AScorerFailureReachesEveryRequestOfTheBatch) {
  Batcher batcher([](const float*, int64_t, int64_t) -> std::vector<double> { throw std::runtime_error("boom"); },
                  4, milliseconds(50), 8);
  batcher.Arriving();
  batcher.Arriving();
  auto a = batcher.Submit(Rows(1, 1, 2), 1, 2);
  auto b = batcher.Submit(Rows(2, 1, 2), 1, 2);
  EXPECT_THROW(a->get(), std::runtime_error);
  EXPECT_THROW(b->get(), std::runtime_error);
}

TEST(Batcher, RowsThatDoNotMatchTheirShapeAreAnError) {
  RecordingScorer scorer;
  Batcher batcher(scorer.Fn(), 4, milliseconds(1), 8);
  EXPECT_ANY_THROW(batcher.Submit(std::vector<float>(5), 2, 3));
  EXPECT_ANY_THROW(batcher.Submit({}, 0, 3));
}

}  // namespace
}  // namespace antispoof::serve
