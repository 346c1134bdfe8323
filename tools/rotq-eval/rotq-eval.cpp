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

/// Logits [S, V] of `m` on `tokens`, in float64.
Expected<std::vector<double>> logits(Model &m, const std::vector<int64_t> &tokens,
                                     int64_t &vocab) {
  auto in = prepareInput(m.sig, 0, npy::fromInt64(tokens), m.file);
  if (!in)
    return in.takeError();
  auto out = m.compiled->run({*in});
  if (!out)
    return out.takeError();
  const npy::Array &r = (*out)[0].array;
  if (!r.isFloat())
    return createStringError(inconvertibleErrorCode(),
                             m.file + ": logits must be f16, f32 or f64");
  vocab = r.shape[1];
  std::vector<double> v(r.numElements());
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = r.getDouble(i);
  return v;
}

/// log softmax of one row.
void logSoftmax(const double *x, int64_t n, std::vector<double> &out) {
  double mx = -INFINITY;
  for (int64_t i = 0; i < n; ++i)
    mx = std::max(mx, x[i]);
  double s = 0;
  for (int64_t i = 0; i < n; ++i)
    s += std::exp(x[i] - mx);
  double lse = mx + std::log(s);
  out.resize(n);
  for (int64_t i = 0; i < n; ++i)
    out[i] = x[i] - lse;
}

struct Metrics {
  double errSq = 0, refSq = 0, kl = 0, nll = 0;
  int64_t positions = 0, agree = 0, predicted = 0;
};
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
  std::vector<Model> models;
  for (const std::string &f : files) {
    auto m = load(registry, f);
    if (!m)
      return fail(toString(m.takeError()));
    models.push_back(std::move(*m));
  }
  for (int64_t s = 1; !pipeline.empty() && s <= seeds; ++s) {
    std::string passes = pipeline;
    for (size_t at; (at = passes.find("{seed}")) != std::string::npos;)
      passes.replace(at, 6, std::to_string(s));
    auto m = transformed(registry, files[0], passes);
    if (!m)
      return fail(toString(m.takeError()));
    m->name = pipeline.find("{seed}") == std::string::npos
                  ? "pipeline"
                  : "pipeline, seed " + std::to_string(s);
    models.push_back(std::move(*m));
  }
  bool summarize = (summary || seeds > 1) && models.size() > 1;

  std::vector<std::vector<int64_t>> seqs;
  int64_t vocab = 0;
  if (sample > 0) {
    Random rng(seed);
    std::vector<int64_t> t{bos};
    std::vector<double> lp;
    while (int64_t(t.size()) < sample) {
      auto l = logits(models[0], t, vocab);
      if (!l)
        return fail(toString(l.takeError()));
      logSoftmax(&(*l)[(t.size() - 1) * vocab], vocab, lp);
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
    auto results = models[0].sig.results;
    int64_t v = results.empty() ? 0 : results[0].getShape().back();
    if (Error e = npy::checkTokenRange(
            seqs, mlir::ShapedType::isDynamic(v) ? 0 : v,
            textFile.empty() ? input : textFile))
      return fail(toString(std::move(e)));
  }

  std::vector<Metrics> metrics(models.size());
  std::vector<double> lpRef, lp;
  for (const std::vector<int64_t> &t : seqs) {
    std::vector<std::vector<double>> l;
    for (Model &m : models) {
      int64_t v = 0;
      auto r = logits(m, t, v);
      if (!r)
        return fail(toString(r.takeError()));
      if (vocab && v != vocab)
        return fail(m.file + ": " + Twine(v) + " logits per token, the "
                    "reference has " + Twine(vocab));
      vocab = v;
      l.push_back(std::move(*r));
    }
    int64_t n = int64_t(t.size());
    for (int64_t p = 0; p < n; ++p) {
      const double *ref = &l[0][p * vocab];
      logSoftmax(ref, vocab, lpRef);
      int64_t topRef = std::max_element(ref, ref + vocab) - ref;
      for (size_t m = 0; m < models.size(); ++m) {
        Metrics &mt = metrics[m];
        const double *x = &l[m][p * vocab];
        logSoftmax(x, vocab, lp);
        double kl = 0;
        for (int64_t i = 0; i < vocab; ++i) {
          mt.errSq += (x[i] - ref[i]) * (x[i] - ref[i]);
          mt.refSq += ref[i] * ref[i];
          kl += std::exp(lpRef[i]) * (lpRef[i] - lp[i]);
        }
        mt.kl += kl;
        mt.positions += 1;
        mt.agree += (std::max_element(x, x + vocab) - x) == topRef;
        if (p + 1 < n) {
          int64_t next = t[p + 1];
          if (next < 0 || next >= vocab)
            return fail("token id " + Twine(next) + " is outside the " +
                        Twine(vocab) + "-token vocabulary");
          mt.nll -= lp[next];
          mt.predicted += 1;
        }
      }
    }
  }

  auto ppl = [](const Metrics &m) {
    return m.predicted ? std::exp(m.nll / double(m.predicted)) : NAN;
  };
  // Per model (reference excluded): rel. logit error, KL, top-1, perplexity.
  auto values = [&](size_t m) {
    const Metrics &mt = metrics[m];
    return std::array<double, 4>{std::sqrt(mt.errSq / mt.refSq),
                                 mt.kl / double(mt.positions),
                                 double(mt.agree) / double(mt.positions),
                                 ppl(mt)};
  };
  std::array<double, 4> mean{}, lo, hi;
  lo.fill(INFINITY);
  hi.fill(-INFINITY);
  for (size_t m = 1; m < models.size(); ++m)
    for (int k = 0; k < 4; ++k) {
      double v = values(m)[k];
      mean[k] += v / double(models.size() - 1);
      lo[k] = std::min(lo[k], v);
      hi[k] = std::max(hi[k], v);
    }
  if (asJson) {
    json::Array rows;
    json::Value reference = nullptr;
    for (size_t m = 0; m < models.size(); ++m) {
      const Metrics &mt = metrics[m];
      json::Object row{{"file", models[m].file},
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
      json::Object sum{{"models", int64_t(models.size() - 1)}};
      for (int k = 0; k < 4; ++k)
        sum[names[k]] = json::Object{
            {"mean", mean[k]}, {"min", lo[k]}, {"max", hi[k]}};
      out["summary"] = std::move(sum);
    }
    outs() << formatv("{0:2}", json::Value(std::move(out))) << "\n";
    return 0;
  }
  size_t width = 10;
  for (const Model &m : models)
    width = std::max(width, m.name.size());
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
  for (size_t m = 0; m < models.size(); ++m) {
    const Metrics &mt = metrics[m];
    const std::string &name = models[m].name;
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
                         std::to_string(models.size() - 1);
      outs() << format("%-*s %14.4f %12.5f %7.1f%% %12.3f\n", int(width),
                       name.c_str(), v[0], v[1], 100.0 * v[2], v[3]);
    }
  }
  return 0;
}
