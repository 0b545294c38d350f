#include "antispoof/pth/zip.h"

#include <array>
#include <cstring>

#include "antispoof/common/error.h"

namespace antispoof::pth {
namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr size_t kEndSize = 22;
constexpr size_t kZip64EndSize = 56;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kLocalHeaderSize = 30;

// Little-endian reads at a checked position.
class Cursor {
 public:
  Cursor(std::string_view bytes, uint64_t pos, const char* what) : bytes_(bytes), pos_(pos), what_(what) {}
  void Need(uint64_t n) const {
    if (pos_ > bytes_.size() || n > bytes_.size() - pos_)
      Fail(std::string("zip: ") + what_ + " at byte " + std::to_string(pos_) +
           " runs past the end of the file (truncated?)");
  }
  uint64_t Uint(int n) {
    Need(n);
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes_[pos_ + i]);
    pos_ += n;
    return v;
  }
  std::string_view Bytes(uint64_t n) {
    Need(n);
    std::string_view s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  uint64_t pos() const { return pos_; }

 private:
  std::string_view bytes_;
  uint64_t pos_;
  const char* what_;
};

const std::array<uint32_t, 256>& CrcTable() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

}  // namespace

uint32_t Crc32(std::string_view bytes) {
  const auto& table = CrcTable();
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

ZipArchive::ZipArchive(std::string_view bytes) {
  // End of central directory: the last signature whose comment ends exactly at the end of the file.
  if (bytes.size() < kEndSize) Fail("zip: file too short for a zip archive (truncated?)");
  std::optional<uint64_t> end_pos;
  uint64_t lowest = bytes.size() > kEndSize + 0xFFFF ? bytes.size() - kEndSize - 0xFFFF : 0;
  for (uint64_t p = bytes.size() - kEndSize + 1; p-- > lowest;) {
    Cursor c(bytes, p, "end of central directory");
    if (c.Uint(4) != kEndSig) continue;
    Cursor comment(bytes, p + 20, "end of central directory");
    if (p + kEndSize + comment.Uint(2) == bytes.size()) {
      end_pos = p;
      break;
    }
  }
  if (!end_pos) Fail("zip: no end of central directory record (truncated or not a zip file)");

  Cursor end(bytes, *end_pos + 4, "end of central directory");
  uint64_t disk = end.Uint(2), cd_disk = end.Uint(2), disk_entries = end.Uint(2);
  uint64_t count = end.Uint(2), cd_size = end.Uint(4), cd_offset = end.Uint(4);
  if (count == 0xFFFF || cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF) {
    if (*end_pos < kZip64LocatorSize) Fail("zip: zip64 locator missing");
    Cursor loc(bytes, *end_pos - kZip64LocatorSize, "zip64 locator");
    if (loc.Uint(4) != kZip64LocatorSig) Fail("zip: zip64 locator missing");
    loc.Uint(4);
    uint64_t z64_pos = loc.Uint(8);
    Cursor z(bytes, z64_pos, "zip64 end of central directory");
    if (z.Uint(4) != kZip64EndSig) Fail("zip: bad zip64 end of central directory signature");
    z.Need(kZip64EndSize - 4);
    z.Uint(8);
    z.Uint(2);
    z.Uint(2);
    disk = z.Uint(4);
    cd_disk = z.Uint(4);
    disk_entries = z.Uint(8);
    count = z.Uint(8);
    cd_size = z.Uint(8);
    cd_offset = z.Uint(8);
  }
  if (disk != 0 || cd_disk != 0 || disk_entries != count) Fail("zip: multi-disk archives are not supported");
  if (cd_offset > bytes.size() || cd_size > bytes.size() - cd_offset)
    Fail("zip: central directory lies outside the file (truncated?)");
  if (count > cd_size / kCentralHeaderSize) Fail("zip: entry count does not fit the central directory");

  Cursor cd(bytes.substr(0, cd_offset + cd_size), cd_offset, "central directory");
  for (uint64_t i = 0; i < count; ++i) {
    if (cd.Uint(4) != kCentralHeaderSig) Fail("zip: bad central directory entry " + std::to_string(i));
    cd.Uint(2);
    cd.Uint(2);
    uint64_t flags = cd.Uint(2), method = cd.Uint(2);
    cd.Uint(4);
    uint64_t crc = cd.Uint(4), csize = cd.Uint(4), usize = cd.Uint(4);
    uint64_t name_len = cd.Uint(2), extra_len = cd.Uint(2), comment_len = cd.Uint(2);
    cd.Uint(2);
    cd.Uint(2);
    cd.Uint(4);
    uint64_t local = cd.Uint(4);
    std::string name(cd.Bytes(name_len));
    std::string_view extra = cd.Bytes(extra_len);
    cd.Bytes(comment_len);
    // Zip64 extended information: the 64-bit values of the fields that are all ones, in this order.
    Cursor ex(extra, 0, "zip64 extra field");
    while (ex.pos() + 4 <= extra.size()) {
      uint64_t id = ex.Uint(2), len = ex.Uint(2);
      Cursor field(ex.Bytes(len), 0, "zip64 extra field");
      if (id != 0x0001) continue;
      if (usize == 0xFFFFFFFF) usize = field.Uint(8);
      if (csize == 0xFFFFFFFF) csize = field.Uint(8);
      if (local == 0xFFFFFFFF) local = field.Uint(8);
    }
    const std::string what = "zip entry '" + name + "'";
    if (flags & 1) Fail(what + " is encrypted");
    if (method != 0) Fail(what + " is compressed (method " + std::to_string(method) + "); torch.save stores entries uncompressed");
    if (csize != usize) Fail(what + ": stored sizes disagree");

    Cursor lh(bytes, local, "local header");
    if (local >= cd_offset || lh.Uint(4) != kLocalHeaderSig) Fail(what + ": bad local header");
    lh.Need(kLocalHeaderSize - 4);
    lh.Uint(2);
    lh.Uint(2);
    lh.Uint(2);
    lh.Uint(4);
    lh.Uint(4);
    lh.Uint(4);
    lh.Uint(4);
    uint64_t lname_len = lh.Uint(2), lextra_len = lh.Uint(2);
    if (lh.Bytes(lname_len) != name) Fail(what + ": local header names a different entry");
    lh.Bytes(lextra_len);
    uint64_t data_pos = lh.pos();
    if (data_pos > cd_offset || usize > cd_offset - data_pos)
      Fail(what + ": data runs past the central directory (truncated or corrupt)");
    std::string_view data = bytes.substr(data_pos, usize);
    if (Crc32(data) != crc) Fail(what + ": CRC-32 mismatch (corrupt file)");
    if (!entries_.emplace(name, data).second) Fail("zip: duplicate entry '" + name + "'");
  }
}

std::optional<std::string_view> ZipArchive::Find(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

}  // namespace antispoof::pth
