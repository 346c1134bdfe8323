//===- Tokenizer.cpp - byte-level BPE tokenizers --------------------------===//
#include "rotq/Support/Tokenizer.h"
#include "rotq/Support/Gguf.h"
#include "rotq/Support/FileError.h"

#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <algorithm>

using namespace rotq;
using namespace rotq::tok;

namespace {

enum class Class { Letter, Number, Space, Other };

/// The pattern's classes (\p{L}, \p{N}, \s) of a code point; `known` is
/// false outside the ranges whose Unicode categories are listed here.
Class classify(uint32_t c, bool &known) {
  known = true;
  if (c < 0x80) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
      return Class::Letter;
    if (c >= '0' && c <= '9')
      return Class::Number;
    if (c == ' ' || (c >= 0x09 && c <= 0x0D))
      return Class::Space;
    return Class::Other;
  }
  if (c < 0x100) { // Latin-1 Supplement
    if (c == 0x85 || c == 0xA0)
      return Class::Space;
    if (c == 0xAA || c == 0xB5 || c == 0xBA ||
        (c >= 0xC0 && c != 0xD7 && c != 0xF7))
      return Class::Letter;
    if (c == 0xB2 || c == 0xB3 || c == 0xB9 || (c >= 0xBC && c <= 0xBE))
      return Class::Number;
    return Class::Other;
  }
  if (c < 0x250) // Latin Extended-A and -B
    return Class::Letter;
  if (c >= 0x300 && c < 0x370) // combining diacritical marks (Mn)
    return Class::Other;
  if (c == 0x386 || (c >= 0x388 && c <= 0x38A) || c == 0x38C ||
      (c >= 0x38E && c <= 0x3A1) || (c >= 0x3A3 && c <= 0x3CE) ||
      (c >= 0x400 && c <= 0x481) || (c >= 0x48A && c <= 0x52F))
    return Class::Letter; // Greek (monotonic) and Cyrillic letters
  if (c >= 0x2000 && c < 0x2070) { // General Punctuation
    if (c <= 0x200A || c == 0x2028 || c == 0x2029 || c == 0x202F ||
        c == 0x205F)
      return Class::Space;
    return Class::Other;
  }
  if ((c >= 0x2190 && c < 0x2460) || (c >= 0x2500 && c < 0x2800) ||
      (c >= 0x20A0 && c < 0x20D0))
    return Class::Other; // arrows, math, technical, box drawing, currency
  if (c >= 0x2460 && c < 0x249C)
    return Class::Number; // circled / parenthesized numbers
  if (c == 0x3000)
    return Class::Space;
  if ((c >= 0x3041 && c <= 0x3096) || (c >= 0x30A1 && c <= 0x30FA) ||
      (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7A3))
    return Class::Letter; // kana, CJK ideographs, Hangul syllables
  if (c >= 0x3001 && c <= 0x3003)
    return Class::Other; // CJK punctuation
  if (c >= 0xFF10 && c <= 0xFF19)
    return Class::Number;
  if ((c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A))
    return Class::Letter;
  known = false;
  return Class::Other;
}

/// The code points of `s` with their byte offsets (an invalid byte is
/// taken as its own code point, U+FFFD).
void decode(llvm::StringRef s, std::vector<uint32_t> &cps,
            std::vector<size_t> &offs) {
  const char *p = s.begin(), *e = s.end();
  while (p < e) {
    offs.push_back(size_t(p - s.begin()));
    unsigned len = llvm::getNumBytesForUTF8(uint8_t(*p));
    llvm::UTF32 cp;
    const llvm::UTF8 *src = reinterpret_cast<const llvm::UTF8 *>(p);
    llvm::UTF32 *dst = &cp;
    if (len <= size_t(e - p) &&
        llvm::ConvertUTF8toUTF32(&src, src + len, &dst, dst + 1,
                                 llvm::strictConversion) == llvm::conversionOK) {
      cps.push_back(cp);
      p += len;
    } else {
      cps.push_back(0xFFFD);
      ++p;
    }
  }
  offs.push_back(s.size());
}

/// GPT-2's byte alphabet: each byte as a printable code point, in UTF-8.
const std::vector<std::string> &byteSymbols() {
  static const std::vector<std::string> table = [] {
    std::vector<std::string> t(256);
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) ||
                       (b >= 0xAE && b <= 0xFF);
      uint32_t cp = printable ? uint32_t(b) : uint32_t(256 + n++);
      std::string u;
      llvm::UTF32 in = cp;
      char buf[8];
      char *out = buf;
      llvm::ConvertCodePointToUTF8(in, out);
      u.assign(buf, out);
      t[b] = u;
    }
    return t;
  }();
  return table;
}

Class classOf(uint32_t c) {
  bool known;
  return classify(c, known);
}

/// The end of the match of GPT-2's pattern at code point i of [i, end).
size_t gpt2Match(const std::vector<uint32_t> &cps, size_t i, size_t end) {
  // 's|'t|'re|'ve|'m|'ll|'d
  if (cps[i] == '\'' && i + 1 < end) {
    uint32_t a = cps[i + 1], b = i + 2 < end ? cps[i + 2] : 0;
    if (a == 's' || a == 't' || a == 'm' || a == 'd')
      return i + 2;
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') ||
        (a == 'l' && b == 'l'))
      return i + 3;
  }
  // ' ?\p{L}+' | ' ?\p{N}+' | ' ?[^\s\p{L}\p{N}]+', in that order
  bool space = cps[i] == ' ' && i + 1 < end;
  for (Class want : {Class::Letter, Class::Number, Class::Other}) {
    size_t from = space && classOf(cps[i + 1]) == want ? i + 1
                  : classOf(cps[i]) == want            ? i
                                                       : end;
    if (from == end)
      continue;
    size_t k = from;
    while (k < end && classOf(cps[k]) == want)
      ++k;
    return k;
  }
  // '\s+(?!\S)' (a run before a non-space leaves its last character for
  // the next piece), else '\s+'
  size_t k = i;
  while (k < end && classOf(cps[k]) == Class::Space)
    ++k;
  if (k < end && k - i > 1)
    return k - 1;
  return std::max(k, i + 1);
}
} // namespace

llvm::Expected<BpeTokenizer>
BpeTokenizer::fromHuggingFace(const std::string &pathIn) {
  std::string path = pathIn;
  if (llvm::sys::fs::is_directory(path)) {
    llvm::SmallString<256> p(path);
    llvm::sys::path::append(p, "tokenizer.json");
    path = std::string(p);
  }
  auto buf = llvm::MemoryBuffer::getFile(path);
  if (!buf)
    return fileError(path, "cannot read: " + buf.getError().message());
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*buf)->getBuffer());
  if (!json)
    return fileError(path, "not JSON: " + llvm::toString(json.takeError()));
  const llvm::json::Object *o = json->getAsObject();
  if (!o)
    return fileError(path, "not a tokenizer.json object");
  BpeTokenizer t;
  if (const llvm::json::Value *n = o->get("normalizer"); n && !n->getAsNull())
    return fileError(path, "a normalizer is not supported");
  // Pre-tokenizer: ByteLevel(use_regex, no prefix space), optionally after
  // Digits(individual_digits).
  const llvm::json::Object *pre = o->getObject("pre_tokenizer");
  std::vector<const llvm::json::Object *> steps;
  if (pre && pre->getString("type") == "Sequence") {
    if (const llvm::json::Array *a = pre->getArray("pretokenizers"))
      for (const llvm::json::Value &v : *a)
        steps.push_back(v.getAsObject());
  } else {
    steps.push_back(pre);
  }
  bool byteLevel = false;
  for (const llvm::json::Object *s : steps) {
    std::optional<llvm::StringRef> type = s ? s->getString("type") : std::nullopt;
    if (type == "Digits" && s->getBoolean("individual_digits").value_or(false) &&
        !byteLevel && !t.splitDigits) {
      t.splitDigits = true;
    } else if (type == "ByteLevel" && !byteLevel &&
               s->getBoolean("use_regex").value_or(true) &&
               !s->getBoolean("add_prefix_space").value_or(false)) {
      byteLevel = true;
    } else {
      return fileError(path, "pre-tokenizer " +
                                 (type ? ("'" + *type + "'").str()
                                       : std::string("(none)")) +
                                 " is not supported (rotq reads byte-level BPE "
                                 "with GPT-2's pattern, optionally after "
                                 "individual digits)");
    }
  }
  if (!byteLevel)
    return fileError(path, "no ByteLevel pre-tokenizer (rotq reads byte-level "
                           "BPE tokenizers)");
  const llvm::json::Object *model = o->getObject("model");
  if (!model || model->getString("type") != "BPE")
    return fileError(path, "the model is not BPE");
  if (model->getBoolean("byte_fallback").value_or(false))
    return fileError(path, "byte_fallback is not supported");
  for (const char *k : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (const llvm::json::Value *v = model->get(k); v && !v->getAsNull() &&
        v->getAsString() != "")
      return fileError(path, std::string(k) + " is not supported");
  t.ignoreMerges = model->getBoolean("ignore_merges").value_or(false);
  const llvm::json::Object *vocab = model->getObject("vocab");
  const llvm::json::Array *merges = model->getArray("merges");
  if (!vocab || !merges)
    return fileError(path, "the BPE model has no vocab or merges");
  auto addToken = [&](llvm::StringRef tok, int64_t id) -> llvm::Error {
    if (id < 0 || id > (int64_t(1) << 24))
      return fileError(path, "token id " + llvm::Twine(id) + " out of range");
    if (int64_t(t.idToToken.size()) <= id)
      t.idToToken.resize(id + 1);
    t.idToToken[id] = tok.str();
    t.vocab[tok] = id;
    return llvm::Error::success();
  };
  for (const auto &[k, v] : *vocab) {
    std::optional<int64_t> id = v.getAsInteger();
    if (!id)
      return fileError(path, "vocab entry '" + k.str() + "' has no integer id");
    if (llvm::Error e = addToken(k.str(), *id))
      return std::move(e);
  }
  int64_t rank = 0;
  for (const llvm::json::Value &m : *merges) {
    std::string key;
    if (std::optional<llvm::StringRef> s = m.getAsString())
      key = s->str();
    else if (const llvm::json::Array *a = m.getAsArray();
             a && a->size() == 2 && (*a)[0].getAsString() &&
             (*a)[1].getAsString())
      key = ((*a)[0].getAsString()->str() + " " +
             (*a)[1].getAsString()->str());
    else
      return fileError(path, "merge " + llvm::Twine(rank) + " is malformed");
    t.mergeRank.try_emplace(key, rank++);
  }
  if (const llvm::json::Array *added = o->getArray("added_tokens"))
    for (const llvm::json::Value &v : *added) {
      const llvm::json::Object *a = v.getAsObject();
      std::optional<llvm::StringRef> content =
          a ? a->getString("content") : std::nullopt;
      std::optional<int64_t> id = a ? a->getInteger("id") : std::nullopt;
      if (!content || !id)
        return fileError(path, "malformed added token");
      if (llvm::Error e = addToken(*content, *id))
        return std::move(e);
      if (!content->empty())
        t.specials.push_back({content->str(), *id});
    }
  if (std::optional<llvm::StringRef> u = model->getString("unk_token"))
    if (auto it = t.vocab.find(*u); it != t.vocab.end())
      t.unk = it->second;
  t.sortSpecials();
  return std::move(t);
}

llvm::Expected<BpeTokenizer> BpeTokenizer::fromGguf(const std::string &path) {
  llvm::Expected<gguf::File> f = gguf::File::open(path);
  if (!f)
    return f.takeError();
  auto str = [&](llvm::StringRef k) -> std::string {
    const gguf::Value *v = f->get(k);
    return v && v->kind == gguf::Value::String ? v->s : "";
  };
  std::string model = str("tokenizer.ggml.model");
  if (model != "gpt2")
    return fileError(path, "tokenizer.ggml.model '" + model +
                               "' is not supported (rotq reads byte-level "
                               "BPE, 'gpt2')");
  std::string pre = str("tokenizer.ggml.pre");
  BpeTokenizer t;
  // llama.cpp's pre-tokenizers that are GPT-2's pattern, after splitting
  // digits for the second group.
  if (pre == "gpt-2" || pre == "gpt2")
    t.splitDigits = false;
  else if (pre == "smollm" || pre == "starcoder" || pre == "refact" ||
           pre == "codeshell" || pre == "command-r")
    t.splitDigits = true;
  else
    return fileError(path, "tokenizer.ggml.pre '" + pre +
                               "' is not supported (gpt-2, smollm, "
                               "starcoder, refact, codeshell, command-r)");
  if (const gguf::Value *v = f->get("tokenizer.ggml.add_space_prefix");
      v && v->kind == gguf::Value::Bool && v->b)
    return fileError(path, "tokenizer.ggml.add_space_prefix is not supported");
  const gguf::Value *tokens = f->get("tokenizer.ggml.tokens");
  const gguf::Value *merges = f->get("tokenizer.ggml.merges");
  const gguf::Value *types = f->get("tokenizer.ggml.token_type");
  if (!tokens || tokens->kind != gguf::Value::Array || !merges ||
      merges->kind != gguf::Value::Array)
    return fileError(path, "no tokenizer.ggml.tokens / merges");
  t.idToToken.resize(tokens->array.size());
  for (size_t i = 0; i < tokens->array.size(); ++i) {
    const gguf::Value &v = tokens->array[i];
    if (v.kind != gguf::Value::String)
      return fileError(path, "tokenizer.ggml.tokens holds a non-string");
    t.idToToken[i] = v.s;
    t.vocab.try_emplace(v.s, int64_t(i));
    // Control and user-defined tokens match verbatim, as added tokens do.
    if (types && types->kind == gguf::Value::Array &&
        i < types->array.size() && !v.s.empty()) {
      std::optional<int64_t> ty = types->array[i].asInt();
      if (ty == 3 || ty == 4)
        t.specials.push_back({v.s, int64_t(i)});
    }
  }
  int64_t rank = 0;
  for (const gguf::Value &m : merges->array) {
    if (m.kind != gguf::Value::String)
      return fileError(path, "tokenizer.ggml.merges holds a non-string");
    t.mergeRank.try_emplace(m.s, rank++);
  }
  if (const gguf::Value *v = f->get("tokenizer.ggml.bos_token_id"))
    t.bos = v->asInt();
  if (const gguf::Value *v = f->get("tokenizer.ggml.unknown_token_id"))
    t.unk = v->asInt();
  t.sortSpecials();
  return std::move(t);
}

llvm::Expected<BpeTokenizer> BpeTokenizer::load(const std::string &path) {
  if (llvm::sys::fs::is_regular_file(path)) {
    auto head = llvm::MemoryBuffer::getFileSlice(path, 4, 0);
    if (head && (*head)->getBuffer() == "GGUF")
      return fromGguf(path);
  }
  return fromHuggingFace(path);
}

void BpeTokenizer::sortSpecials() {
  // Longest first, so that a special token containing another wins.
  std::stable_sort(specials.begin(), specials.end(),
                   [](const auto &a, const auto &b) {
                     return a.first.size() > b.first.size();
                   });
}

void BpeTokenizer::encodePiece(llvm::StringRef piece,
                               std::vector<int64_t> &out) {
  if (auto it = cache.find(piece); it != cache.end()) {
    out.insert(out.end(), it->second.begin(), it->second.end());
    return;
  }
  const std::vector<std::string> &bytes = byteSymbols();
  std::vector<std::string> sym;
  std::string whole;
  for (unsigned char c : piece) {
    sym.push_back(bytes[c]);
    whole += bytes[c];
  }
  std::vector<int64_t> ids;
  if (auto it = vocab.find(whole); ignoreMerges && it != vocab.end()) {
    ids.push_back(it->second);
  } else {
    // GPT-2's loop: merge every occurrence of the lowest-ranked pair.
    std::string key;
    while (sym.size() > 1) {
      int64_t best = INT64_MAX;
      for (size_t i = 0; i + 1 < sym.size(); ++i) {
        key = sym[i] + " " + sym[i + 1];
        if (auto it = mergeRank.find(key); it != mergeRank.end())
          best = std::min(best, it->second);
      }
      if (best == INT64_MAX)
        break;
      std::vector<std::string> next;
      for (size_t i = 0; i < sym.size(); ++i) {
        if (i + 1 < sym.size()) {
          key = sym[i] + " " + sym[i + 1];
          auto it = mergeRank.find(key);
          if (it != mergeRank.end() && it->second == best) {
            next.push_back(sym[i] + sym[i + 1]);
            ++i;
            continue;
          }
        }
        next.push_back(sym[i]);
      }
      sym = std::move(next);
    }
    for (const std::string &s : sym) {
      if (auto it = vocab.find(s); it != vocab.end()) {
        ids.push_back(it->second);
        continue;
      }
      // A symbol the vocabulary lacks: its bytes, else the unknown token.
      for (size_t k = 0; k < s.size();) {
        size_t len = llvm::getNumBytesForUTF8(uint8_t(s[k]));
        auto it = vocab.find(s.substr(k, len));
        if (it != vocab.end())
          ids.push_back(it->second);
        else if (unk)
          ids.push_back(*unk);
        k += len;
      }
    }
  }
  out.insert(out.end(), ids.begin(), ids.end());
  cache[piece] = std::move(ids);
}

void BpeTokenizer::encodeText(llvm::StringRef text, std::vector<int64_t> &out) {
  std::vector<uint32_t> cps;
  std::vector<size_t> offs;
  decode(text, cps, offs);
  for (uint32_t c : cps) {
    bool known;
    classify(c, known);
    unclassified += known ? 0 : 1;
  }
  // Segments: each digit alone when the tokenizer splits them.
  size_t i = 0, n = cps.size();
  while (i < n) {
    size_t end = i;
    bool known;
    if (splitDigits && classify(cps[i], known) == Class::Number) {
      end = i + 1;
    } else {
      while (end < n &&
             !(splitDigits && classify(cps[end], known) == Class::Number))
        ++end;
    }
    for (size_t k = i; k < end;) {
      size_t m = gpt2Match(cps, k, end);
      encodePiece(text.slice(offs[k], offs[m]), out);
      k = m;
    }
    i = end;
  }
}

std::vector<int64_t> BpeTokenizer::encode(llvm::StringRef text) {
  std::vector<int64_t> out;
  size_t start = 0;
  for (size_t i = 0; i < text.size();) {
    const std::pair<std::string, int64_t> *hit = nullptr;
    for (const auto &s : specials)
      if (text.substr(i).starts_with(s.first)) {
        hit = &s;
        break;
      }
    if (!hit) {
      ++i;
      continue;
    }
    encodeText(text.slice(start, i), out);
    out.push_back(hit->second);
    i += hit->first.size();
    start = i;
  }
  encodeText(text.substr(start), out);
  return out;
}

llvm::Expected<std::vector<std::vector<int64_t>>>
rotq::tok::toSequences(const std::vector<int64_t> &ids, int64_t seqLen,
                       int64_t maxSequences, std::optional<int64_t> bos) {
  int64_t per = seqLen - (bos ? 1 : 0);
  if (seqLen < 2 || per < 1)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the sequence length must be at least 2");
  std::vector<std::vector<int64_t>> seqs;
  for (size_t at = 0; at + per <= ids.size(); at += per) {
    if (maxSequences > 0 && int64_t(seqs.size()) == maxSequences)
      break;
    std::vector<int64_t> s;
    if (bos)
      s.push_back(*bos);
    s.insert(s.end(), ids.begin() + at, ids.begin() + at + per);
    seqs.push_back(std::move(s));
  }
  if (seqs.empty())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "the text has " + std::to_string(ids.size()) +
            " tokens, fewer than one sequence of " + std::to_string(per));
  return seqs;
}

llvm::Expected<std::string> rotq::tok::readUtf8Text(const std::string &path) {
  auto text = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!text)
    return fileError(path, "cannot read: " + text.getError().message());
  llvm::StringRef t = (*text)->getBuffer();
  const llvm::UTF8 *begin = reinterpret_cast<const llvm::UTF8 *>(t.begin());
  const llvm::UTF8 *bad = begin;
  if (!llvm::isLegalUTF8String(&bad, begin + t.size()))
    return fileError(path, "not UTF-8 (byte " + llvm::Twine(int64_t(bad - begin)) +
                               ")");
  return t.str();
}
