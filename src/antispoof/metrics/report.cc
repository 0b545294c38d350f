#include "antispoof/metrics/report.h"

#include <map>

#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"
#include "antispoof/metrics/accuracy.h"

namespace antispoof::metrics {
namespace {

constexpr const char* kNoAsvNote =
    "t-DCF needs the organisers' ASV score file (SOURCE KEY SCORE); pass --asv-scores";

nlohmann::json OptionalNumber(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json OptionalText(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

std::string TdcfText(const std::optional<double>& value) {
  return value ? Format("%.9f", *value) : std::string("-");
}

}  // namespace

MetricsReport ComputeMetricsReport(const std::vector<ScoreRecord>& records, const AsvScores* asv,
                                   std::optional<double> accuracy_threshold,
                                   const DcfCostModel& dcf_cost) {
  std::vector<double> bonafide;
  std::vector<double> spoof;
  std::map<std::string, std::vector<double>> spoof_by_attack;
  for (const ScoreRecord& record : records) {
    if (record.key == TrialKey::kBonafide) {
      bonafide.push_back(record.score);
    } else if (record.key == TrialKey::kSpoof) {
      spoof.push_back(record.score);
      spoof_by_attack[record.attack].push_back(record.score);
    } else {
      Fail("utterance '" + record.utterance +
           "' has no bonafide/spoof key: a 2-column score file needs --protocol");
    }
  }
  if (bonafide.empty() || spoof.empty()) {
    Fail(Format("metrics need bona fide and spoof scores; got %zu bona fide and %zu spoof",
                bonafide.size(), spoof.size()));
  }

  MetricsReport report;
  report.n_bonafide = bonafide.size();
  report.n_spoof = spoof.size();
  const DetCurve det = ComputeDetCurve(bonafide, spoof);
  const Asvspoof5CmMetrics pooled = ComputeAsvspoof5CmMetrics(det, bonafide, spoof, dcf_cost);
  report.eer = pooled.eer;
  report.dcf_cost = dcf_cost;
  report.min_dcf = pooled.min_dcf;
  report.act_dcf = pooled.act_dcf;
  report.cllr = pooled.cllr;
  if (asv != nullptr) {
    report.asv = ComputeAsvOperatingPoint(asv->target, asv->nontarget, asv->spoof);
    report.min_tdcf_legacy = MinTdcfLegacy(det, *report.asv);
    report.min_tdcf_revised = MinTdcfRevised(det, *report.asv);
  } else {
    report.tdcf_note = kNoAsvNote;
  }
  if (accuracy_threshold) {
    report.accuracy_threshold = *accuracy_threshold;
    report.accuracy = AccuracyAtThreshold(bonafide, spoof, *accuracy_threshold);
  }

  for (const auto& [attack, attack_spoof] : spoof_by_attack) {
    AttackMetrics metrics;
    metrics.attack = attack;
    metrics.n_spoof = attack_spoof.size();
    const DetCurve attack_det = ComputeDetCurve(bonafide, attack_spoof);
    const Asvspoof5CmMetrics attack_figures =
        ComputeAsvspoof5CmMetrics(attack_det, bonafide, attack_spoof, dcf_cost);
    metrics.eer = attack_figures.eer.eer;
    metrics.min_dcf = attack_figures.min_dcf.min_dcf;
    metrics.act_dcf = attack_figures.act_dcf.act_dcf;
    metrics.cllr = attack_figures.cllr;
    if (asv != nullptr) {
      auto own = asv->spoof_by_source.find(attack);
      const bool has_own = own != asv->spoof_by_source.end();
      metrics.asv_spoof_scores = has_own ? attack : "pooled";
      AsvOperatingPoint attack_asv = *report.asv;
      if (has_own) {
        attack_asv =
            AsvRatesAtThreshold(asv->target, asv->nontarget, own->second, report.asv->threshold);
        attack_asv.eer = report.asv->eer;
      }
      try {
        metrics.min_tdcf_legacy = MinTdcfLegacy(attack_det, attack_asv);
        metrics.min_tdcf_revised = MinTdcfRevised(attack_det, attack_asv);
      } catch (const Error& e) {
        metrics.min_tdcf_legacy.reset();
        metrics.min_tdcf_revised.reset();
        metrics.tdcf_note = e.what();
      }
    } else {
      metrics.tdcf_note = kNoAsvNote;
    }
    report.per_attack.push_back(std::move(metrics));
  }
  return report;
}

nlohmann::json MetricsReportToJson(const MetricsReport& report) {
  nlohmann::json json;
  json["eer"] = report.eer.eer;
  json["eer_percent"] = report.eer.eer * 100.0;
  json["eer_threshold"] = report.eer.threshold;
  json["min_tdcf_legacy"] = OptionalNumber(report.min_tdcf_legacy);
  json["min_tdcf_revised"] = OptionalNumber(report.min_tdcf_revised);
  json["tdcf_note"] = OptionalText(report.tdcf_note);
  if (report.asv) {
    json["asv"] = {{"eer", report.asv->eer},
                   {"threshold", report.asv->threshold},
                   {"pfa", report.asv->pfa},
                   {"pmiss", report.asv->pmiss},
                   {"pmiss_spoof", report.asv->pmiss_spoof}};
  } else {
    json["asv"] = nullptr;
  }
  json["min_dcf"] = report.min_dcf.min_dcf;
  json["min_dcf_threshold"] = report.min_dcf.threshold;
  json["act_dcf"] = report.act_dcf.act_dcf;
  json["act_dcf_threshold"] = report.act_dcf.threshold;
  json["cllr"] = report.cllr;
  json["dcf_cost"] = {{"p_spoof", report.dcf_cost.p_spoof},
                      {"c_miss", report.dcf_cost.c_miss},
                      {"c_fa", report.dcf_cost.c_fa}};
  json["accuracy"] = OptionalNumber(report.accuracy);
  json["accuracy_threshold"] = OptionalNumber(report.accuracy_threshold);
  json["n_bonafide"] = report.n_bonafide;
  json["n_spoof"] = report.n_spoof;
  nlohmann::json per_attack = nlohmann::json::object();
  for (const AttackMetrics& attack : report.per_attack) {
    per_attack[attack.attack] = {{"eer", attack.eer},
                                 {"eer_percent", attack.eer * 100.0},
                                 {"min_tdcf_legacy", OptionalNumber(attack.min_tdcf_legacy)},
                                 {"min_tdcf_revised", OptionalNumber(attack.min_tdcf_revised)},
                                 {"n_spoof", attack.n_spoof},
                                 {"asv_spoof_scores", OptionalText(attack.asv_spoof_scores)},
                                 {"tdcf_note", OptionalText(attack.tdcf_note)},
                                 {"min_dcf", attack.min_dcf},
                                 {"act_dcf", attack.act_dcf},
                                 {"cllr", attack.cllr}};
  }
  json["per_attack"] = std::move(per_attack);
  return json;
}

namespace {

std::string AsvSystemText(const AsvOperatingPoint& asv) {
  std::string out = "ASV SYSTEM\n";
  out += Format(
      "   EER            = %9.5f %% (Equal error rate (target vs. nontarget discrimination)\n",
      asv.eer * 100);
  out += Format("   threshold      = %9.5f   (ASV decision threshold = its EER threshold)\n",
                asv.threshold);
  out +=
      Format("   Pfa            = %9.5f %% (False acceptance rate of nontargets)\n", asv.pfa * 100);
  out +=
      Format("   Pmiss          = %9.5f %% (False rejection rate of targets)\n", asv.pmiss * 100);
  out += Format("   1-Pmiss,spoof  = %9.5f %% (Spoof false acceptance rate)\n\n",
                (1 - asv.pmiss_spoof) * 100);
  return out;
}

std::string CmSystemText(const MetricsReport& report) {
  std::string out = "CM SYSTEM\n";
  out += Format("   EER            = %12.8f %% (Equal error rate for countermeasure)\n",
                report.eer.eer * 100);
  out += Format("   EER threshold  = %12.8f   (higher score = more bona fide)\n",
                report.eer.threshold);
  const DcfCostModel& cost = report.dcf_cost;
  out += Format(
      "   min DCF        = %12.9f   (ASVspoof 5: Pspoof = %g, Cmiss = %g, Cfa = %g; at "
      "threshold %.8f)\n",
      report.min_dcf.min_dcf, cost.p_spoof, cost.c_miss, cost.c_fa, report.min_dcf.threshold);
  out += Format("   actDCF         = %12.9f   (scores as LLRs: at the Bayes threshold %.8f)\n",
                report.act_dcf.act_dcf, report.act_dcf.threshold);
  out += Format("   Cllr           = %12.9f   bits\n", report.cllr);
  out +=
      Format("   trials         = %zu bona fide, %zu spoof\n", report.n_bonafide, report.n_spoof);
  if (report.accuracy) {
    out += Format("   accuracy       = %12.8f %% (score > %g = bona fide)\n",
                  *report.accuracy * 100, *report.accuracy_threshold);
  }
  return out;
}

std::string BreakdownRow(const std::string& attack, size_t n_spoof, double eer,
                         const std::optional<double>& legacy, const std::optional<double>& revised,
                         double min_dcf, double act_dcf, double cllr) {
  return Format("   %-8s %8zu %12.6f %18s %18s %10.6f %10.6f %10.6f\n", attack.c_str(), n_spoof,
                eer * 100, TdcfText(legacy).c_str(), TdcfText(revised).c_str(), min_dcf, act_dcf,
                cllr);
}

}  // namespace

std::string FormatMetricsReport(const MetricsReport& report) {
  std::string out;
  if (report.asv) out += AsvSystemText(*report.asv);
  out += CmSystemText(report);
  out += "\nTANDEM\n";
  if (report.min_tdcf_legacy) {
    out += Format("   min-tDCF (legacy, ASVspoof 2019)  = %.9f\n", *report.min_tdcf_legacy);
    out += Format("   min-tDCF (revised, ASVspoof 2021) = %.9f\n", *report.min_tdcf_revised);
  } else {
    out += "   min-tDCF: not computed: " + report.tdcf_note + "\n";
  }
  out += "\nBREAKDOWN CM SYSTEM\n";
  out += Format("   %-8s %8s %12s %18s %18s %10s %10s %10s\n", "attack", "n_spoof", "EER %",
                "min-tDCF legacy", "min-tDCF revised", "minDCF", "actDCF", "Cllr");
  for (const AttackMetrics& attack : report.per_attack) {
    out += BreakdownRow(attack.attack, attack.n_spoof, attack.eer, attack.min_tdcf_legacy,
                        attack.min_tdcf_revised, attack.min_dcf, attack.act_dcf, attack.cllr);
  }
  out += BreakdownRow("pooled", report.n_spoof, report.eer.eer, report.min_tdcf_legacy,
                      report.min_tdcf_revised, report.min_dcf.min_dcf, report.act_dcf.act_dcf,
                      report.cllr);
  return out;
}

}  // namespace antispoof::metrics
