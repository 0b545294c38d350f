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
                                   std::optional<double> accuracy_threshold) {
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
  report.eer = ComputeEer(det);
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
    metrics.eer = ComputeEer(attack_det).eer;
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
                                 {"tdcf_note", OptionalText(attack.tdcf_note)}};
  }
  json["per_attack"] = std::move(per_attack);
  return json;
}

std::string FormatMetricsReport(const MetricsReport& report) {
  std::string out;
  if (report.asv) {
    const AsvOperatingPoint& asv = *report.asv;
    out += "ASV SYSTEM\n";
    out += Format(
        "   EER            = %9.5f %% (Equal error rate (target vs. nontarget discrimination)\n",
        asv.eer * 100);
    out += Format("   threshold      = %9.5f   (ASV decision threshold = its EER threshold)\n",
                  asv.threshold);
    out += Format("   Pfa            = %9.5f %% (False acceptance rate of nontargets)\n",
                  asv.pfa * 100);
    out +=
        Format("   Pmiss          = %9.5f %% (False rejection rate of targets)\n", asv.pmiss * 100);
    out += Format("   1-Pmiss,spoof  = %9.5f %% (Spoof false acceptance rate)\n\n",
                  (1 - asv.pmiss_spoof) * 100);
  }
  out += "CM SYSTEM\n";
  out += Format("   EER            = %12.8f %% (Equal error rate for countermeasure)\n",
                report.eer.eer * 100);
  out += Format("   EER threshold  = %12.8f   (higher score = more bona fide)\n",
                report.eer.threshold);
  out +=
      Format("   trials         = %zu bona fide, %zu spoof\n", report.n_bonafide, report.n_spoof);
  if (report.accuracy) {
    out += Format("   accuracy       = %12.8f %% (score > %g = bona fide)\n",
                  *report.accuracy * 100, *report.accuracy_threshold);
  }
  out += "\nTANDEM\n";
  if (report.min_tdcf_legacy) {
    out += Format("   min-tDCF (legacy, ASVspoof 2019)  = %.9f\n", *report.min_tdcf_legacy);
    out += Format("   min-tDCF (revised, ASVspoof 2021) = %.9f\n", *report.min_tdcf_revised);
  } else {
    out += "   min-tDCF: not computed: " + report.tdcf_note + "\n";
  }
  out += "\nBREAKDOWN CM SYSTEM\n";
  out += Format("   %-8s %8s %12s %18s %18s\n", "attack", "n_spoof", "EER %", "min-tDCF legacy",
                "min-tDCF revised");
  for (const AttackMetrics& attack : report.per_attack) {
    out += Format("   %-8s %8zu %12.6f %18s %18s\n", attack.attack.c_str(), attack.n_spoof,
                  attack.eer * 100, TdcfText(attack.min_tdcf_legacy).c_str(),
                  TdcfText(attack.min_tdcf_revised).c_str());
  }
  out +=
      Format("   %-8s %8zu %12.6f %18s %18s\n", "pooled", report.n_spoof, report.eer.eer * 100,
             TdcfText(report.min_tdcf_legacy).c_str(), TdcfText(report.min_tdcf_revised).c_str());
  return out;
}

}  // namespace antispoof::metrics
