//===- rotq-eval.cpp - quantized models against their float reference -----===//
//
//   rotq-eval REF.mlir MODEL.mlir... (--input tokens.npy | --sample N |
//             --text FILE --tokenizer TOKENIZER [--seq-len L]
//             [--max-sequences M] [--add-bos])
//             [--pipeline P [--seeds N]] [--summary] [--json]
//
// Runs @forward (default) of every module on the same token sequences on
// the CPU and compares each model's next-token logits with the reference's:
// relative logit error ||L - L_ref|| / ||L_ref||, the mean KL divergence
// KL(p_ref || p) of the next-token distributions, the fraction of positions
// whose top-1 token agrees, and the perplexity of every model (reference
// included) on the sequences. With --sample, the sequence is drawn from
// the reference model itself (temperature 1, seeded), so that perplexity
// measures how well a model predicts text the float model finds likely.
// With --text, the sequences are a text file tokenized with the model's own
// tokenizer (Support/Tokenizer: tokenizer.json or a GGUF file), cut into
// sequences of --seq-len tokens as rotq-tokenize cuts them.
//
// --pipeline adds models made from the reference by a pass pipeline, once
// per seed 1..N of --seeds with "{seed}" in the pipeline text replaced by
// the seed: one rotation draw is not a measurement at small sizes, so the
// mean, min and max over the models (--summary, implied by --seeds > 1)
// are what to compare.
//
//===----------------------------------------------------------------------===//
#include "rotq/Calibration/Passes.h"
#include "rotq/Conversion/Passes.h"
#include "rotq/Materialize/Materialize.h"
#include "rotq/Pipelines/Pipelines.h"
#include "rotq/Transforms/Passes.h"
#include "rotq/Runner/Evaluate.h"
#include "rotq/Runner/Runner.h"
#include "rotq/Support/Npy.h"
#include "rotq/Support/SameFile.h"
#include "rotq/Support/Random.h"
#include "rotq/Support/Tokenizer.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"

#include <array>
#include <cmath>

using namespace llvm;
using namespace rotq;
using namespace rotq::run;

static cl::OptionCategory cat("rotq-eval options");
static cl::list<std::string> files(cl::Positional,
                                   cl::desc("<reference.mlir> <model.mlir>..."),
                                   cl::OneOrMore, cl::cat(cat));
static cl::opt<std::string> entry("e", cl::desc("Function to run"),
                                  cl::init("forward"), cl::cat(cat));
static cl::opt<std::string>
    input("input", cl::desc("Token ids (.npy), [tokens] or [sequences, tokens]"),
          cl::value_desc("tokens.npy"), cl::cat(cat));
static cl::opt<int64_t>
    sample("sample",
           cl::desc("Instead of --input: draw a sequence of N tokens from the "
                    "reference model"),
           cl::init(0), cl::cat(cat));
static cl::opt<int64_t> bos("bos", cl::desc("First token of a sampled sequence"),
                            cl::init(1), cl::cat(cat));
static cl::opt<std::string>
    textFile("text", cl::desc("Instead of --input: a text file (UTF-8), "
                              "tokenized with --tokenizer"),
             cl::value_desc("file"), cl::cat(cat));
static cl::opt<std::string> tokenizerPath(
    "tokenizer",
    cl::desc("The model's tokenizer: tokenizer.json, a checkpoint directory "
             "holding one, or a GGUF file"),
    cl::value_desc("path"), cl::cat(cat));
static cl::opt<int64_t> seqLen("seq-len",
                               cl::desc("--text: tokens per sequence"),
                               cl::init(512), cl::cat(cat));
static cl::opt<int64_t> maxSequences(
    "max-sequences", cl::desc("--text: at most this many sequences (0: all)"),
    cl::init(0), cl::cat(cat));
static cl::opt<bool> addBos(
    "add-bos",
    cl::desc("--text: start each sequence with BOS (--bos when given, else "
             "the tokenizer's)"),
    cl::cat(cat));
static cl::opt<uint64_t> seed("seed", cl::desc("Seed of the sampling"),
                              cl::init(0), cl::cat(cat));
static cl::opt<std::string> saveTokens("save-tokens",
                                       cl::desc("Write the sampled (or the "
                                                "text's) tokens"),
                                       cl::value_desc("tokens.npy"),
                                       cl::cat(cat));
static cl::opt<bool> asJson("json", cl::desc("Print JSON instead of a table"),
                            cl::cat(cat));
static cl::opt<std::string> pipeline(
    "pipeline",
    cl::desc("Also evaluate the reference transformed by this pass pipeline "
             "(e.g. 'rotq-quarot{seed={seed}},rotq-quantize{w-bits=4}'); "
             "{seed} is replaced by each seed of --seeds"),
    cl::value_desc("passes"), cl::cat(cat));
static cl::opt<int64_t> seeds("seeds",
                              cl::desc("With --pipeline: run it for seeds 1..N"),
                              cl::init(1), cl::cat(cat));
static cl::opt<bool> summary(
    "summary",
    cl::desc("Also print the mean, min and max of each metric over the "
             "models (implied by --seeds > 1)"),
    cl::cat(cat));

namespace {
int fail(const Twine &msg) {
  WithColor::error(errs(), "rotq-eval") << msg << "\n";
  return 1;
}

/// --text: the file's tokens cut into sequences (and saved with
/// --save-tokens).
Expected<std::vector<std::vector<int64_t>>>
textSequences(ArrayRef<std::string> inputs) {
  Expected<std::string> t = tok::readUtf8Text(textFile);
  if (!t)
    return t.takeError();
  auto tk = tok::BpeTokenizer::load(tokenizerPath);
  if (!tk)
    return tk.takeError();
  std::optional<int64_t> first;
  if (addBos) {
    first = bos.getNumOccurrences() ? std::optional<int64_t>(bos)
                                    : tk->bosId();
    if (!first)
      return createStringError(inconvertibleErrorCode(),
                               tokenizerPath +
                                   ": no BOS token known; give --bos ID");
  }
  std::vector<int64_t> ids = tk->encode(*t);
  if (tk->unclassifiedChars() > 0)
    WithColor::warning(errs(), "rotq-eval")
        << tk->unclassifiedChars()
        << " characters outside rotq's Unicode tables were pre-tokenized as "
           "punctuation\n";
  auto seqs = tok::toSequences(ids, seqLen, maxSequences, first);
  if (!seqs)
    return createStringError(inconvertibleErrorCode(),
                             textFile + ": " + toString(seqs.takeError()));
  if (!saveTokens.empty())
    if (Error e = npy::write(saveTokens, npy::fromSequences(*seqs), inputs))
      return std::move(e);
  return seqs;
}

/// One compiled model.
struct Model {
  std::string file;
  std::string name; // in the table
  std::unique_ptr<mlir::MLIRContext> ctx;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  Signature sig;
  std::unique_ptr<Compiled> compiled;
};

Expected<Model> load(mlir::DialectRegistry &registry, const std::string &f) {
  Model m;
  m.file = f;
  m.name = sys::path::filename(f).str();
  m.ctx = std::make_unique<mlir::MLIRContext>(registry);
  auto mod = loadModule(*m.ctx, f, entry, m.sig);
  if (!mod)
    return mod.takeError();
  m.module = std::move(*mod);
  if (m.sig.args.size() != 1 || m.sig.args[0].getRank() != 1 ||
      !m.sig.args[0].getElementType().isInteger() ||
      m.sig.results[0].getRank() != 2)
    return createStringError(inconvertibleErrorCode(),
                             f + ": @" + entry +
                                 " must map token ids [S] to logits [S, V]");
  RunOptions opts;
  opts.paramDir = ::rotq::materialize::directoryOf(f);
  auto c = compile(*m.module, entry, m.sig, opts);
  if (!c)
    return c.takeError();
  m.compiled = std::move(*c);
  return std::move(m);
}

/// The reference file transformed by `passes` (a textual pass pipeline on
/// the module), compiled; named after the pipeline.
Expected<Model> transformed(mlir::DialectRegistry &registry,
                            const std::string &ref, const std::string &passes) {
  Model m;
  m.file = passes;
  m.ctx = std::make_unique<mlir::MLIRContext>(registry);
  auto mod = loadModule(*m.ctx, ref, entry, m.sig);
  if (!mod)
    return mod.takeError();
  m.module = std::move(*mod);
  mlir::PassManager pm(m.ctx.get());
  ::rotq::materialize::setDefaultBaseDir(::rotq::materialize::directoryOf(ref));
  std::string err;
  llvm::raw_string_ostream es(err);
  if (mlir::failed(mlir::parsePassPipeline(passes,
                                           pm, es)))
    return createStringError(inconvertibleErrorCode(),
                             "--pipeline '" + passes + "': " + err);
  if (mlir::failed(pm.run(*m.module))) // the passes' errors are printed
    return createStringError(inconvertibleErrorCode(),
                             "--pipeline '" + passes + "' failed on " + ref);
  auto f = m.module->lookupSymbol<mlir::func::FuncOp>(entry);
  if (!f)
    return createStringError(inconvertibleErrorCode(),
                             "--pipeline '" + passes + "' removed @" + entry);
  m.sig = Signature();
  if (Error e = signatureOf(f, m.sig))
    return std::move(e);
  RunOptions opts;
  opts.paramDir = ::rotq::materialize::directoryOf(ref);
  auto c = compile(*m.module, entry, m.sig, opts);
  if (!c)
    return c.takeError();
  m.compiled = std::move(*c);
  return std::move(m);
}

/// Logits [S, V] of `m` on `tokens`.
Expected<npy::Array> logitsOf(Model &m, const std::vector<int64_t> &tokens) {
  return eval::logits(*m.compiled, m.sig, tokens, m.file);
}
} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::rotq::registerRotqTransformsPasses();
  mlir::rotq::registerRotqCalibrationPasses();
  mlir::rotq::registerRotqConversionPasses();
  mlir::rotq::registerRotqPipelines();
  cl::HideUnrelatedOptions(cat);
  cl::ParseCommandLineOptions(argc, argv,
                              "rotq-eval: compare models with a float "
                              "reference on the same tokens\n");
  if (int(!input.empty()) + int(sample > 0) + int(!textFile.empty()) != 1)
    return fail("give token ids with --input, --sample N (N >= 2), or "
                "--text FILE --tokenizer TOKENIZER");
  if (!textFile.empty() && tokenizerPath.empty())
    return fail("--text needs --tokenizer (the model's tokenizer.json or "
                "GGUF file)");
  if (textFile.empty() &&
      (!tokenizerPath.empty() || seqLen.getNumOccurrences() ||
       maxSequences.getNumOccurrences() || addBos))
    return fail("--tokenizer, --seq-len, --max-sequences and --add-bos are "
                "for --text");
  if (maxSequences < 0)
    return fail("--max-sequences must be >= 0");
  if (sample > 0 && sample < 2)
    return fail("--sample needs at least 2 tokens");

  // --save-tokens must never replace a model or the token file.
  std::vector<std::string> inputs(files.begin(), files.end());
  if (!input.empty())
    inputs.push_back(input);
  if (!textFile.empty()) {
    inputs.push_back(textFile);
    inputs.push_back(tokenizerPath);
  }
  if (!saveTokens.empty())
    for (const std::string &in : inputs)
      if (rotq::sameFile(saveTokens, in))
        return fail("refusing to overwrite the input " + in +
                    " with --save-tokens");

  if (seeds < 1)
    return fail("--seeds must be at least 1");
  if (seeds > 1 && pipeline.empty())
    return fail("--seeds needs --pipeline (the seeds are the pipeline's)");
  if (seeds > 1 && pipeline.find("{seed}") == std::string::npos)
    return fail("--seeds " + Twine(seeds.getValue()) +
                ": the pipeline has no {seed} to vary");

  mlir::DialectRegistry registry;
  registerDialects(registry);
  // The models after the reference, in table order: files, then the
  // pipeline's seeds. Each is built, run on every sequence and released
  // before the next, so memory holds the reference, its logits and one
  // model whatever the number of models.
  struct Spec {
    std::string file, passes, name;
  };
  std::vector<Spec> specs;
  for (size_t i = 1; i < files.size(); ++i)
    specs.push_back({files[i], "", sys::path::filename(files[i]).str()});
  for (int64_t s = 1; !pipeline.empty() && s <= seeds; ++s) {
    std::string passes = pipeline;
    for (size_t at; (at = passes.find("{seed}")) != std::string::npos;)
      passes.replace(at, 6, std::to_string(s));
    specs.push_back({"", passes,
                     pipeline.find("{seed}") == std::string::npos
                         ? "pipeline"
                         : "pipeline, seed " + std::to_string(s)});
  }
  // A typo in the pipeline shows before the reference runs.
  if (!pipeline.empty()) {
    mlir::MLIRContext ctx(registry);
    mlir::PassManager pm(&ctx);
    std::string err;
    raw_string_ostream es(err);
    if (mlir::failed(mlir::parsePassPipeline(specs.back().passes, pm, es)))
      return fail("--pipeline '" + specs.back().passes + "': " + err);
  }
  std::vector<std::string> names{sys::path::filename(files[0]).str()};
  std::vector<std::string> labels{files[0]}; // "file" in the JSON
  for (const Spec &s : specs) {
    names.push_back(s.name);
    labels.push_back(s.file.empty() ? s.passes : s.file);
  }
  size_t numModels = names.size();
  bool summarize = (summary || seeds > 1) && numModels > 1;

  // Model files are checked before anything runs.
  for (const std::string &f : files)
    if (!sys::fs::exists(f))
      return fail(f + ": no such file");
  auto reference = load(registry, files[0]);
  if (!reference)
    return fail(toString(reference.takeError()));
  std::vector<std::vector<int64_t>> seqs;
  int64_t vocab = 0;
  if (sample > 0) {
    Random rng(seed);
    std::vector<int64_t> t{bos};
    std::vector<double> lp;
    while (int64_t(t.size()) < sample) {
      auto l = logitsOf(*reference, t);
      if (!l)
        return fail(toString(l.takeError()));
      vocab = l->shape[1];
      std::vector<double> last = eval::toDoubles(*l);
      eval::logSoftmax(&last[(t.size() - 1) * vocab], vocab, lp);
      double u = rng.uniform(), c = 0;
      int64_t next = vocab - 1;
      for (int64_t i = 0; i < vocab; ++i)
        if ((c += std::exp(lp[i])) > u) {
          next = i;
          break;
        }
      t.push_back(next);
    }
    seqs.push_back(t);
    if (!saveTokens.empty()) {
      if (Error e = npy::write(saveTokens, npy::fromInt64(t), inputs))
        return fail(toString(std::move(e)));
    }
  } else {
    if (!textFile.empty()) {
      auto read = textSequences(inputs);
      if (!read)
        return fail(toString(read.takeError()));
      seqs = std::move(*read);
    } else {
      auto read = npy::readTokenSequences(input);
      if (!read)
        return fail(toString(read.takeError()));
      seqs = std::move(*read);
    }
    // All ids are checked before any model runs (imported models would
    // clamp an out-of-range id silently).
    auto results = reference->sig.results;
    int64_t v = results.empty() ? 0 : results[0].getShape().back();
    if (Error e = npy::checkTokenRange(
            seqs, mlir::ShapedType::isDynamic(v) ? 0 : v,
            textFile.empty() ? input : textFile))
      return fail(toString(std::move(e)));
  }

  // The reference's logits on every sequence, as it returns them, spilled
  // to a temporary file: they grow with the text (32 x 512 tokens of a
  // 49152-token vocabulary are 3.2 GB) and are read once per model.
  SmallString<128> spillPath;
  int spillFd;
  if (std::error_code ec =
          sys::fs::createTemporaryFile("rotq-eval-ref", "bin", spillFd,
                                       spillPath))
    return fail("cannot create a temporary file: " + ec.message());
  FileRemover removeSpill(spillPath);
  struct Spilled {
    npy::DType dtype;
    std::vector<int64_t> shape;
    uint64_t offset, size;
  };
  std::vector<Spilled> refLogits;
  std::vector<eval::Metrics> metrics(numModels);
  {
    raw_fd_ostream spill(spillFd, /*shouldClose=*/true);
    uint64_t offset = 0;
    for (const std::vector<int64_t> &t : seqs) {
      auto l = logitsOf(*reference, t);
      if (!l)
        return fail(toString(l.takeError()));
      vocab = l->shape[1];
      std::vector<double> r = eval::toDoubles(*l);
      if (Error e = metrics[0].add(t, r, r, vocab))
        return fail(toString(std::move(e)));
      spill.write(l->data.data(), l->data.size());
      refLogits.push_back({l->dtype, l->shape, offset, l->data.size()});
      offset += l->data.size();
    }
    spill.close();
    if (spill.has_error())
      return fail("writing " + spillPath + ": " + spill.error().message());
  }
  auto spilled = MemoryBuffer::getFile(spillPath, /*IsText=*/false,
                                       /*RequiresNullTerminator=*/false);
  if (!spilled)
    return fail("reading " + spillPath + ": " + spilled.getError().message());
  auto refOf = [&](size_t s) {
    const Spilled &sp = refLogits[s];
    npy::Array a;
    a.dtype = sp.dtype;
    a.shape = sp.shape;
    const char *p = (*spilled)->getBufferStart() + sp.offset;
    a.data.assign(p, p + sp.size);
    return eval::toDoubles(a);
  };
  for (size_t m = 1; m < numModels; ++m) {
    const Spec &spec = specs[m - 1];
    auto model = spec.file.empty() ? transformed(registry, files[0], spec.passes)
                                   : load(registry, spec.file);
    if (!model)
      return fail(toString(model.takeError()));
    for (size_t s = 0; s < seqs.size(); ++s) {
      auto l = logitsOf(*model, seqs[s]);
      if (!l)
        return fail(toString(l.takeError()));
      if (l->shape[1] != vocab)
        return fail(model->file + ": " + Twine(l->shape[1]) +
                    " logits per token, the reference has " + Twine(vocab));
      if (Error e = metrics[m].add(seqs[s], refOf(s), eval::toDoubles(*l),
                                   vocab))
        return fail(toString(std::move(e)));
    }
  }

  auto ppl = [](const eval::Metrics &m) { return m.perplexity(); };
  // Per model (reference excluded): rel. logit error, KL, top-1, perplexity.
  auto values = [&](size_t m) {
    const eval::Metrics &mt = metrics[m];
    return std::array<double, 4>{mt.relLogitError(), mt.meanKL(),
                                 mt.top1Agreement(), mt.perplexity()};
  };
  std::array<double, 4> mean{}, lo, hi;
  lo.fill(INFINITY);
  hi.fill(-INFINITY);
  for (size_t m = 1; m < numModels; ++m)
    for (int k = 0; k < 4; ++k) {
      double v = values(m)[k];
      mean[k] += v / double(numModels - 1);
      lo[k] = std::min(lo[k], v);
      hi[k] = std::max(hi[k], v);
    }
  if (asJson) {
    json::Array rows;
    json::Value reference = nullptr;
    for (size_t m = 0; m < numModels; ++m) {
      const eval::Metrics &mt = metrics[m];
      json::Object row{{"file", labels[m]},
                       {"perplexity", ppl(mt)}};
      if (m > 0) {
        row["rel_logit_error"] = std::sqrt(mt.errSq / mt.refSq);
        row["kl"] = mt.kl / double(mt.positions);
        row["top1_agreement"] = double(mt.agree) / double(mt.positions);
      }
      if (m == 0)
        reference = std::move(row);
      else
        rows.push_back(std::move(row));
    }
    json::Object out{{"positions", metrics[0].positions},
                     {"reference", std::move(reference)},
                     {"models", std::move(rows)}};
    if (summarize) {
      const char *names[] = {"rel_logit_error", "kl", "top1_agreement",
                             "perplexity"};
      json::Object sum{{"models", int64_t(numModels - 1)}};
      for (int k = 0; k < 4; ++k)
        sum[names[k]] = json::Object{
            {"mean", mean[k]}, {"min", lo[k]}, {"max", hi[k]}};
      out["summary"] = std::move(sum);
    }
    outs() << formatv("{0:2}", json::Value(std::move(out))) << "\n";
    return 0;
  }
  size_t width = 10;
  for (const std::string &n : names)
    width = std::max(width, n.size());
  outs() << metrics[0].positions << " positions in " << seqs.size()
         << " sequence(s)"
         << (sample > 0 ? ", sampled from the reference"
             : textFile.empty()
                 ? std::string()
                 : " of " + std::to_string(seqLen.getValue()) +
                       " tokens of " + textFile)
         << "\n";
  outs() << format("%-*s %14s %12s %8s %12s\n", int(width), "model",
                   "rel. logit err", "KL(ref||q)", "top-1", "perplexity");
  for (size_t m = 0; m < numModels; ++m) {
    const eval::Metrics &mt = metrics[m];
    const std::string &name = names[m];
    if (m == 0)
      outs() << format("%-*s %14s %12s %8s %12.3f\n", int(width), name.c_str(),
                       "(reference)", "", "", ppl(mt));
    else
      outs() << format("%-*s %14.4f %12.5f %7.1f%% %12.3f\n", int(width),
                       name.c_str(), std::sqrt(mt.errSq / mt.refSq),
                       mt.kl / double(mt.positions),
                       100.0 * double(mt.agree) / double(mt.positions),
                       ppl(mt));
  }
  if (summarize) {
    const char *rows[] = {"mean", "min", "max"};
    for (int r = 0; r < 3; ++r) {
      const std::array<double, 4> &v = r == 0 ? mean : r == 1 ? lo : hi;
      std::string name = std::string(rows[r]) + " of " +
                         std::to_string(numModels - 1);
      outs() << format("%-*s %14.4f %12.5f %7.1f%% %12.3f\n", int(width),
                       name.c_str(), v[0], v[1], 100.0 * v[2], v[3]);
    }
  }
  return 0;
}
