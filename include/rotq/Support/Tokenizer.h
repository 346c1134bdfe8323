//===- Tokenizer.h - byte-level BPE tokenizers ------------------*- C++ -*-===//
//
// The GPT-2 family of tokenizers (byte-level BPE: GPT-2, SmolLM, StarCoder,
// Llama 3, Qwen2 and the models that reuse them), read from a Hugging Face
// tokenizer.json or from a GGUF file's vocabulary and merges, so that rotq
// can measure perplexity on a text with the model's own tokens:
//
//   * added (special) tokens become their ids: first those that are not
//     `normalized`, found in the text verbatim; the text between them is
//     then normalized (tokenizer.json's NFC normalizer, as Qwen2's has;
//     see UnicodeNfc.h), and the `normalized` ones are found in that, in
//     their normalized form (the `tokenizers` library's order). GGUF
//     tokens match verbatim and are not normalized, as in llama.cpp;
//   * the rest is pre-tokenized as the tokenizer says, by one of
//     - GPT-2's pattern
//       's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|
//       \s+(?!\S)|\s+
//     - GPT-2's pattern after splitting off each digit (HF
//       `Digits(individual_digits)`, llama.cpp's "smollm" pre-tokenizer);
//     - Llama 3's pattern (llama.cpp's "llama-bpe")
//       (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//        ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//     - Qwen2's: Llama 3's with \p{N} (single digits) for \p{N}{1,3}
//       (llama.cpp's "qwen2");
//   * each piece's bytes are mapped to GPT-2's printable byte alphabet and
//     merged pairwise by merge rank (or, with ignore_merges, taken whole
//     when the vocabulary has the piece: Llama 3).
//
// Tokenizers of another kind (SentencePiece, other pre-tokenizer patterns,
// normalizers other than NFC) are errors, never an approximation. The
// Unicode classes of the patterns are exact for the blocks listed in
// Tokenizer.cpp; text with other characters is tokenized with them counted
// as punctuation, and unclassifiedChars() says how many there were (with
// NFC, it also counts the marks of those blocks that the library's NFC
// tables, Unicode 9.0, do not have).
//
//===----------------------------------------------------------------------===//
#ifndef ROTQ_SUPPORT_TOKENIZER_H
#define ROTQ_SUPPORT_TOKENIZER_H

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace rotq::tok {

class BpeTokenizer {
public:
  /// A Hugging Face tokenizer.json (or a checkpoint directory holding one).
  static llvm::Expected<BpeTokenizer> fromHuggingFace(const std::string &path);
  /// The tokenizer.ggml.* metadata of a GGUF file.
  static llvm::Expected<BpeTokenizer> fromGguf(const std::string &path);
  /// fromHuggingFace or fromGguf, by what `path` is.
  static llvm::Expected<BpeTokenizer> load(const std::string &path);

  /// The ids of `text` (UTF-8), without BOS.
  std::vector<int64_t> encode(llvm::StringRef text);

  std::optional<int64_t> bosId() const { return bos; }
  int64_t vocabSize() const { return int64_t(idToToken.size()); }
  /// Characters of the encoded text outside the known Unicode tables.
  int64_t unclassifiedChars() const { return unclassified; }

private:
  /// The pre-tokenizer's pattern (see above).
  enum class Pretokenizer { Gpt2, Gpt2Digits, Llama3, Qwen2 };

  using Specials = std::vector<std::pair<std::string, int64_t>>;

  void sortSpecials();
  void encodePiece(llvm::StringRef piece, std::vector<int64_t> &out);
  void encodeText(llvm::StringRef text, std::vector<int64_t> &out);
  void encodeNormalized(llvm::StringRef text, std::vector<int64_t> &out);

  llvm::StringMap<int64_t> vocab;
  std::vector<std::string> idToToken;
  llvm::StringMap<int64_t> mergeRank; // "a b" -> rank
  Specials specials; // matched on the raw text, longest first
  // Added tokens with `normalized`, in their normalized form, matched on
  // the normalized text; longest first.
  Specials normalizedSpecials;
  bool nfc = false; // tokenizer.json's normalizer is NFC
  Pretokenizer pretokenizer = Pretokenizer::Gpt2;
  bool ignoreMerges = false;
  std::optional<int64_t> bos;
  std::optional<int64_t> unk;
  int64_t unclassified = 0;
  llvm::StringMap<std::vector<int64_t>> cache;
};

/// The text of `path`; an error naming the first byte that is not UTF-8
/// (byte-level BPE of other bytes would not give the model's tokens).
llvm::Expected<std::string> readUtf8Text(const std::string &path);

/// `ids` (a whole text) cut into sequences of `seqLen` tokens for
/// perplexity: with `bos`, it is the first token of every sequence and
/// seqLen - 1 text tokens follow; a last partial sequence is dropped; at
/// most `maxSequences` (0: all). An error when not one sequence fits.
llvm::Expected<std::vector<std::vector<int64_t>>>
toSequences(const std::vector<int64_t> &ids, int64_t seqLen,
            int64_t maxSequences, std::optional<int64_t> bos);

} // namespace rotq::tok

#endif
