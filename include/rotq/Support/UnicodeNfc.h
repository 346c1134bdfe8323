//===- UnicodeNfc.h - Unicode normalization form C --------------*- C++ -*-===//
//
// Unicode's NFC (UAX #15): canonical decomposition, canonical ordering of
// combining marks, canonical composition, Hangul syllables algorithmically,
// with tables generated from Python's unicodedata (UnicodeNfcTables.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_SUPPORT_UNICODENFC_H
#define ROTQ_SUPPORT_UNICODENFC_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace rotq::unicode {

/// The NFC form of UTF-8 `text`. A byte that is not part of a UTF-8
/// character is kept as it is, as a starter that composes with nothing.
std::string toNfc(llvm::StringRef text);

/// The code point of the well-formed UTF-8 sequence at [p, end), and its
/// length in bytes; 0 when the bytes there are not one.
unsigned decodeUtf8(const char *p, const char *end, uint32_t &cp);

/// The canonical combining class of code point `c`.
uint8_t canonicalCombiningClass(uint32_t c);

/// The Unicode version of the tables ("14.0.0").
llvm::StringRef nfcUnicodeVersion();

} // namespace rotq::unicode

#endif
