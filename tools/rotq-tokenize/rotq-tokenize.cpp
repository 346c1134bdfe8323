//===- rotq-tokenize.cpp - text to token ids with a model's tokenizer -----===//
//
//   rotq-tokenize TOKENIZER TEXT -o tokens.npy [--seq-len N]
//                 [--max-sequences M] [--bos | --bos-id ID]
//
// TOKENIZER is a Hugging Face tokenizer.json (or a checkpoint directory
// holding one) or a GGUF model (its tokenizer.ggml.* metadata). Without
// --seq-len the ids of the whole text are written as one sequence;
// with it, the text is cut into sequences of N tokens ([M, N] int64, as
// rotq-eval and rotq-run --input read them), each starting with BOS when
// --bos is given.
//
//===----------------------------------------------------------------------===//
#include "rotq/Support/Npy.h"
#include "rotq/Support/Tokenizer.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"


namespace cl = llvm::cl;

static cl::OptionCategory toolOptions("rotq-tokenize options");

static cl::opt<std::string> tokenizerPath(cl::cat(toolOptions), cl::Positional, cl::Required,
                                          cl::desc("<tokenizer.json | GGUF>"));
static cl::opt<std::string> textPath(cl::cat(toolOptions), cl::Positional, cl::Required,
                                     cl::desc("<text file>"));
static cl::opt<std::string> outputPath(cl::cat(toolOptions), "o", cl::Required,
                                       cl::desc("token ids (.npy)"),
                                       cl::value_desc("path"));
static cl::opt<int64_t> seqLen(cl::cat(toolOptions), "seq-len",
                               cl::desc("Tokens per sequence (0: one sequence "
                                        "of the whole text)"),
                               cl::init(0));
static cl::opt<int64_t> maxSequences(cl::cat(toolOptions), "max-sequences",
                                     cl::desc("At most this many sequences "
                                              "(0: all)"),
                                     cl::init(0));
static cl::opt<bool> bos(cl::cat(toolOptions), "bos", cl::desc("Start each sequence with the "
                                         "tokenizer's BOS token"),
                         cl::init(false));
static cl::opt<int64_t> bosId(cl::cat(toolOptions), "bos-id",
                              cl::desc("Start each sequence with this id"),
                              cl::init(-1));

static int error(const llvm::Twine &msg) {
  llvm::WithColor::error(llvm::errs(), "rotq-tokenize") << msg << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(argc, argv,
                              "rotq-tokenize: text to token ids with a "
                              "model's byte-level BPE tokenizer\n");
  if (seqLen < 0 || maxSequences < 0)
    return error("--seq-len and --max-sequences must be >= 0");
  if (seqLen == 0 && maxSequences > 0)
    return error("--max-sequences needs --seq-len");
  llvm::Expected<std::string> t = rotq::tok::readUtf8Text(textPath);
  if (!t)
    return error(llvm::toString(t.takeError()));
  llvm::Expected<rotq::tok::BpeTokenizer> tk =
      rotq::tok::BpeTokenizer::load(tokenizerPath);
  if (!tk)
    return error(llvm::toString(tk.takeError()));
  std::optional<int64_t> first;
  if (bosId >= 0)
    first = bosId;
  else if (bos) {
    first = tk->bosId();
    if (!first)
      return error(tokenizerPath + ": no BOS token known; give --bos-id");
  }
  std::vector<int64_t> ids = tk->encode(*t);
  if (tk->unclassifiedChars() > 0)
    llvm::WithColor::warning(llvm::errs(), "rotq-tokenize")
        << tk->unclassifiedChars()
        << " characters outside rotq's Unicode tables were pre-tokenized as "
           "punctuation; the model's own tokenizer may split them "
           "differently\n";
  rotq::npy::Array out;
  int64_t n = 0;
  if (seqLen == 0) {
    if (first)
      ids.insert(ids.begin(), *first);
    out = rotq::npy::fromInt64(ids);
    n = 1;
  } else {
    auto seqs = rotq::tok::toSequences(ids, seqLen, maxSequences, first);
    if (!seqs)
      return error(textPath + ": " + llvm::toString(seqs.takeError()));
    n = int64_t(seqs->size());
    out = rotq::npy::fromSequences(*seqs);
  }
  if (llvm::Error e = rotq::npy::write(outputPath, out,
                                       {std::string(tokenizerPath),
                                        std::string(textPath)}))
    return error(llvm::toString(std::move(e)));
  llvm::errs() << "rotq-tokenize: " << ids.size() << " tokens of " << textPath
               << " -> " << n << " sequence(s)"
               << (seqLen ? " of " + std::to_string(seqLen.getValue()) : "")
               << "\n";
  return 0;
}
