#include "antispoof/common/progress.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "antispoof/common/strings.h"

namespace antispoof {
namespace {
std::atomic<bool> g_quiet{false};
constexpr int kQuietStepPercent = 10;
}  // namespace

void SetProgressQuiet(bool quiet) { g_quiet = quiet; }

std::string FormatDuration(double s) {
  if (s < 0 || s != s) return "?";
  if (s < 60) return Format("%.1fs", s);
  long t = static_cast<long>(s + 0.5);
  if (t < 3600) return Format("%ldm%02lds", t / 60, t % 60);
  return Format("%ldh%02ldm%02lds", t / 3600, (t / 60) % 60, t % 60);
}

ProgressBar::ProgressBar(std::string label, int64_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total) {
  start_ = last_draw_ = std::chrono::steady_clock::now();
  tty_ = ::isatty(2) && !g_quiet;
  if (tty_) Draw(false);
}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::SetPostfix(std::string postfix) { postfix_ = std::move(postfix); }

void ProgressBar::Add(int64_t n) {
  done_ += n;
  auto now = std::chrono::steady_clock::now();
  if (tty_) {
    if (now - last_draw_ > std::chrono::milliseconds(200) || (total_ > 0 && done_ >= total_)) {
      last_draw_ = now;
      Draw(false);
    }
    return;
  }
  if (total_ > 0) {
    int step = static_cast<int>(100 * done_ / total_) / kQuietStepPercent;
    if (step != last_percent_step_ && step > 0) {
      last_percent_step_ = step;
      Draw(true);
    }
  }
}

void ProgressBar::Finish() {
  if (finished_) return;
  finished_ = true;
  if (tty_) {
    Draw(false);
    std::fputc('\n', stderr);
  } else if (total_ <= 0 || last_percent_step_ < 100 / kQuietStepPercent) {
    Draw(true);
  }
  std::fflush(stderr);
}

void ProgressBar::Draw(bool final_line) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = elapsed > 0 ? done_ / elapsed : 0;
  std::string line = label_ + ": ";
  if (total_ > 0) {
    int pct = static_cast<int>(100 * done_ / total_);
    if (tty_) {
      const int width = 24;
      int filled = static_cast<int>(width * done_ / total_);
      line += "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
    }
    line += Format("%3d%% %lld/%lld %s", pct, static_cast<long long>(done_),
                   static_cast<long long>(total_), unit_.c_str());
  } else {
    line += Format("%lld %s", static_cast<long long>(done_), unit_.c_str());
  }
  line += Format(" | %.2f %s/s | %s", rate, unit_.c_str(), FormatDuration(elapsed).c_str());
  if (total_ > 0 && rate > 0) line += " < " + FormatDuration((total_ - done_) / rate);
  if (!postfix_.empty()) line += " | " + postfix_;
  if (tty_ && !final_line) {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace antispoof
