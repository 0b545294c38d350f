#include <c10/util/Exception.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <unordered_set>

#include "antispoof/common/error.h"
#include "antispoof/common/files.h"
#include "antispoof/pth/pickle.h"
#include "antispoof/pth/pth.h"
#include "antispoof/pth/zip.h"

namespace antispoof::pth {
namespace {

using Kind = Value::Kind;

// 0x1950a86a20f9469cfc6c as the LONG1 bytes of the legacy format's first pickle.
const std::string kLegacyMagic("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 10);
constexpr int64_t kLegacyProtocolVersion = 1001;

const std::string& Text(const Value& v, const std::string& what) {
  if (v.kind != Kind::kString && v.kind != Kind::kBytes) Fail(what + " is " + KindName(v) + ", expected a string");
  return v.text;
}

int64_t Int(const Value& v, const std::string& what) {
  if (v.kind != Kind::kInt) Fail(what + " is " + KindName(v) + ", expected an int");
  return v.integer;
}

int64_t ByteCount(int64_t numel, torch::ScalarType dtype, const std::string& key) {
  int64_t nbytes = 0;
  if (numel < 0 || __builtin_mul_overflow(numel, static_cast<int64_t>(c10::elementSize(dtype)), &nbytes))
    Fail("storage '" + key + "' declares an invalid element count " + std::to_string(numel));
  return nbytes;
}

void CheckBools(const torch::Tensor& storage, const std::string& key) {
  if (storage.scalar_type() != torch::kBool) return;
  const auto* p = static_cast<const unsigned char*>(storage.data_ptr());
  for (int64_t i = 0; i < storage.numel(); ++i)
    if (p[i] > 1) Fail("bool storage '" + key + "' holds a byte other than 0 or 1");
}

torch::Tensor StorageFromBytes(std::string_view data, torch::ScalarType dtype, int64_t numel, const std::string& key) {
  torch::Tensor t = torch::empty({numel}, torch::TensorOptions().dtype(dtype));
  if (!data.empty()) std::memcpy(t.data_ptr(), data.data(), data.size());
  CheckBools(t, key);
  return t;
}

ValuePtr StorageValue(const torch::Tensor& base, int64_t offset, int64_t numel) {
  auto v = std::make_shared<Value>();
  v->kind = Kind::kStorage;
  v->storage = Storage{base, offset, numel};
  return v;
}

StateDict ToStateDict(const ValuePtr& top, const std::string& what) {
  if (top->kind != Kind::kDict) Fail(what + ": the saved object is " + KindName(*top) + ", expected a state_dict (a dict of tensors)");
  StateDict out;
  std::unordered_set<std::string> seen;
  for (const auto& [key, value] : top->entries) {
    if (key->kind != Kind::kString) Fail(what + ": a key is " + KindName(*key) + ", expected a string");
    if (value->kind != Kind::kTensor)
      Fail(what + ": entry '" + key->text + "' is " + KindName(*value) + ", not a tensor (only state_dict files are read)");
    if (!seen.insert(key->text).second) Fail(what + ": duplicate entry '" + key->text + "'");
    out.emplace_back(key->text, value->tensor);
  }
  return out;
}

Checkpoint ReadZip(std::string_view bytes) {
  ZipArchive zip(bytes);
  std::string prefix;
  for (const auto& [name, data] : zip.entries()) {
    size_t slash = name.find('/');
    if (slash == std::string::npos || name.compare(slash, std::string::npos, "/data.pkl") != 0) continue;
    if (!prefix.empty()) Fail("zip archive holds more than one data.pkl record");
    prefix = name.substr(0, slash + 1);
  }
  if (prefix.empty()) Fail("zip archive has no <name>/data.pkl record (not a file written by torch.save)");
  if (auto order = zip.Find(prefix + "byteorder"); order && *order != "little")
    Fail("checkpoint was written on a big-endian machine; only little-endian files are read");

  struct Loaded {
    ValuePtr value;
    torch::ScalarType dtype;
  };
  std::map<std::string, Loaded> storages;
  PersistentLoad load = [&](const Value& pid) -> ValuePtr {
    if (pid.kind != Kind::kTuple || pid.items.size() != 5)
      Fail("persistent id is " + KindName(pid) + ", expected ('storage', type, key, location, numel)");
    if (Text(*pid.items[0], "persistent id type") != "storage")
      Fail("persistent id of type '" + pid.items[0]->text + "', expected 'storage'");
    torch::ScalarType dtype = StorageDtype(*pid.items[1]);
    const std::string& key = Text(*pid.items[2], "storage key");
    Text(*pid.items[3], "storage location");
    int64_t numel = Int(*pid.items[4], "storage size");
    int64_t nbytes = ByteCount(numel, dtype, key);
    if (auto it = storages.find(key); it != storages.end()) {
      if (it->second.dtype != dtype || it->second.value->storage.numel != numel)
        Fail("storage '" + key + "' is used with two different types or sizes");
      return it->second.value;
    }
    std::string record = prefix + "data/" + key;
    auto data = zip.Find(record);
    if (!data) Fail("storage record '" + record + "' is missing");
    if (static_cast<int64_t>(data->size()) != nbytes)
      Fail("storage record '" + record + "' holds " + std::to_string(data->size()) + " bytes, its tensors declare " +
           std::to_string(nbytes));
    ValuePtr v = StorageValue(StorageFromBytes(*data, dtype, numel, key), 0, numel);
    storages.emplace(key, Loaded{v, dtype});
    return v;
  };

  auto read_dict = [&](const std::string& name) {
    std::string_view pickle = *zip.Find(name);
    size_t pos = 0;
    return ToStateDict(Unpickle(pickle, &pos, name, load), name);
  };
  Checkpoint checkpoint;
  checkpoint.tensors = read_dict(prefix + "data.pkl");
  if (zip.Find(prefix + "antispoof_extra.pkl")) checkpoint.extra_tensors = read_dict(prefix + "antispoof_extra.pkl");
  if (auto json = zip.Find(prefix + "antispoof.json")) checkpoint.metadata_json = std::string(*json);
  return checkpoint;
}

Checkpoint ReadLegacy(std::string_view bytes) {
  size_t pos = 0;
  PersistentLoad none = [](const Value&) -> ValuePtr { Fail("unexpected persistent id"); };
  ValuePtr magic = Unpickle(bytes, &pos, "magic number pickle", none);
  if (magic->kind != Kind::kBigInt || magic->text != kLegacyMagic)
    Fail("not a PyTorch checkpoint: a pickle without the torch.save magic number");
  ValuePtr protocol = Unpickle(bytes, &pos, "protocol version pickle", none);
  if (protocol->kind != Kind::kInt || protocol->integer != kLegacyProtocolVersion)
    Fail("unsupported legacy protocol version (expected 1001)");
  ValuePtr sys_info = Unpickle(bytes, &pos, "sys_info pickle", none);
  if (sys_info->kind != Kind::kDict) Fail("sys_info pickle is " + KindName(*sys_info) + ", expected a dict");
  for (const auto& [key, value] : sys_info->entries)
    if (key->kind == Kind::kString && key->text == "little_endian" && value->kind == Kind::kBool && !value->boolean)
      Fail("checkpoint was written on a big-endian machine; only little-endian files are read");

  struct Root {
    ValuePtr value;
    torch::ScalarType dtype;
    bool filled = false;
  };
  std::map<std::string, Root> roots;
  std::map<std::string, ValuePtr> views;
  int64_t declared_bytes = 0;
  const int64_t file_bytes = static_cast<int64_t>(bytes.size());
  PersistentLoad load = [&](const Value& pid) -> ValuePtr {
    if (pid.kind != Kind::kTuple || pid.items.empty()) Fail("persistent id is " + KindName(pid) + ", expected a tuple");
    const std::string& type = Text(*pid.items[0], "persistent id type");
    if (type == "module") Fail("file holds a whole pickled model (module source), not a state_dict");
    if (type != "storage" || pid.items.size() != 6)
      Fail("persistent id is not ('storage', type, key, location, numel, view_metadata)");
    torch::ScalarType dtype = StorageDtype(*pid.items[1]);
    const std::string& key = Text(*pid.items[2], "storage key");
    Text(*pid.items[3], "storage location");
    int64_t numel = Int(*pid.items[4], "storage size");
    int64_t nbytes = ByteCount(numel, dtype, key);
    auto it = roots.find(key);
    if (it == roots.end()) {
      if (nbytes > file_bytes - declared_bytes)
        Fail("storage '" + key + "' declares " + std::to_string(nbytes) + " bytes, more than the file holds");
      declared_bytes += nbytes;
      torch::Tensor base = torch::empty({numel}, torch::TensorOptions().dtype(dtype));
      it = roots.emplace(key, Root{StorageValue(base, 0, numel), dtype}).first;
    } else if (it->second.dtype != dtype || it->second.value->storage.numel != numel) {
      Fail("storage '" + key + "' is used with two different types or sizes");
    }
    const Value& view = *pid.items[5];
    if (view.kind == Kind::kNone) return it->second.value;
    if (view.kind != Kind::kTuple || view.items.size() != 3) Fail("storage view metadata is not (key, offset, size)");
    const std::string& view_key = Text(*view.items[0], "storage view key");
    int64_t offset = Int(*view.items[1], "storage view offset");
    int64_t size = Int(*view.items[2], "storage view size");
    if (offset < 0 || size < 0 || offset > numel || size > numel - offset)
      Fail("storage view '" + view_key + "' (offset " + std::to_string(offset) + ", " + std::to_string(size) +
           " elements) lies outside storage '" + key + "' of " + std::to_string(numel) + " elements");
    auto [view_it, inserted] = views.emplace(view_key, nullptr);
    if (inserted) {
      view_it->second = StorageValue(it->second.value->storage.base, offset, size);
    } else if (view_it->second->storage.base.data_ptr() != it->second.value->storage.base.data_ptr() ||
               view_it->second->storage.offset != offset || view_it->second->storage.numel != size) {
      Fail("storage view '" + view_key + "' is declared twice differently");
    }
    return view_it->second;
  };
  ValuePtr top = Unpickle(bytes, &pos, "state_dict pickle", load);
  ValuePtr keys = Unpickle(bytes, &pos, "storage key list pickle", none);
  if (keys->kind != Kind::kList) Fail("storage key list pickle is " + KindName(*keys) + ", expected a list");
  for (const auto& key_value : keys->items) {
    const std::string& key = Text(*key_value, "storage key");
    auto it = roots.find(key);
    if (it == roots.end()) Fail("storage key list names unknown storage '" + key + "'");
    if (it->second.filled) Fail("storage key list names storage '" + key + "' twice");
    const torch::Tensor& base = it->second.value->storage.base;
    if (pos > bytes.size() || bytes.size() - pos < 8) Fail("data of storage '" + key + "' is missing (truncated file)");
    int64_t count = 0;
    std::memcpy(&count, bytes.data() + pos, 8);
    pos += 8;
    if (count != base.numel())
      Fail("data of storage '" + key + "' holds " + std::to_string(count) + " elements, its tensors declare " +
           std::to_string(base.numel()));
    size_t nbytes = base.numel() * base.element_size();
    if (bytes.size() - pos < nbytes) Fail("data of storage '" + key + "' ends early (truncated file)");
    if (nbytes > 0) std::memcpy(base.data_ptr(), bytes.data() + pos, nbytes);
    pos += nbytes;
    CheckBools(base, key);
    it->second.filled = true;
  }
  for (const auto& [key, root] : roots)
    if (!root.filled) Fail("storage '" + key + "' has no data (truncated or corrupt file)");

  Checkpoint checkpoint;
  checkpoint.tensors = ToStateDict(top, "state_dict pickle");
  return checkpoint;
}

}  // namespace

Checkpoint ReadCheckpointBytes(std::string_view bytes, const std::string& path) {
  try {
    if (bytes.empty()) Fail("empty file (not a PyTorch checkpoint)");
    if (bytes.compare(0, 4, "PK\x03\x04") == 0) return ReadZip(bytes);
    if (static_cast<unsigned char>(bytes[0]) == 0x80) return ReadLegacy(bytes);
    if (bytes.size() > 262 && bytes.compare(257, 5, "ustar") == 0)
      Fail("tar-format checkpoints (PyTorch before 0.4) are not supported");
    Fail("not a PyTorch checkpoint (neither a zip archive nor a pickle)");
  } catch (const Error& e) {
    FailAt(path, 0, e.what());
  } catch (const c10::Error& e) {
    FailAt(path, 0, std::string("LibTorch: ") + e.what_without_backtrace());
  } catch (const std::bad_alloc&) {
    FailAt(path, 0, "out of memory while reading the checkpoint");
  }
}

Checkpoint ReadCheckpoint(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) FailAt(path, 0, "is a folder, not a checkpoint file");
  return ReadCheckpointBytes(ReadFile(path, kCheckpointLimit), path);
}

StateDict ReadStateDict(const std::string& path) { return ReadCheckpoint(path).tensors; }

}  // namespace antispoof::pth
