#include "antispoof/pth/pickle.h"

#include <cstring>
#include <map>
#include <unordered_map>

#include "antispoof/common/error.h"

namespace antispoof::pth {
namespace {

using Kind = Value::Kind;

constexpr int kMaxDims = 64;
constexpr int64_t kMaxElements = int64_t{1} << 48;
constexpr size_t kMaxLongBytes = 256;
constexpr size_t kMaxGlobalLine = 256;

struct StorageTypeInfo {
  const char* name;
  torch::ScalarType dtype;
};

constexpr StorageTypeInfo kStorageTypes[] = {
    {"FloatStorage", torch::kFloat},         {"DoubleStorage", torch::kDouble},
    {"HalfStorage", torch::kHalf},           {"BFloat16Storage", torch::kBFloat16},
    {"LongStorage", torch::kLong},           {"IntStorage", torch::kInt},
    {"ShortStorage", torch::kShort},         {"CharStorage", torch::kChar},
    {"ByteStorage", torch::kByte},           {"BoolStorage", torch::kBool},
    {"ComplexFloatStorage", torch::kComplexFloat}, {"ComplexDoubleStorage", torch::kComplexDouble},
};

const char* const kCallables[] = {
    "collections.OrderedDict",      "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_parameter", "torch.Size",
};

bool IsStorageGlobal(const std::string& name) {
  for (const auto& t : kStorageTypes)
    if (name == std::string("torch.") + t.name) return true;
  return false;
}

bool IsAllowedGlobal(const std::string& name) {
  for (const char* c : kCallables)
    if (name == c) return true;
  return IsStorageGlobal(name);
}

// Opcodes (pickletools names).
enum : unsigned char {
  kMark = '(', kStop = '.', kPop = '0', kPopMark = '1', kDup = '2', kBinInt = 'J', kBinInt1 = 'K',
  kBinInt2 = 'M', kNone = 'N', kBinPersId = 'Q', kReduce = 'R', kBinString = 'T', kShortBinString = 'U',
  kBinUnicode = 'X', kAppend = 'a', kBuild = 'b', kGlobal = 'c', kDict = 'd', kEmptyDict = '}',
  kAppends = 'e', kBinGet = 'h', kLongBinGet = 'j', kList = 'l', kEmptyList = ']', kBinPut = 'q',
  kLongBinPut = 'r', kSetItem = 's', kTuple = 't', kEmptyTuple = ')', kSetItems = 'u', kBinFloat = 'G',
  kBinBytes = 'B', kShortBinBytes = 'C', kProto = 0x80, kTuple1 = 0x85, kTuple2 = 0x86, kTuple3 = 0x87,
  kNewTrue = 0x88, kNewFalse = 0x89, kLong1 = 0x8a, kLong4 = 0x8b, kShortBinUnicode = 0x8c,
  kBinUnicode8 = 0x8d, kBinBytes8 = 0x8e, kStackGlobal = 0x93, kMemoize = 0x94, kFrame = 0x95,
  kByteArray8 = 0x96,
};

ValuePtr Make(Kind kind) {
  auto v = std::make_shared<Value>();
  v->kind = kind;
  return v;
}

class Unpickler {
 public:
  Unpickler(std::string_view bytes, size_t pos, const std::string& what, const PersistentLoad& persistent_load)
      : bytes_(bytes), pos_(pos), what_(what), persistent_load_(persistent_load) {}

  ValuePtr Run() {
    while (true) {
      op_pos_ = pos_;
      unsigned char op = static_cast<unsigned char>(ReadBytes(1)[0]);
      if (op == kStop) break;
      Step(op);
    }
    if (stack_.size() != 1 || !marks_.empty()) Bad("malformed pickle: STOP with " + std::to_string(stack_.size()) + " values on the stack");
    return stack_.back();
  }

  size_t pos() const { return pos_; }

 private:
  [[noreturn]] void Bad(const std::string& message) const {
    Fail(what_ + " at byte " + std::to_string(op_pos_) + ": " + message);
  }

  std::string_view ReadBytes(uint64_t n) {
    if (pos_ > bytes_.size() || n > bytes_.size() - pos_) Bad("pickle ends early (truncated file?)");
    std::string_view s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }

  uint64_t ReadUint(int n) {
    std::string_view b = ReadBytes(n);
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[i]);
    return v;
  }

  std::string ReadLine() {
    size_t limit = std::min(bytes_.size(), pos_ + kMaxGlobalLine);
    for (size_t i = pos_; i < limit; ++i) {
      if (bytes_[i] == '\n') {
        std::string line(bytes_.substr(pos_, i - pos_));
        pos_ = i + 1;
        return line;
      }
    }
    Bad("GLOBAL name without end of line (truncated or corrupt pickle)");
  }

  size_t Fence() const { return marks_.empty() ? 0 : marks_.back(); }

  void Push(ValuePtr v) { stack_.push_back(std::move(v)); }

  ValuePtr Pop() {
    if (stack_.size() <= Fence()) Bad("pickle stack underflow");
    ValuePtr v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }

  const ValuePtr& Top() const {
    if (stack_.size() <= Fence()) Bad("pickle stack underflow");
    return stack_.back();
  }

  std::vector<ValuePtr> PopMark() {
    if (marks_.empty()) Bad("pickle has no MARK to pop to");
    size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<ValuePtr> items(std::make_move_iterator(stack_.begin() + mark), std::make_move_iterator(stack_.end()));
    stack_.resize(mark);
    return items;
  }

  // Places `child` inside `parent`: the child becomes immutable, and the parent's depth grows.
  void Adopt(Value& parent, const ValuePtr& child) {
    if (child.get() == &parent) Bad("recursive structure (an object contains itself)");
    child->frozen = true;
    if (child->depth + 1 > parent.depth) parent.depth = child->depth + 1;
    if (parent.depth > kMaxDepth) Bad("structure nested deeper than " + std::to_string(kMaxDepth) + " levels");
  }

  Value& Mutable(const ValuePtr& target, Kind kind, const char* op) {
    if (target->kind != kind) Bad(std::string(op) + " applied to " + KindName(*target));
    if (target->frozen) Bad(std::string(op) + " modifies an object already in use (recursive structures are not allowed)");
    return *target;
  }

  ValuePtr MakeSequence(Kind kind, std::vector<ValuePtr> items) {
    ValuePtr v = Make(kind);
    for (const auto& item : items) Adopt(*v, item);
    v->items = std::move(items);
    return v;
  }

  void AddEntries(Value& dict, std::vector<ValuePtr>& flat) {
    if (flat.size() % 2 != 0) Bad("odd number of values for dict items");
    for (size_t i = 0; i < flat.size(); i += 2) {
      Adopt(dict, flat[i]);
      Adopt(dict, flat[i + 1]);
      dict.entries.emplace_back(flat[i], flat[i + 1]);
    }
  }

  ValuePtr MakeInt(int64_t i) {
    ValuePtr v = Make(Kind::kInt);
    v->integer = i;
    return v;
  }

  ValuePtr MakeText(Kind kind, std::string_view s) {
    ValuePtr v = Make(kind);
    v->text = std::string(s);
    return v;
  }

  // Two's complement little-endian integer of n bytes.
  ValuePtr MakeLong(std::string_view b) {
    if (b.empty()) return MakeInt(0);
    bool negative = static_cast<unsigned char>(b.back()) & 0x80;
    bool fits = true;
    for (size_t i = 8; i < b.size(); ++i)
      if (static_cast<unsigned char>(b[i]) != (negative ? 0xFF : 0x00)) fits = false;
    if (b.size() > 8 && fits && ((static_cast<unsigned char>(b[7]) & 0x80) != 0) != negative) fits = false;
    if (!fits) return MakeText(Kind::kBigInt, b);
    uint64_t u = negative ? ~uint64_t{0} : 0;
    for (size_t i = std::min<size_t>(b.size(), 8); i-- > 0;) u = (u << 8) | static_cast<unsigned char>(b[i]);
    if (b.size() < 8 && negative) u |= ~uint64_t{0} << (8 * b.size());
    return MakeInt(static_cast<int64_t>(u));
  }

  ValuePtr MakeGlobal(const std::string& module, const std::string& name) {
    std::string full = module + "." + name;
    if (!IsAllowedGlobal(full))
      Bad("global '" + full + "' is not allowed (a state_dict holds only tensors, dicts and plain values; nothing is executed)");
    return MakeText(Kind::kGlobal, full);
  }

  void Step(unsigned char op) {
    switch (op) {
      case kProto: {
        uint64_t proto = ReadUint(1);
        if (proto > 5) Bad("unsupported pickle protocol " + std::to_string(proto));
        break;
      }
      case kFrame: ReadUint(8); break;
      case kMark:
        if (marks_.size() >= static_cast<size_t>(kMaxDepth)) Bad("MARKs nested deeper than " + std::to_string(kMaxDepth));
        marks_.push_back(stack_.size());
        break;
      case kPop: Pop(); break;
      case kPopMark: PopMark(); break;
      case kDup: Push(Top()); break;
      case kNone: Push(Make(Kind::kNone)); break;
      case kNewTrue:
      case kNewFalse: {
        ValuePtr v = Make(Kind::kBool);
        v->boolean = op == kNewTrue;
        Push(v);
        break;
      }
      case kBinInt: Push(MakeInt(static_cast<int32_t>(ReadUint(4)))); break;
      case kBinInt1: Push(MakeInt(ReadUint(1))); break;
      case kBinInt2: Push(MakeInt(ReadUint(2))); break;
      case kLong1: Push(MakeLong(ReadBytes(ReadUint(1)))); break;
      case kLong4: {
        int64_t n = static_cast<int32_t>(ReadUint(4));
        if (n < 0 || static_cast<size_t>(n) > kMaxLongBytes) Bad("LONG4 of " + std::to_string(n) + " bytes");
        Push(MakeLong(ReadBytes(n)));
        break;
      }
      case kBinFloat: {
        uint64_t bits = 0;
        for (char c : ReadBytes(8)) bits = (bits << 8) | static_cast<unsigned char>(c);
        ValuePtr v = Make(Kind::kFloat);
        std::memcpy(&v->real, &bits, sizeof(bits));
        Push(v);
        break;
      }
      case kBinUnicode: Push(MakeText(Kind::kString, ReadBytes(ReadUint(4)))); break;
      case kShortBinUnicode: Push(MakeText(Kind::kString, ReadBytes(ReadUint(1)))); break;
      case kBinUnicode8: Push(MakeText(Kind::kString, ReadBytes(ReadUint(8)))); break;
      case kBinString: {
        int64_t n = static_cast<int32_t>(ReadUint(4));
        if (n < 0) Bad("BINSTRING of negative length");
        Push(MakeText(Kind::kString, ReadBytes(n)));
        break;
      }
      case kShortBinString: Push(MakeText(Kind::kString, ReadBytes(ReadUint(1)))); break;
      case kBinBytes: Push(MakeText(Kind::kBytes, ReadBytes(ReadUint(4)))); break;
      case kShortBinBytes: Push(MakeText(Kind::kBytes, ReadBytes(ReadUint(1)))); break;
      case kBinBytes8:
      case kByteArray8: Push(MakeText(Kind::kBytes, ReadBytes(ReadUint(8)))); break;
      case kEmptyTuple: Push(Make(Kind::kTuple)); break;
      case kTuple: Push(MakeSequence(Kind::kTuple, PopMark())); break;
      case kTuple1:
      case kTuple2:
      case kTuple3: {
        size_t n = op - kTuple1 + 1;
        std::vector<ValuePtr> items(n);
        for (size_t i = n; i-- > 0;) items[i] = Pop();
        Push(MakeSequence(Kind::kTuple, std::move(items)));
        break;
      }
      case kEmptyList: Push(Make(Kind::kList)); break;
      case kList: Push(MakeSequence(Kind::kList, PopMark())); break;
      case kAppend: {
        ValuePtr item = Pop();
        Value& list = Mutable(Top(), Kind::kList, "APPEND");
        Adopt(list, item);
        list.items.push_back(item);
        break;
      }
      case kAppends: {
        std::vector<ValuePtr> items = PopMark();
        Value& list = Mutable(Top(), Kind::kList, "APPENDS");
        for (const auto& item : items) {
          Adopt(list, item);
          list.items.push_back(item);
        }
        break;
      }
      case kEmptyDict: Push(Make(Kind::kDict)); break;
      case kDict: {
        std::vector<ValuePtr> flat = PopMark();
        ValuePtr dict = Make(Kind::kDict);
        AddEntries(*dict, flat);
        Push(dict);
        break;
      }
      case kSetItem: {
        std::vector<ValuePtr> flat(2);
        flat[1] = Pop();
        flat[0] = Pop();
        AddEntries(Mutable(Top(), Kind::kDict, "SETITEM"), flat);
        break;
      }
      case kSetItems: {
        std::vector<ValuePtr> flat = PopMark();
        AddEntries(Mutable(Top(), Kind::kDict, "SETITEMS"), flat);
        break;
      }
      case kGlobal: {
        std::string module = ReadLine();
        std::string name = ReadLine();
        Push(MakeGlobal(module, name));
        break;
      }
      case kStackGlobal: {
        ValuePtr name = Pop();
        ValuePtr module = Pop();
        if (name->kind != Kind::kString || module->kind != Kind::kString) Bad("STACK_GLOBAL needs two strings");
        Push(MakeGlobal(module->text, name->text));
        break;
      }
      case kReduce: {
        ValuePtr args = Pop();
        ValuePtr callable = Pop();
        Push(Reduce(*callable, args));
        break;
      }
      case kBuild: {
        ValuePtr state = Pop();
        // OrderedDict state (state_dict._metadata) carries nothing antispoof needs.
        Mutable(Top(), Kind::kDict, "BUILD");
        Adopt(*Top(), state);
        break;
      }
      case kBinPut: Memo(ReadUint(1)); break;
      case kLongBinPut: Memo(ReadUint(4)); break;
      case kMemoize: Memo(memo_.size()); break;
      case kBinGet: Push(Recall(ReadUint(1))); break;
      case kLongBinGet: Push(Recall(ReadUint(4))); break;
      case kBinPersId: {
        ValuePtr pid = Pop();
        ValuePtr storage;
        try {
          storage = persistent_load_(*pid);
        } catch (const Error& e) {
          Bad(e.what());
        }
        Push(storage);
        break;
      }
      default: {
        char hex[8];
        std::snprintf(hex, sizeof(hex), "0x%02x", op);
        Bad(std::string("unsupported pickle opcode ") + hex +
            (op >= 0x20 && op < 0x7f ? std::string(" '") + static_cast<char>(op) + "'" : std::string()) +
            " (not a PyTorch state_dict pickle)");
      }
    }
  }

  void Memo(uint64_t index) { memo_[index] = Top(); }

  ValuePtr Recall(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) Bad("memo index " + std::to_string(index) + " is not defined");
    return it->second;
  }

  int64_t Int(const ValuePtr& v, const char* what) {
    if (v->kind != Kind::kInt) Bad(std::string(what) + " is " + KindName(*v) + ", expected an int");
    return v->integer;
  }

  std::vector<int64_t> Ints(const ValuePtr& v, const char* what) {
    if (v->kind != Kind::kTuple && v->kind != Kind::kList) Bad(std::string(what) + " is " + KindName(*v) + ", expected a tuple of ints");
    if (v->items.size() > static_cast<size_t>(kMaxDims)) Bad(std::string(what) + " has more than " + std::to_string(kMaxDims) + " dimensions");
    std::vector<int64_t> out;
    for (const auto& item : v->items) out.push_back(Int(item, what));
    return out;
  }

  ValuePtr RebuildTensor(const std::vector<ValuePtr>& args) {
    const ValuePtr& storage_value = args[0];
    if (storage_value->kind != Kind::kStorage) Bad("tensor built from " + KindName(*storage_value) + ", expected a storage");
    const Storage& storage = storage_value->storage;
    int64_t offset = Int(args[1], "tensor storage offset");
    std::vector<int64_t> size = Ints(args[2], "tensor size");
    std::vector<int64_t> stride = Ints(args[3], "tensor stride");
    if (size.size() != stride.size()) Bad("tensor size and stride have different lengths");
    if (offset < 0) Bad("negative tensor storage offset " + std::to_string(offset));
    int64_t numel = 1;
    int64_t last = offset;
    for (size_t d = 0; d < size.size(); ++d) {
      if (size[d] < 0 || stride[d] < 0) Bad("negative tensor size or stride");
      if (__builtin_mul_overflow(numel, size[d], &numel) || numel > kMaxElements)
        Bad("tensor declares too many elements");
      int64_t span = 0;
      if (size[d] > 0 && (__builtin_mul_overflow(size[d] - 1, stride[d], &span) || __builtin_add_overflow(last, span, &last)))
        Bad("tensor extent overflows");
    }
    if (numel == 0 ? offset > storage.numel : last >= storage.numel)
      Bad("tensor (offset " + std::to_string(offset) + ", " + std::to_string(numel) + " elements) reaches past its storage of " +
          std::to_string(storage.numel) + " elements");
    ValuePtr v = Make(Kind::kTensor);
    v->tensor = storage.base.as_strided(size, stride, storage.offset + offset);
    return v;
  }

  ValuePtr Reduce(const Value& callable, const ValuePtr& args_value) {
    if (callable.kind != Kind::kGlobal) Bad("REDUCE calls " + KindName(callable) + ", not a global");
    if (args_value->kind != Kind::kTuple) Bad("REDUCE arguments are " + KindName(*args_value) + ", not a tuple");
    args_value->frozen = true;
    const std::vector<ValuePtr>& args = args_value->items;
    const std::string& name = callable.text;
    auto arity = [&](size_t lo, size_t hi) {
      if (args.size() < lo || args.size() > hi) Bad(name + " called with " + std::to_string(args.size()) + " arguments");
    };
    if (name == "collections.OrderedDict") {
      arity(0, 1);
      ValuePtr dict = Make(Kind::kDict);
      if (!args.empty()) {
        if (args[0]->kind != Kind::kList && args[0]->kind != Kind::kTuple) Bad("OrderedDict argument is " + KindName(*args[0]));
        for (const auto& pair : args[0]->items) {
          if ((pair->kind != Kind::kTuple && pair->kind != Kind::kList) || pair->items.size() != 2) Bad("OrderedDict item is not a pair");
          std::vector<ValuePtr> flat = pair->items;
          AddEntries(*dict, flat);
        }
      }
      return dict;
    }
    if (name == "torch._utils._rebuild_tensor_v2") {
      arity(6, 7);
      return RebuildTensor(args);
    }
    if (name == "torch._utils._rebuild_tensor") {
      arity(4, 4);
      return RebuildTensor(args);
    }
    if (name == "torch._utils._rebuild_parameter") {
      arity(3, 3);
      if (args[0]->kind != Kind::kTensor) Bad("_rebuild_parameter of " + KindName(*args[0]));
      ValuePtr v = Make(Kind::kTensor);
      v->tensor = args[0]->tensor;
      return v;
    }
    if (name == "torch.Size") {
      arity(1, 1);
      Ints(args[0], "torch.Size");
      return MakeSequence(Kind::kTuple, args[0]->items);
    }
    Bad("global '" + name + "' cannot be called");
  }

  std::string_view bytes_;
  size_t pos_;
  size_t op_pos_ = 0;
  const std::string& what_;
  const PersistentLoad& persistent_load_;
  std::vector<ValuePtr> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, ValuePtr> memo_;
};

// --- Writer ---

class PickleWriter {
 public:
  void Op(unsigned char op) { out_.push_back(static_cast<char>(op)); }

  void Uint(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }

  void Int(int64_t v) {
    if (v >= 0 && v < 256) {
      Op(kBinInt1);
      Uint(v, 1);
    } else if (v >= 0 && v < 65536) {
      Op(kBinInt2);
      Uint(v, 2);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      Op(kBinInt);
      Uint(static_cast<uint32_t>(static_cast<int32_t>(v)), 4);
    } else {
      Op(kLong1);
      Uint(8, 1);
      Uint(static_cast<uint64_t>(v), 8);
    }
  }

  void String(const std::string& s) {
    Op(kBinUnicode);
    Uint(s.size(), 4);
    out_ += s;
  }

  void Global(const std::string& module, const std::string& name) {
    std::string key = module + "\n" + name + "\n";
    auto it = memo_.find(key);
    if (it != memo_.end()) {
      if (it->second < 256) {
        Op(kBinGet);
        Uint(it->second, 1);
      } else {
        Op(kLongBinGet);
        Uint(it->second, 4);
      }
      return;
    }
    Op(kGlobal);
    out_ += key;
    uint64_t index = memo_.size();
    memo_[key] = index;
    if (index < 256) {
      Op(kBinPut);
      Uint(index, 1);
    } else {
      Op(kLongBinPut);
      Uint(index, 4);
    }
  }

  void IntTuple(const std::vector<int64_t>& values) {
    if (values.empty()) {
      Op(kEmptyTuple);
      return;
    }
    if (values.size() > 3) Op(kMark);
    for (int64_t v : values) Int(v);
    Op(values.size() > 3 ? static_cast<unsigned char>(kTuple) : static_cast<unsigned char>(kTuple1 + values.size() - 1));
  }

  std::string& out() { return out_; }

 private:
  std::string out_;
  std::map<std::string, uint64_t> memo_;
};

}  // namespace

std::string KindName(const Value& v) {
  switch (v.kind) {
    case Kind::kNone: return "None";
    case Kind::kBool: return "a bool";
    case Kind::kInt: return "an int";
    case Kind::kBigInt: return "a big int";
    case Kind::kFloat: return "a float";
    case Kind::kString: return "a string";
    case Kind::kBytes: return "bytes";
    case Kind::kTuple: return "a tuple";
    case Kind::kList: return "a list";
    case Kind::kDict: return "a dict";
    case Kind::kGlobal: return "global " + v.text;
    case Kind::kStorage: return "a storage";
    case Kind::kTensor: return "a tensor";
  }
  return "?";
}

ValuePtr Unpickle(std::string_view bytes, size_t* pos, const std::string& what, const PersistentLoad& persistent_load) {
  Unpickler u(bytes, *pos, what, persistent_load);
  ValuePtr v = u.Run();
  *pos = u.pos();
  return v;
}

std::string StorageTypeName(torch::ScalarType dtype) {
  for (const auto& t : kStorageTypes)
    if (t.dtype == dtype) return t.name;
  Fail(std::string("dtype ") + c10::toString(dtype) + " cannot be saved in a PyTorch checkpoint");
}

torch::ScalarType StorageDtype(const Value& storage_type) {
  if (storage_type.kind == Kind::kGlobal)
    for (const auto& t : kStorageTypes)
      if (storage_type.text == std::string("torch.") + t.name) return t.dtype;
  Fail("storage type is " + KindName(storage_type) + ", expected torch.<Type>Storage");
}

std::string PickleStateDict(const std::vector<std::pair<std::string, torch::Tensor>>& tensors, int64_t first_key) {
  PickleWriter w;
  w.Op(kProto);
  w.Uint(2, 1);
  w.Global("collections", "OrderedDict");
  w.Op(kEmptyTuple);
  w.Op(kReduce);
  if (!tensors.empty()) {
    w.Op(kMark);
    int64_t key = first_key;
    for (const auto& [name, tensor] : tensors) {
      w.String(name);
      w.Global("torch._utils", "_rebuild_tensor_v2");
      w.Op(kMark);
      w.Op(kMark);
      w.String("storage");
      w.Global("torch", StorageTypeName(tensor.scalar_type()));
      w.String(std::to_string(key++));
      w.String("cpu");
      w.Int(tensor.numel());
      w.Op(kTuple);
      w.Op(kBinPersId);
      w.Int(0);
      std::vector<int64_t> size = tensor.sizes().vec();
      std::vector<int64_t> stride(size.size());
      int64_t s = 1;
      for (size_t d = size.size(); d-- > 0;) {
        stride[d] = s;
        s *= std::max<int64_t>(size[d], 1);
      }
      w.IntTuple(size);
      w.IntTuple(stride);
      w.Op(kNewFalse);
      w.Global("collections", "OrderedDict");
      w.Op(kEmptyTuple);
      w.Op(kReduce);
      w.Op(kTuple);
      w.Op(kReduce);
    }
    w.Op(kSetItems);
  }
  w.Op(kStop);
  return std::move(w.out());
}

}  // namespace antispoof::pth
