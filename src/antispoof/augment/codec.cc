#include "antispoof/augment/codec.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/frame.h>
#include <libavutil/log.h>
#include <libavutil/mem.h>
}

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "antispoof/audio/audio.h"
#include "antispoof/augment/augment_config.h"
#include "antispoof/common/error.h"
#include "antispoof/common/strings.h"

namespace antispoof::augment {
namespace {

struct CodecSpec {
  const char* name;
  const char* encoder;  // libavcodec encoder name
  int rate;             // Hz the codec runs at
  int64_t bit_rate;     // 0: the codec's own
};

const CodecSpec kCodecs[] = {
    {"g711u", "pcm_mulaw", 8000, 0},         {"g711a", "pcm_alaw", 8000, 0},
    {"g722", "g722", 16000, 64000},          {"gsm", "libgsm", 8000, 0},
    {"opus_8k", "libopus", 16000, 8000},     {"opus_16k", "libopus", 16000, 16000},
    {"opus_32k", "libopus", 16000, 32000},   {"mp3_16k", "libmp3lame", 16000, 16000},
    {"mp3_32k", "libmp3lame", 16000, 32000}, {"mp3_64k", "libmp3lame", 16000, 64000},
};

const CodecSpec& Spec(const std::string& name) {
  for (const CodecSpec& s : kCodecs)
    if (name == s.name) return s;
  std::string known;
  for (const std::string& n : CodecNames()) known += (known.empty() ? "" : ", ") + n;
  Fail("unknown codec '" + name + "' (known: " + known + ")");
}

void QuietLibav() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_level(AV_LOG_QUIET); });
}

std::string AvError(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(code, buf, sizeof(buf));
  return buf;
}

struct ContextFree {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameFree {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
using ContextPtr = std::unique_ptr<AVCodecContext, ContextFree>;
using FramePtr = std::unique_ptr<AVFrame, FrameFree>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFree>;

int16_t ToS16(float v) { return static_cast<int16_t>(std::clamp<long>(std::lrint(v * 32768.0), -32768, 32767)); }

// Writes n mono samples into a frame of the encoder's sample format (planar = packed for mono).
void FillFrame(AVFrame* f, const float* src, int n, const std::string& where) {
  switch (f->format) {
    case AV_SAMPLE_FMT_S16:
    case AV_SAMPLE_FMT_S16P: {
      auto* d = reinterpret_cast<int16_t*>(f->data[0]);
      for (int i = 0; i < n; ++i) d[i] = ToS16(src[i]);
      break;
    }
    case AV_SAMPLE_FMT_S32:
    case AV_SAMPLE_FMT_S32P: {
      auto* d = reinterpret_cast<int32_t*>(f->data[0]);
      for (int i = 0; i < n; ++i)
        d[i] = static_cast<int32_t>(std::clamp<double>(std::nearbyint(src[i] * 2147483648.0), -2147483648.0, 2147483647.0));
      break;
    }
    case AV_SAMPLE_FMT_FLT:
    case AV_SAMPLE_FMT_FLTP: std::memcpy(f->data[0], src, sizeof(float) * n); break;
    case AV_SAMPLE_FMT_DBL:
    case AV_SAMPLE_FMT_DBLP: {
      auto* d = reinterpret_cast<double*>(f->data[0]);
      for (int i = 0; i < n; ++i) d[i] = src[i];
      break;
    }
    default: Fail(where + ": the encoder wants an unsupported sample format");
  }
}

// Appends a decoded mono frame's samples as float.
void ReadFrame(const AVFrame* f, std::vector<float>& out, const std::string& where) {
  const int n = f->nb_samples;
  switch (f->format) {
    case AV_SAMPLE_FMT_S16:
    case AV_SAMPLE_FMT_S16P: {
      const auto* s = reinterpret_cast<const int16_t*>(f->data[0]);
      for (int i = 0; i < n; ++i) out.push_back(s[i] / 32768.0f);
      break;
    }
    case AV_SAMPLE_FMT_S32:
    case AV_SAMPLE_FMT_S32P: {
      const auto* s = reinterpret_cast<const int32_t*>(f->data[0]);
      for (int i = 0; i < n; ++i) out.push_back(static_cast<float>(s[i] / 2147483648.0));
      break;
    }
    case AV_SAMPLE_FMT_FLT:
    case AV_SAMPLE_FMT_FLTP: {
      const auto* s = reinterpret_cast<const float*>(f->data[0]);
      out.insert(out.end(), s, s + n);
      break;
    }
    case AV_SAMPLE_FMT_DBL:
    case AV_SAMPLE_FMT_DBLP: {
      const auto* s = reinterpret_cast<const double*>(f->data[0]);
      for (int i = 0; i < n; ++i) out.push_back(static_cast<float>(s[i]));
      break;
    }
    default: Fail(where + ": the decoder gave an unsupported sample format");
  }
}

// The encoder's preferred format among those FillFrame writes (its first listed).
AVSampleFormat PickFormat(const AVCodec* codec) {
  if (!codec->sample_fmts) return AV_SAMPLE_FMT_S16;
  return codec->sample_fmts[0];
}

// An encoder and a decoder of one codec, with the samples decoded so far (at decoder->sample_rate).
class RoundTrip {
 public:
  RoundTrip(const CodecSpec& spec, const std::string& where) : where_(where) {
    QuietLibav();
    const AVCodec* enc = avcodec_find_encoder_by_name(spec.encoder);
    if (!enc) Fail(where_ + ": this libavcodec has no " + spec.encoder + " encoder");
    const AVCodec* dec = avcodec_find_decoder(enc->id);
    if (!dec) Fail(where_ + ": this libavcodec has no decoder for " + spec.encoder);
    enc_.reset(avcodec_alloc_context3(enc));
    dec_.reset(avcodec_alloc_context3(dec));
    if (!enc_ || !dec_) Fail(where_ + ": out of memory");
    enc_->sample_rate = spec.rate;
    enc_->sample_fmt = PickFormat(enc);
    enc_->time_base = AVRational{1, spec.rate};
    av_channel_layout_default(&enc_->ch_layout, 1);
    if (spec.bit_rate > 0) enc_->bit_rate = spec.bit_rate;
    Check(avcodec_open2(enc_.get(), enc, nullptr), "opening the encoder");
    dec_->sample_rate = spec.rate;
    av_channel_layout_default(&dec_->ch_layout, 1);
    if (enc_->extradata_size > 0) {
      dec_->extradata = static_cast<uint8_t*>(av_mallocz(enc_->extradata_size + AV_INPUT_BUFFER_PADDING_SIZE));
      if (!dec_->extradata) Fail(where_ + ": out of memory");
      std::memcpy(dec_->extradata, enc_->extradata, enc_->extradata_size);
      dec_->extradata_size = enc_->extradata_size;
    }
    Check(avcodec_open2(dec_.get(), dec, nullptr), "opening the decoder");
    frame_.reset(av_frame_alloc());
    decoded_.reset(av_frame_alloc());
    packet_.reset(av_packet_alloc());
    if (!frame_ || !decoded_ || !packet_) Fail(where_ + ": out of memory");
  }

  // Encodes x (at the codec's rate) and decodes it; returns the decoded samples at the decoder's rate.
  std::vector<float> Run(std::vector<float> x) {
    const bool fixed = enc_->frame_size > 0 && !(enc_->codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE);
    const int frame_size = enc_->frame_size > 0 ? enc_->frame_size : 1024;
    // Zeros after the signal push the codec's delay out; whole frames for fixed-size encoders.
    x.resize(x.size() + static_cast<size_t>(enc_->sample_rate / 4 + frame_size), 0.0f);
    if (fixed) x.resize((x.size() + frame_size - 1) / frame_size * frame_size, 0.0f);
    int64_t pts = 0;
    for (size_t at = 0; at < x.size(); at += frame_size) {
      const int n = static_cast<int>(std::min<size_t>(frame_size, x.size() - at));
      av_frame_unref(frame_.get());
      frame_->nb_samples = n;
      frame_->format = enc_->sample_fmt;
      frame_->sample_rate = enc_->sample_rate;
      Check(av_channel_layout_copy(&frame_->ch_layout, &enc_->ch_layout), "setting the frame's layout");
      Check(av_frame_get_buffer(frame_.get(), 0), "allocating a frame");
      FillFrame(frame_.get(), x.data() + at, n, where_);
      frame_->pts = pts;
      pts += n;
      Check(avcodec_send_frame(enc_.get(), frame_.get()), "encoding");
      DrainEncoder();
    }
    Check(avcodec_send_frame(enc_.get(), nullptr), "flushing the encoder");
    DrainEncoder();
    Check(avcodec_send_packet(dec_.get(), nullptr), "flushing the decoder");
    DrainDecoder();
    return std::move(out_);
  }
  int decoder_rate() const { return dec_->sample_rate; }

 private:
  void Check(int code, const char* what) const {
    if (code < 0) Fail(where_ + ": " + what + ": " + AvError(code));
  }
  void DrainEncoder() {
    while (true) {
      const int r = avcodec_receive_packet(enc_.get(), packet_.get());
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
      Check(r, "encoding");
      const int s = avcodec_send_packet(dec_.get(), packet_.get());
      av_packet_unref(packet_.get());
      Check(s, "decoding");
      DrainDecoder();
    }
  }
  void DrainDecoder() {
    while (true) {
      const int r = avcodec_receive_frame(dec_.get(), decoded_.get());
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
      Check(r, "decoding");
      ReadFrame(decoded_.get(), out_, where_);
      av_frame_unref(decoded_.get());
    }
  }

  std::string where_;
  ContextPtr enc_, dec_;
  FramePtr frame_, decoded_;
  PacketPtr packet_;
  std::vector<float> out_;
};

// A voiced, speech-like probe: a pulse train whose pitch glides 100-180 Hz (so no period repeats
// the cross-correlation peak) through three formant resonators, with a syllabic envelope; peak 0.5.
std::vector<float> VoicedProbe(double fs) {
  const int64_t n = static_cast<int64_t>(fs);
  std::vector<double> src(static_cast<size_t>(n), 0.0);
  double phase = 0;
  for (int64_t t = 0; t < n; ++t) {
    const double time = t / fs;
    phase += (140 + 40 * std::sin(2 * M_PI * 1.7 * time)) / fs;
    if (phase >= 1) {
      phase -= 1;
      src[t] = 1.0;
    }
  }
  std::vector<double> y = src;
  for (const double formant : {700.0, 1200.0, 2500.0}) {
    const double r = std::exp(-M_PI * 120 / fs), w = 2 * M_PI * formant / fs;
    const double a1 = 2 * r * std::cos(w), a2 = -r * r;
    double y1 = 0, y2 = 0;
    for (double& v : y) {
      const double out = v + a1 * y1 + a2 * y2;
      y2 = y1;
      y1 = out;
      v = out;
    }
  }
  double peak = 0;
  for (int64_t t = 0; t < n; ++t) {
    y[t] *= 0.6 + 0.4 * std::sin(2 * M_PI * 3.1 * t / fs);
    peak = std::max(peak, std::abs(y[t]));
  }
  std::vector<float> out(y.size());
  for (size_t i = 0; i < y.size(); ++i) out[i] = static_cast<float>(0.5 * y[i] / peak);
  return out;
}

}  // namespace

bool CodecAvailable(const std::string& name, std::string* why) {
  const CodecSpec& spec = Spec(name);
  QuietLibav();
  const AVCodec* enc = avcodec_find_encoder_by_name(spec.encoder);
  std::string missing;
  if (!enc) missing = std::string("this libavcodec has no ") + spec.encoder + " encoder";
  else if (!avcodec_find_decoder(enc->id)) missing = std::string("this libavcodec has no decoder for ") + spec.encoder;
  if (why) *why = missing;
  return missing.empty();
}

std::vector<float> CodecRoundTripRaw(const std::vector<float>& x, const std::string& name, double fs) {
  const CodecSpec& spec = Spec(name);
  if (x.empty()) return {};
  RoundTrip trip(spec, "codec " + name);
  std::vector<float> in = fs == spec.rate ? x : audio::Resample(x, fs, spec.rate);
  std::vector<float> out = trip.Run(std::move(in));
  return trip.decoder_rate() == fs ? out : audio::Resample(out, trip.decoder_rate(), fs);
}

int64_t CodecDelay(const std::string& name, double fs) {
  static std::mutex mu;
  static std::map<std::pair<std::string, double>, int64_t> cache;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find({name, fs});
    if (it != cache.end()) return it->second;
  }
  const std::vector<float> probe = VoicedProbe(fs);
  const std::vector<float> raw = CodecRoundTripRaw(probe, name, fs);
  const int64_t max_lag = static_cast<int64_t>(0.2 * fs);
  int64_t best_lag = 0;
  double best = -1e300;
  for (int64_t lag = 0; lag <= max_lag; ++lag) {
    const int64_t n = std::min<int64_t>(static_cast<int64_t>(probe.size()), static_cast<int64_t>(raw.size()) - lag);
    double sum = 0;
    for (int64_t t = 0; t < n; ++t) sum += static_cast<double>(probe[t]) * raw[t + lag];
    if (sum > best) {
      best = sum;
      best_lag = lag;
    }
  }
  std::lock_guard<std::mutex> lock(mu);
  cache[{name, fs}] = best_lag;
  return best_lag;
}

std::vector<float> CodecRoundTrip(const std::vector<float>& x, const std::string& name, double fs) {
  if (x.empty()) {
    Spec(name);  // still an error for an unknown name
    return {};
  }
  const int64_t delay = CodecDelay(name, fs);
  const std::vector<float> raw = CodecRoundTripRaw(x, name, fs);
  std::vector<float> out(x.size(), 0.0f);
  for (size_t t = 0; t < out.size() && t + delay < raw.size(); ++t) out[t] = raw[t + delay];
  return out;
}

float MuLawRoundTrip(float x) {
  const int s = ToS16(x);
  const int magnitude = std::min(std::abs(s), 32635);
  const int biased = magnitude + 132;  // in [132, 32767]
  int segment = 0;
  while (segment < 7 && biased >= (256 << segment)) ++segment;  // biased in [128 << seg, 256 << seg)
  const int step = 8 << segment;
  const int mantissa = (biased - (128 << segment)) / step;
  const int decoded = (128 << segment) + mantissa * step + step / 2 - 132;
  return (s < 0 ? -decoded : decoded) / 32768.0f;
}

float ALawRoundTrip(float x) {
  const int s = ToS16(x);
  const int magnitude = std::min(std::abs(s), 32767);
  int segment = 0;
  while (segment < 7 && magnitude >= (256 << segment)) ++segment;  // segment s >= 1: [256 << (s-1), 512 << (s-1))
  const int step = segment == 0 ? 16 : 16 << (segment - 1);
  const int lower = segment == 0 ? 0 : 256 << (segment - 1);
  const int mantissa = std::min((magnitude - lower) / step, 15);
  const int decoded = lower + mantissa * step + step / 2;
  return (s < 0 ? -decoded : decoded) / 32768.0f;
}

}  // namespace antispoof::augment
