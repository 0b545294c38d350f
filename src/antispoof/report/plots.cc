#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"
#include "antispoof/metrics/det.h"
#include "antispoof/report/gnuplot.h"
#include "antispoof/report/run_data.h"
#include "antispoof/report/stats.h"

namespace antispoof::report {
namespace {

using nlohmann::json;

const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                               "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};
constexpr int kColorCount = sizeof(kColors) / sizeof(kColors[0]);

// A gnuplot single-quoted string.
std::string Quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "''";
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out + "'";
}

std::string Num(double value) { return std::isfinite(value) ? Format("%.10g", value) : "NaN"; }

std::string Prelude() {
  std::string out = "set datafile missing 'NaN'\nset grid lc rgb '#d0d0d0'\nset border lw 1\n";
  for (int i = 0; i < kColorCount; ++i) {
    out += Format("set linetype %d lc rgb '%s' lw 2 pt 7 ps 0.8\n", i + 1, kColors[i]);
  }
  return out;
}

std::string RunTitle(const RunData& run) {
  std::string title = run.spec->name;
  if (!run.spec->description.empty()) title += ": " + run.spec->description;
  return title;
}

int LineType(size_t run_index) { return static_cast<int>(run_index % kColorCount) + 1; }

std::string SeedsNote(const RunData& run) {
  return run.seeds.size() == 1 ? "1 seed" : Format("mean of %zu seeds", run.seeds.size());
}

// Mean over the seeds having each x value (x = epoch or iteration).
std::map<double, double> MeanCurve(const RunData& run, bool train_log, const std::string& column) {
  std::map<double, std::pair<double, int>> sums;
  for (const SeedData& seed : run.seeds) {
    const CsvTable& table = train_log ? seed.train_log : seed.epochs;
    std::vector<double> x = table.Column(train_log ? "iteration" : "epoch");
    std::vector<double> y = table.Column(column);
    for (size_t i = 0; i < x.size(); ++i) {
      if (!std::isfinite(x[i]) || !std::isfinite(y[i])) continue;
      sums[x[i]].first += y[i];
      sums[x[i]].second += 1;
    }
  }
  std::map<double, double> out;
  for (const auto& [x, sum] : sums) out[x] = sum.first / sum.second;
  return out;
}

std::string CurveData(const std::map<double, double>& curve, double scale) {
  std::string out;
  for (const auto& [x, y] : curve) out += Num(x) + " " + Num(y * scale) + "\n";
  return out;
}

std::string EmptyPlot(const std::string& message) {
  return "unset key\nset label 1 " + Quote(message) +
         " at graph 0.5,0.5 center\nplot [0:1] [0:1] NaN notitle\n";
}

void LineChart(const GnuplotRunner& gp, const std::vector<RunData>& runs, bool train_log,
               const std::string& column, double scale, const std::string& title,
               const std::string& xlabel, const std::string& ylabel, const std::string& path) {
  std::string plot;
  double last_x = 0;
  for (size_t r = 0; r < runs.size(); ++r) {
    const std::string name = Format("curve_%zu.dat", r);
    std::map<double, double> curve = MeanCurve(runs[r], train_log, column);
    if (curve.empty() && column == "running_loss") curve = MeanCurve(runs[r], train_log, "loss");
    if (curve.empty()) continue;
    gp.WriteData(name, CurveData(curve, scale));
    last_x = std::max(last_x, curve.rbegin()->first);
    plot += plot.empty() ? "plot " : ", ";
    plot += Format("'%s' using 1:2 with %s lt %d title %s", name.c_str(),
                   train_log || curve.size() > 40 ? "lines" : "linespoints", LineType(r),
                   Quote(RunTitle(runs[r]) + " (" + SeedsNote(runs[r]) + ")").c_str());
  }
  std::string script = Prelude() + "set title " + Quote(title) + "\nset xlabel " + Quote(xlabel) +
                       "\nset ylabel " + Quote(ylabel) +
                       "\nset key outside top center horizontal\n";
  // Whole epochs on the axis.
  if (!train_log && last_x <= 20) script += "set xtics 1\n";
  script += plot.empty() ? EmptyPlot("no data in the run directories") : plot + "\n";
  gp.Render(script, path);
}

// One bar per run (mean over seeds, error bar = std over seeds) and the seeds' values as points.
void BarChart(const GnuplotRunner& gp, const std::vector<RunData>& runs, const json& results,
              const std::string& key, const std::string& title, const std::string& ylabel,
              const std::string& path) {
  std::string bars, seeds;
  std::string plot;
  bool any = false;
  for (size_t r = 0; r < runs.size(); ++r) {
    const json& agg = results["runs"][runs[r].spec->name][key];
    const double mean = agg["mean"].is_number() ? agg["mean"].get<double>() * 100 : NAN;
    const double std = agg["std"].is_number() ? agg["std"].get<double>() * 100 : 0.0;
    any = any || std::isfinite(mean);
    bars += Format("%zu %s %s\n", r, Num(mean).c_str(), Num(std).c_str());
    for (const auto& [seed, entry] : results["runs"][runs[r].spec->name]["seeds"].items()) {
      if (entry[key].is_number()) {
        seeds += Format("%zu %s\n", r, Num(entry[key].get<double>() * 100).c_str());
      }
    }
  }
  gp.WriteData("bars.dat", bars);
  gp.WriteData("seeds.dat", seeds.empty() ? "NaN NaN\n" : seeds);
  std::string script = Prelude() + "set title " + Quote(title) + "\nset ylabel " + Quote(ylabel) +
                       "\nset key outside top center horizontal\nset boxwidth 0.6\n" +
                       "set style fill solid 0.75 border -1\nset yrange [0:*]\n" +
                       Format("set xrange [-0.6:%zu.6]\n", runs.size() - 1) + "set xtics (";
  for (size_t r = 0; r < runs.size(); ++r) {
    script += Format("%s%s %zu", r ? ", " : "", Quote(runs[r].spec->name).c_str(), r);
  }
  script += ")\n";
  if (!any) {
    gp.Render(script + EmptyPlot("not available in metrics_eval.json"), path);
    return;
  }
  for (size_t r = 0; r < runs.size(); ++r) {
    plot += Format("%s'bars.dat' every ::%zu::%zu using 1:2 with boxes lt %d title %s",
                   r ? ", " : "plot ", r, r, LineType(r), Quote(RunTitle(runs[r])).c_str());
  }
  plot +=
      ", 'bars.dat' using 1:2:3 with yerrorbars lc rgb 'black' pt 0 ps 0 lw 1.5 "
      "title 'std over seeds'";
  plot += ", 'seeds.dat' using 1:2 with points pt 6 ps 1.2 lc rgb 'black' title 'seeds'";
  plot += ", 'bars.dat' using 1:($2+$3):(sprintf('%.2f', $2)) with labels offset 0,1 notitle";
  gp.Render(script + plot + "\n", path);
}

const double kDetTicks[] = {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2,
                            0.4,   0.6,   0.8,   0.9,  0.95, 0.98, 0.99};

void DetPlot(const GnuplotRunner& gp, const std::vector<RunData>& runs, const std::string& dataset,
             const std::string& path) {
  size_t largest = 0;
  double worst_eer = 0.0;
  for (const RunData& run : runs) {
    for (const SeedData& seed : run.seeds) {
      largest = std::max({largest, seed.bonafide.size(), seed.spoof.size()});
      worst_eer = std::max(worst_eer, seed.test_eer());
    }
  }
  // The axes start at the finest rate the largest class can show (at least 0.1 %).
  double low = 0.001;
  for (double tick : kDetTicks) {
    if (tick <= 1.0 / static_cast<double>(largest)) low = tick;
  }
  const double high = worst_eer < 0.35 ? 0.6 : 0.99;
  const double p_low = InverseNormalCdf(low), p_high = InverseNormalCdf(high);
  auto probit = [&](double rate) { return InverseNormalCdf(std::clamp(rate, low, high)); };

  std::string plot;
  std::string eer_points;
  for (size_t r = 0; r < runs.size(); ++r) {
    std::string data;
    for (const SeedData& seed : runs[r].seeds) {
      metrics::DetCurve det = metrics::ComputeDetCurve(seed.bonafide, seed.spoof);
      double last_x = NAN, last_y = NAN;
      for (size_t k = 0; k < det.frr.size(); ++k) {
        const double x = probit(det.far[k]), y = probit(det.frr[k]);
        const bool end = k + 1 == det.frr.size();
        if (!end && std::fabs(x - last_x) < 0.004 && std::fabs(y - last_y) < 0.004) continue;
        data += Num(x) + " " + Num(y) + "\n";
        last_x = x;
        last_y = y;
      }
      data += "\n";
      const metrics::EerPoint eer = metrics::ComputeEer(det);
      eer_points += Format("%zu %s\n", r, Num(probit(eer.eer)).c_str());
    }
    const std::string name = Format("det_%zu.dat", r);
    gp.WriteData(name, data);
    plot += Format("%s'%s' using 1:2 with lines lt %d title %s", r ? ", " : "plot ", name.c_str(),
                   LineType(r),
                   Quote(RunTitle(runs[r]) + Format(" (%zu seed%s)", runs[r].seeds.size(),
                                                    runs[r].seeds.size() == 1 ? "" : "s"))
                       .c_str());
  }
  gp.WriteData("eer.dat", eer_points);
  std::string tics;
  for (double tick : kDetTicks) {
    if (tick < low || tick > high) continue;
    tics += Format("%s'%g' %.6f", tics.empty() ? "" : ", ", tick * 100, InverseNormalCdf(tick));
  }
  std::string script = Prelude();
  script += "set title " +
            Quote("DET curves on the " + dataset +
                  " test set (probit axes; one curve per seed, dots = EER)") +
            "\n";
  script += "set xlabel 'False acceptance rate: spoof accepted as bona fide (%)'\n";
  script += "set ylabel 'False rejection rate: bona fide rejected (%)'\n";
  script += "set size ratio -1\nset key outside top center horizontal\n";
  script +=
      Format("set xrange [%.6f:%.6f]\nset yrange [%.6f:%.6f]\n", p_low, p_high, p_low, p_high);
  script += "set xtics (" + tics + ")\nset ytics (" + tics + ")\n";
  script += plot + ", x with lines dt 2 lc rgb '#808080' lw 1 title 'EER line (FAR = FRR)', " +
            "'eer.dat' using 2:2:($1+1) with points pt 7 ps 1.2 lc variable notitle\n";
  gp.Render(script, path, 900, 900);
}

void ScoreHistogram(const GnuplotRunner& gp, const RunData& run, size_t run_index,
                    const std::string& dataset, const std::string& path) {
  std::vector<double> bonafide, spoof;
  for (const SeedData& seed : run.seeds) {
    bonafide.insert(bonafide.end(), seed.bonafide.begin(), seed.bonafide.end());
    spoof.insert(spoof.end(), seed.spoof.begin(), seed.spoof.end());
  }
  std::vector<double> all = bonafide;
  all.insert(all.end(), spoof.begin(), spoof.end());
  // The range spans the 0.5-99.5 % quantiles; scores beyond it count in the edge bins.
  Interval range = PercentileInterval(all, 0.99);
  if (!(range.high > range.low)) range = {range.low - 0.5, range.low + 0.5};
  const int bins = 60;
  const double width = (range.high - range.low) / bins;
  std::vector<double> counts_b(bins, 0.0), counts_s(bins, 0.0);
  auto bin = [&](double v) {
    return std::clamp(static_cast<int>(std::floor((v - range.low) / width)), 0, bins - 1);
  };
  for (double v : bonafide) counts_b[bin(v)] += 1;
  for (double v : spoof) counts_s[bin(v)] += 1;
  std::string data;
  for (int i = 0; i < bins; ++i) {
    data += Num(range.low + (i + 0.5) * width) + " " +
            Num(counts_b[i] / (bonafide.size() * width)) + " " +
            Num(counts_s[i] / (spoof.size() * width)) + "\n";
  }
  gp.WriteData("hist.dat", data);
  std::string script = Prelude();
  script += "set title " +
            Quote(RunTitle(run) + ": " + dataset + " test scores, " +
                  (run.seeds.size() == 1 ? std::string("1 seed")
                                         : Format("%zu seeds pooled", run.seeds.size()))) +
            "\n";
  script += "set xlabel 'CM score (higher = more bona fide)'\nset ylabel 'density (per class)'\n";
  script += Format("set boxwidth %.10g absolute\nset key top left\n", width);
  script += gp.cairo() ? "set style fill transparent solid 0.45 noborder\n"
                       : "set style fill solid 0.45 noborder\n";
  script += Format(
      "plot 'hist.dat' using 1:3 with boxes lc rgb '#d62728' title 'spoof (n=%zu)', "
      "'hist.dat' using 1:2 with boxes lc rgb '#1f77b4' title 'bona fide (n=%zu)'\n",
      spoof.size(), bonafide.size());
  (void)run_index;
  gp.Render(script, path);
}

void PerAttackPlot(const GnuplotRunner& gp, const std::vector<RunData>& runs, const json& results,
                   const std::string& dataset, const std::string& path) {
  std::set<std::string> attacks;
  for (const RunData& run : runs) {
    for (const auto& [attack, agg] : results["runs"][run.spec->name]["per_attack_eer"].items()) {
      attacks.insert(attack);
    }
  }
  std::string script = Prelude();
  script +=
      "set title " +
      Quote("EER per attack on the " + dataset + " test set (mean over seeds, error bars = std)") +
      "\n";
  script += "set ylabel 'EER (%)'\nset key outside top center horizontal\nset yrange [0:*]\n";
  if (attacks.empty()) {
    gp.Render(script + EmptyPlot("metrics_eval.json has no per-attack EERs"), path);
    return;
  }
  std::string data;
  for (const std::string& attack : attacks) {
    data += attack;
    for (const RunData& run : runs) {
      const json& per = results["runs"][run.spec->name]["per_attack_eer"];
      double mean = NAN, std = 0.0;
      if (per.contains(attack)) {
        const json& agg = per[attack];
        if (agg["mean"].is_number()) mean = agg["mean"].get<double>() * 100;
        if (agg["std"].is_number()) std = agg["std"].get<double>() * 100;
      }
      data += " " + Num(mean) + " " + Num(std);
    }
    data += "\n";
  }
  gp.WriteData("attacks.dat", data);
  script += "set style data histogram\nset style histogram errorbars gap 1 lw 1\n";
  script += "set style fill solid 0.8 border -1\nset boxwidth 0.9\n";
  if (attacks.size() > 12) script += "set xtics rotate by -45\n";
  std::string plot = "plot ";
  for (size_t r = 0; r < runs.size(); ++r) {
    plot +=
        Format("%s'attacks.dat' using %zu:%zu%s lt %d title %s", r ? ", " : "", 2 + 2 * r,
               3 + 2 * r, r == 0 ? ":xtic(1)" : "", LineType(r), Quote(RunTitle(runs[r])).c_str());
  }
  gp.Render(script + plot + "\n", path, std::max<int>(1000, 60 * attacks.size() * runs.size()),
            600);
}

}  // namespace

std::vector<std::string> WritePlots(const ExperimentSpec& spec, const std::vector<RunData>& runs,
                                    const json& results) {
  GnuplotRunner gp;
  const std::string& d = spec.dataset;
  std::vector<std::string> files;
  auto out = [&](const std::string& name) {
    files.push_back(name);
    return (std::filesystem::path(spec.out_dir) / name).string();
  };
  LineChart(gp, runs, true, "running_loss", 1.0,
            "Training loss per iteration on " + d + " (running mean over the log interval)",
            "iteration", "training loss", out("train_loss_" + d + "_across_runs.png"));
  LineChart(gp, runs, false, "dev_loss", 1.0, "Validation loss per epoch on " + d, "epoch",
            "validation loss", out("val_loss_" + d + "_across_runs.png"));
  LineChart(gp, runs, false, "dev_eer", 100.0, "Validation EER per epoch on " + d, "epoch",
            "validation EER (%)", out("val_eer_" + d + "_across_runs.png"));
  BarChart(gp, runs, results, "test_acc",
           "Test accuracy on " + d + " (mean over seeds, error bars = std)", "accuracy (%)",
           out("test_accuracy_" + d + "_across_runs.png"));
  BarChart(gp, runs, results, "test_eer",
           "Test EER on " + d + " (mean over seeds, error bars = std)", "EER (%)",
           out("test_eer_" + d + "_across_runs.png"));
  DetPlot(gp, runs, d, out("det_" + d + ".png"));
  PerAttackPlot(gp, runs, results, d, out("per_attack_eer_" + d + ".png"));
  for (size_t r = 0; r < runs.size(); ++r) {
    ScoreHistogram(gp, runs[r], r, d, out("score_hist_" + runs[r].spec->name + ".png"));
  }
  return files;
}

}  // namespace antispoof::report
