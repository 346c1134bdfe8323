//===- Tokenizer.cpp - byte-level BPE tokenizers --------------------------===//
#include "rotq/Support/Tokenizer.h"
#include "rotq/Support/Gguf.h"
#include "rotq/Support/FileError.h"
#include "rotq/Support/Json.h"
#include "rotq/Support/UnicodeNfc.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <iterator>

using namespace rotq;
using namespace rotq::tok;

namespace {

enum class Class { Letter, Number, Space, Other };

/// The blocks whose code points classify() knows, from Unicode 16 as the
/// `tokenizers` library's regex engine has it: Latin-1 to Cyrillic (with
/// IPA, combining marks and Greek), Hebrew, Arabic, Devanagari, Thai,
/// Hangul Jamo, Ogham, phonetic extensions, combining marks, Latin and
/// Greek Extended, punctuation, super/subscripts, currency, letterlike,
/// number forms, arrows, math, technical, enclosed alphanumerics, box
/// drawing, dingbats, CJK symbols, kana, CJK ideographs (and Extension A),
/// Hangul syllables, variation selectors, full/half-width forms, emoji and
/// pictographs.
const uint32_t kKnownBlocks[][2] = {
    {0x80, 0x52F}, {0x590, 0x6FF}, {0x900, 0x97F}, {0xE00, 0xE7F},
    {0x1100, 0x11FF}, {0x1680, 0x169F}, {0x1AB0, 0x1AFF}, {0x1D00, 0x2BFF},
    {0x3000, 0x30FF}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xAC00, 0xD7AF},
    {0xFE00, 0xFE0F}, {0xFF00, 0xFFEF}, {0x1F000, 0x1FAFF}, {0xE0100, 0xE01EF}};

/// \p{L}, \p{N} and \s in those blocks (first, last, class); the rest of
/// them is marks, punctuation, symbols or unassigned.
struct Run {
  uint32_t first, last;
  Class cls;
};
constexpr Class L = Class::Letter, N = Class::Number, S = Class::Space;
const Run kRuns[] = {
    {0x85, 0x85, S}, {0xA0, 0xA0, S}, {0xAA, 0xAA, L}, {0xB2, 0xB3, N},
    {0xB5, 0xB5, L}, {0xB9, 0xB9, N}, {0xBA, 0xBA, L}, {0xBC, 0xBE, N},
    {0xC0, 0xD6, L}, {0xD8, 0xF6, L}, {0xF8, 0x2C1, L}, {0x2C6, 0x2D1, L},
    {0x2E0, 0x2E4, L}, {0x2EC, 0x2EC, L}, {0x2EE, 0x2EE, L}, {0x370, 0x374, L},
    {0x376, 0x377, L}, {0x37A, 0x37D, L}, {0x37F, 0x37F, L}, {0x386, 0x386, L},
    {0x388, 0x38A, L}, {0x38C, 0x38C, L}, {0x38E, 0x3A1, L}, {0x3A3, 0x3F5, L},
    {0x3F7, 0x481, L}, {0x48A, 0x52F, L}, {0x5D0, 0x5EA, L}, {0x5EF, 0x5F2, L},
    {0x620, 0x64A, L}, {0x660, 0x669, N}, {0x66E, 0x66F, L}, {0x671, 0x6D3, L},
    {0x6D5, 0x6D5, L}, {0x6E5, 0x6E6, L}, {0x6EE, 0x6EF, L}, {0x6F0, 0x6F9, N},
    {0x6FA, 0x6FC, L}, {0x6FF, 0x6FF, L}, {0x904, 0x939, L}, {0x93D, 0x93D, L},
    {0x950, 0x950, L}, {0x958, 0x961, L}, {0x966, 0x96F, N}, {0x971, 0x97F, L},
    {0xE01, 0xE30, L}, {0xE32, 0xE33, L}, {0xE40, 0xE46, L}, {0xE50, 0xE59, N},
    {0x1100, 0x11FF, L}, {0x1680, 0x1680, S}, {0x1681, 0x169A, L},
    {0x1D00, 0x1DBF, L}, {0x1E00, 0x1F15, L}, {0x1F18, 0x1F1D, L},
    {0x1F20, 0x1F45, L}, {0x1F48, 0x1F4D, L}, {0x1F50, 0x1F57, L},
    {0x1F59, 0x1F59, L}, {0x1F5B, 0x1F5B, L}, {0x1F5D, 0x1F5D, L},
    {0x1F5F, 0x1F7D, L}, {0x1F80, 0x1FB4, L}, {0x1FB6, 0x1FBC, L},
    {0x1FBE, 0x1FBE, L}, {0x1FC2, 0x1FC4, L}, {0x1FC6, 0x1FCC, L},
    {0x1FD0, 0x1FD3, L}, {0x1FD6, 0x1FDB, L}, {0x1FE0, 0x1FEC, L},
    {0x1FF2, 0x1FF4, L}, {0x1FF6, 0x1FFC, L}, {0x2000, 0x200A, S},
    {0x2028, 0x2029, S}, {0x202F, 0x202F, S}, {0x205F, 0x205F, S},
    {0x2070, 0x2070, N}, {0x2071, 0x2071, L}, {0x2074, 0x2079, N},
    {0x207F, 0x207F, L}, {0x2080, 0x2089, N}, {0x2090, 0x209C, L},
    {0x2102, 0x2102, L}, {0x2107, 0x2107, L}, {0x210A, 0x2113, L},
    {0x2115, 0x2115, L}, {0x2119, 0x211D, L}, {0x2124, 0x2124, L},
    {0x2126, 0x2126, L}, {0x2128, 0x2128, L}, {0x212A, 0x212D, L},
    {0x212F, 0x2139, L}, {0x213C, 0x213F, L}, {0x2145, 0x2149, L},
    {0x214E, 0x214E, L}, {0x2150, 0x2182, N}, {0x2183, 0x2184, L},
    {0x2185, 0x2189, N}, {0x2460, 0x249B, N}, {0x24EA, 0x24FF, N},
    {0x2776, 0x2793, N}, {0x3000, 0x3000, S}, {0x3005, 0x3006, L},
    {0x3007, 0x3007, N}, {0x3021, 0x3029, N}, {0x3031, 0x3035, L},
    {0x3038, 0x303A, N}, {0x303B, 0x303C, L}, {0x3041, 0x3096, L},
    {0x309D, 0x309F, L}, {0x30A1, 0x30FA, L}, {0x30FC, 0x30FF, L},
    {0x3400, 0x4DBF, L}, {0x4E00, 0x9FFF, L}, {0xAC00, 0xD7A3, L},
    {0xFF10, 0xFF19, N}, {0xFF21, 0xFF3A, L}, {0xFF41, 0xFF5A, L},
    {0xFF66, 0xFFBE, L}, {0xFFC2, 0xFFC7, L}, {0xFFCA, 0xFFCF, L},
    {0xFFD2, 0xFFD7, L}, {0xFFDA, 0xFFDC, L}, {0x1F100, 0x1F10C, N}};

/// Marks of those blocks that Unicode 10 to 14 added with a combining
/// class other than 0: the `tokenizers` library's NFC (the
/// unicode-normalization-alignments crate, Unicode 9.0 tables) takes them
/// as class 0, rotq's (UnicodeNfcTables.cpp) does not, so with NFC they
/// count as unclassified. The other characters whose NFC differs between
/// the two versions lie outside the blocks.
const uint32_t kNfcNewerMarks[][2] = {{0x1ABF, 0x1ACE}, {0x1DF6, 0x1DFA}};

/// The pattern's classes (\p{L}, \p{N}, \s) of a code point; `known` is
/// false outside the blocks listed above.
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
  const Run *r = std::upper_bound(
      std::begin(kRuns), std::end(kRuns), c,
      [](uint32_t v, const Run &run) { return v < run.first; });
  if (r != std::begin(kRuns) && c <= r[-1].last)
    return r[-1].cls;
  known = std::any_of(
      std::begin(kKnownBlocks), std::end(kKnownBlocks),
      [&](const uint32_t *b) { return c >= b[0] && c <= b[1]; });
  return Class::Other;
}

/// The code points of `s` with their byte offsets (an invalid byte is
/// taken as its own code point, U+FFFD).
void decode(llvm::StringRef s, std::vector<uint32_t> &cps,
            std::vector<size_t> &offs) {
  const char *p = s.begin(), *e = s.end();
  while (p < e) {
    offs.push_back(size_t(p - s.begin()));
    uint32_t cp;
    if (unsigned len = unicode::decodeUtf8(p, e, cp)) {
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

/// The end of the match at code point i of [i, end) of Llama-3's pattern
/// (maxDigits 3) or Qwen2's (maxDigits 1):
///   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
///    ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
size_t llama3Match(const std::vector<uint32_t> &cps, size_t i, size_t end,
                   size_t maxDigits) {
  // Case folded as the regex engine does for these letters: ASCII, and
  // the long s (U+017F) as 's'.
  auto fold = [&](size_t k) -> uint32_t {
    uint32_t c = k < end ? cps[k] : 0;
    if (c == 0x17F)
      return 's';
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
  };
  auto newline = [](uint32_t c) { return c == '\r' || c == '\n'; };
  // Past the end: neither letter, number nor punctuation.
  auto classAt = [&](size_t k) {
    return k < end ? classOf(cps[k]) : Class::Space;
  };
  // Contractions, case-insensitively.
  if (cps[i] == '\'') {
    uint32_t a = fold(i + 1), b = fold(i + 2);
    if (a == 's' || a == 't' || a == 'm' || a == 'd')
      return i + 2;
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') ||
        (a == 'l' && b == 'l'))
      return i + 3;
  }
  Class c = classOf(cps[i]);
  size_t k = i;
  // Letters, after at most one character that is no newline, letter or
  // number (a space, a tab, punctuation).
  if (c == Class::Letter ||
      (c != Class::Number && !newline(cps[i]) &&
       classAt(i + 1) == Class::Letter)) {
    k = c == Class::Letter ? i : i + 1;
    while (classAt(k) == Class::Letter)
      ++k;
    return k;
  }
  if (c == Class::Number) {
    while (k - i < maxDigits && classAt(k) == Class::Number)
      ++k;
    return k;
  }
  // Punctuation after an optional space, then any newlines.
  if (c == Class::Other ||
      (cps[i] == ' ' && classAt(i + 1) == Class::Other)) {
    k = c == Class::Other ? i : i + 1;
    while (classAt(k) == Class::Other)
      ++k;
    while (k < end && newline(cps[k]))
      ++k;
    return k;
  }
  // Whitespace: up to its last newline; else all of it when it ends the
  // text, else all but its last character (which goes with the next
  // piece), else its one character.
  size_t lastNewline = end;
  for (; k < end && classOf(cps[k]) == Class::Space; ++k)
    if (newline(cps[k]))
      lastNewline = k;
  if (lastNewline != end)
    return lastNewline + 1;
  if (k < end && k - i > 1)
    return k - 1;
  return k;
}

// The Split patterns of Llama 3's and Qwen2's tokenizer.json, verbatim.
const char *const kLlama3Pattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const char *const kQwen2Pattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
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
  // Normalizer: none, NFC, or a Sequence of NFC only.
  if (const llvm::json::Value *n = o->get("normalizer"); n && !n->getAsNull()) {
    const llvm::json::Object *norm = n->getAsObject();
    std::vector<const llvm::json::Object *> parts;
    if (norm && norm->getString("type") == "Sequence") {
      const llvm::json::Array *a = norm->getArray("normalizers");
      if (!a)
        return fileError(path, "a Sequence normalizer without normalizers");
      for (const llvm::json::Value &v : *a)
        parts.push_back(v.getAsObject());
    } else {
      parts.push_back(norm);
    }
    for (const llvm::json::Object *part : parts) {
      std::optional<llvm::StringRef> type =
          part ? part->getString("type") : std::nullopt;
      if (type != "NFC")
        return fileError(path, "the normalizer " +
                                   (type ? ("'" + *type + "'").str()
                                         : std::string("(malformed)")) +
                                   " is not supported (rotq has NFC, alone "
                                   "or in a Sequence of NFC only)");
    }
    t.nfc = !parts.empty();
  }
  // Pre-tokenizer: ByteLevel(use_regex, no prefix space), optionally after
  // Digits(individual_digits); or Split(Llama 3's or Qwen2's pattern,
  // Isolated) then ByteLevel(no regex, no prefix space).
  const llvm::json::Object *pre = o->getObject("pre_tokenizer");
  std::vector<const llvm::json::Object *> steps;
  if (pre && pre->getString("type") == "Sequence") {
    if (const llvm::json::Array *a = pre->getArray("pretokenizers"))
      for (const llvm::json::Value &v : *a)
        steps.push_back(v.getAsObject());
  } else {
    steps.push_back(pre);
  }
  const char *supported =
      " (rotq reads byte-level BPE with GPT-2's pattern, optionally after "
      "individual digits, or after a Split with Llama 3's or Qwen2's "
      "pattern)";
  bool byteLevel = false, split = false;
  for (const llvm::json::Object *s : steps) {
    std::optional<llvm::StringRef> type = s ? s->getString("type") : std::nullopt;
    bool first = s == steps.front();
    if (type == "Digits" && first &&
        s->getBoolean("individual_digits").value_or(false)) {
      t.pretokenizer = Pretokenizer::Gpt2Digits;
    } else if (type == "Split" && first) {
      const llvm::json::Object *pattern = s->getObject("pattern");
      std::optional<llvm::StringRef> regex =
          pattern ? pattern->getString("Regex") : std::nullopt;
      if (regex == kLlama3Pattern)
        t.pretokenizer = Pretokenizer::Llama3;
      else if (regex == kQwen2Pattern)
        t.pretokenizer = Pretokenizer::Qwen2;
      else
        return fileError(path, "the Split pre-tokenizer's pattern is not "
                               "Llama 3's or Qwen2's" +
                                   std::string(supported));
      if (s->getString("behavior") != "Isolated" ||
          s->getBoolean("invert").value_or(false))
        return fileError(path, "a Split pre-tokenizer that is not Isolated "
                               "(or is inverted) is not supported");
      split = true;
    } else if (type == "ByteLevel" && !byteLevel &&
               s->getBoolean("use_regex").value_or(true) == !split &&
               !s->getBoolean("add_prefix_space").value_or(false)) {
      byteLevel = true;
    } else {
      return fileError(path, "pre-tokenizer " +
                                 (type ? ("'" + *type + "'").str()
                                       : std::string("(none)")) +
                                 " is not supported" + supported);
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
    std::optional<int64_t> id = jsonInteger(v);
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
      std::optional<int64_t> id = a ? jsonInteger(*a, "id") : std::nullopt;
      if (!content || !id)
        return fileError(path, "malformed added token");
      if (llvm::Error e = addToken(*content, *id))
        return std::move(e);
      if (content->empty())
        continue;
      // A `normalized` token is found in the normalized text, as the
      // normalizer makes its content.
      if (a->getBoolean("normalized").value_or(false))
        t.normalizedSpecials.push_back(
            {t.nfc ? unicode::toNfc(*content) : content->str(), *id});
      else
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
  // llama.cpp's pre-tokenizer names for the patterns rotq has; llama.cpp
  // takes a Llama 3 vocabulary's pieces whole (HF's ignore_merges).
  if (pre == "gpt-2" || pre == "gpt2") {
    t.pretokenizer = Pretokenizer::Gpt2;
  } else if (pre == "smollm" || pre == "starcoder" || pre == "refact" ||
             pre == "codeshell" || pre == "command-r") {
    t.pretokenizer = Pretokenizer::Gpt2Digits;
  } else if (pre == "llama-bpe" || pre == "llama3" || pre == "llama-v3") {
    t.pretokenizer = Pretokenizer::Llama3;
    t.ignoreMerges = true;
  } else if (pre == "qwen2") {
    t.pretokenizer = Pretokenizer::Qwen2;
  } else {
    return fileError(path, "tokenizer.ggml.pre '" + pre +
                               "' is not supported (gpt-2, smollm, "
                               "starcoder, refact, codeshell, command-r, "
                               "llama-bpe, llama3, llama-v3, qwen2)");
  }
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
  for (Specials *list : {&specials, &normalizedSpecials})
    std::stable_sort(list->begin(), list->end(),
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
    if (known && nfc)
      known = std::none_of(
          std::begin(kNfcNewerMarks), std::end(kNfcNewerMarks),
          [&](const uint32_t *b) { return c >= b[0] && c <= b[1]; });
    unclassified += known ? 0 : 1;
  }
  size_t n = cps.size();
  if (pretokenizer == Pretokenizer::Llama3 ||
      pretokenizer == Pretokenizer::Qwen2) {
    size_t maxDigits = pretokenizer == Pretokenizer::Llama3 ? 3 : 1;
    for (size_t k = 0; k < n;) {
      size_t m = llama3Match(cps, k, n, maxDigits);
      encodePiece(text.slice(offs[k], offs[m]), out);
      k = m;
    }
    return;
  }
  // Segments: each digit alone when the tokenizer splits them.
  bool splitDigits = pretokenizer == Pretokenizer::Gpt2Digits;
  size_t i = 0;
  while (i < n) {
    size_t end = i;
    if (splitDigits && classOf(cps[i]) == Class::Number) {
      end = i + 1;
    } else {
      while (end < n && !(splitDigits && classOf(cps[end]) == Class::Number))
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

namespace {
/// `text` cut at the leftmost-longest matches of `specials` (longest
/// first): each match's id goes to `out`, the text before, between and
/// after them to `rest`.
void splitSpecials(llvm::StringRef text,
                   const std::vector<std::pair<std::string, int64_t>> &specials,
                   std::vector<int64_t> &out,
                   llvm::function_ref<void(llvm::StringRef)> rest) {
  size_t start = 0;
  for (size_t i = 0; i < text.size() && !specials.empty();) {
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
    rest(text.slice(start, i));
    out.push_back(hit->second);
    i += hit->first.size();
    start = i;
  }
  rest(text.substr(start));
}
} // namespace

void BpeTokenizer::encodeNormalized(llvm::StringRef text,
                                    std::vector<int64_t> &out) {
  std::string normalized;
  if (nfc) {
    normalized = unicode::toNfc(text);
    text = normalized;
  }
  splitSpecials(text, normalizedSpecials, out,
                [&](llvm::StringRef piece) { encodeText(piece, out); });
}

std::vector<int64_t> BpeTokenizer::encode(llvm::StringRef text) {
  // The `tokenizers` library's order: added tokens that are not normalized
  // on the raw text, then the normalizer on each stretch between them (so
  // that nothing composes across such a token), then the normalized ones.
  std::vector<int64_t> out;
  splitSpecials(text, specials, out,
                [&](llvm::StringRef rest) { encodeNormalized(rest, out); });
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
