//===- UnicodeNfc.cpp - Unicode normalization form C ----------------------===//
#include "rotq/Support/UnicodeNfc.h"
#include "UnicodeNfcTables.h"

#include "llvm/Support/ConvertUTF.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

using namespace rotq;
using namespace rotq::unicode::nfc_tables;

namespace {

// Hangul syllables (Unicode ch. 3.12, Conjoining Jamo Behavior).
constexpr uint32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161,
                   kTBase = 0x11A7;
constexpr uint32_t kLCount = 19, kVCount = 21, kTCount = 28,
                   kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

/// A byte that is not UTF-8 travels as kRawByte + byte: above every code
/// point, so that it neither decomposes nor composes.
constexpr uint32_t kRawByte = 0x110000;

/// Below U+00C0 nothing decomposes, below U+0300 every class is 0.
constexpr uint32_t kFirstDecomposable = 0xC0, kFirstNonStarter = 0x300;

const Decomposition *findDecomposition(uint32_t c) {
  if (c < kFirstDecomposable)
    return nullptr;
  const Decomposition *end = kDecomposition + kDecompositionSize;
  const Decomposition *d =
      std::lower_bound(kDecomposition, end, c,
                       [](const Decomposition &x, uint32_t v) { return x.cp < v; });
  return d != end && d->cp == c ? d : nullptr;
}

void decompose(uint32_t c, std::vector<uint32_t> &out) {
  if (c - kSBase < kSCount) {
    uint32_t s = c - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount)
      out.push_back(kTBase + s % kTCount);
    return;
  }
  if (const Decomposition *d = findDecomposition(c)) {
    decompose(d->first, out);
    if (d->second)
      decompose(d->second, out);
    return;
  }
  out.push_back(c);
}

/// The primary composites by (first, second): every pair mapping that is
/// not excluded.
struct Compositions {
  std::vector<std::pair<uint64_t, uint32_t>> pairs; // sorted by key
  uint32_t minSecond = UINT32_MAX;

  static uint64_t key(uint32_t a, uint32_t b) { return uint64_t(a) << 21 | b; }

  Compositions() {
    const uint32_t *exBegin = kCompositionExclusion,
                   *exEnd = kCompositionExclusion + kCompositionExclusionSize;
    for (size_t i = 0; i < kDecompositionSize; ++i) {
      const Decomposition &d = kDecomposition[i];
      if (!d.second || std::binary_search(exBegin, exEnd, d.cp))
        continue;
      pairs.push_back({key(d.first, d.second), d.cp});
      minSecond = std::min(minSecond, d.second);
    }
    std::sort(pairs.begin(), pairs.end());
  }

  std::optional<uint32_t> compose(uint32_t a, uint32_t b) const {
    if (a - kLBase < kLCount && b - kVBase < kVCount)
      return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
    // An LV syllable and a trailing consonant (U+11A8..U+11C2; U+11A7 is
    // no consonant).
    if (a - kSBase < kSCount && (a - kSBase) % kTCount == 0 &&
        b - kTBase - 1 < kTCount - 1)
      return a + (b - kTBase);
    if (b < minSecond || a >= kRawByte || b >= kRawByte)
      return std::nullopt;
    uint64_t k = key(a, b);
    auto it = std::lower_bound(
        pairs.begin(), pairs.end(), k,
        [](const std::pair<uint64_t, uint32_t> &p, uint64_t v) {
          return p.first < v;
        });
    if (it != pairs.end() && it->first == k)
      return it->second;
    return std::nullopt;
  }
};

const Compositions &compositions() {
  static const Compositions table;
  return table;
}

} // namespace

uint8_t unicode::canonicalCombiningClass(uint32_t c) {
  if (c < kFirstNonStarter || c >= kRawByte)
    return 0;
  const CombiningRun *end = kCombiningClass + kCombiningClassSize;
  const CombiningRun *r = std::upper_bound(
      kCombiningClass, end, c,
      [](uint32_t v, const CombiningRun &run) { return v < run.first; });
  return r != kCombiningClass && c <= r[-1].last ? r[-1].ccc : 0;
}

llvm::StringRef unicode::nfcUnicodeVersion() { return kUnicodeVersion; }

unsigned unicode::decodeUtf8(const char *p, const char *end, uint32_t &cp) {
  unsigned len = llvm::getNumBytesForUTF8(uint8_t(*p));
  llvm::UTF32 out;
  const llvm::UTF8 *src = reinterpret_cast<const llvm::UTF8 *>(p);
  llvm::UTF32 *dst = &out;
  if (len > size_t(end - p) ||
      llvm::ConvertUTF8toUTF32(&src, src + len, &dst, dst + 1,
                               llvm::strictConversion) != llvm::conversionOK)
    return 0;
  cp = out;
  return len;
}

std::string unicode::toNfc(llvm::StringRef text) {
  // ASCII is its own NFC (and by far the most common text).
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return uint8_t(c) < 0x80; }))
    return text.str();

  // Canonical decomposition.
  std::vector<uint32_t> cps;
  cps.reserve(text.size());
  for (const char *p = text.begin(), *e = text.end(); p < e;) {
    uint32_t cp;
    if (unsigned len = unicode::decodeUtf8(p, e, cp)) {
      decompose(cp, cps);
      p += len;
    } else {
      cps.push_back(kRawByte + uint8_t(*p));
      ++p;
    }
  }

  // Canonical ordering: each run of non-starters, stably by class.
  std::vector<uint8_t> cls(cps.size());
  for (size_t i = 0; i < cps.size(); ++i)
    cls[i] = unicode::canonicalCombiningClass(cps[i]);
  std::vector<std::pair<uint8_t, uint32_t>> run;
  for (size_t i = 0; i < cps.size();) {
    if (cls[i] == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < cps.size() && cls[j] != 0)
      ++j;
    if (j - i > 1) {
      run.clear();
      for (size_t k = i; k < j; ++k)
        run.push_back({cls[k], cps[k]});
      std::stable_sort(run.begin(), run.end(),
                       [](const auto &a, const auto &b) {
                         return a.first < b.first;
                       });
      for (size_t k = i; k < j; ++k) {
        cls[k] = run[k - i].first;
        cps[k] = run[k - i].second;
      }
    }
    i = j;
  }

  // Canonical composition: each character joins the last starter when
  // nothing between them blocks it (a starter, or a mark of the same or a
  // higher class).
  const Compositions &comp = compositions();
  size_t out = 0;
  std::optional<size_t> starter;
  uint8_t lastClass = 0; // of cps[out - 1]
  for (size_t i = 0; i < cps.size(); ++i) {
    uint32_t c = cps[i];
    uint8_t cc = cls[i];
    if (starter) {
      bool adjacent = *starter + 1 == out;
      if (adjacent || (lastClass != 0 && lastClass < cc)) {
        if (std::optional<uint32_t> r = comp.compose(cps[*starter], c)) {
          cps[*starter] = *r;
          continue;
        }
      }
    }
    if (cc == 0)
      starter = out;
    lastClass = cc;
    cps[out++] = c;
  }
  cps.resize(out);

  std::string result;
  result.reserve(text.size());
  for (uint32_t c : cps) {
    if (c >= kRawByte) {
      result.push_back(char(c - kRawByte));
      continue;
    }
    char buf[UNI_MAX_UTF8_BYTES_PER_CODE_POINT];
    char *p = buf;
    llvm::ConvertCodePointToUTF8(c, p);
    result.append(buf, p);
  }
  return result;
}
