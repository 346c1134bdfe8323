// Bad checkpoints get one clear line naming the file and the problem.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %inputs/write_checkpoint.py %inputs/models/llama-bias.json %t/good
//
// Truncated weights file.
// RUN: cp -r %t/good %t/trunc && %python -c "import os; p='%t/trunc/model.safetensors'; os.truncate(p, os.path.getsize(p) - 100)"
// RUN: not rotq-import %t/trunc -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=TRUNC
// TRUNC: error: {{.*}}trunc/model.safetensors: tensor '{{.*}}' has data_offsets outside the file's {{[0-9]+}} data bytes (truncated file?)
//
// Garbage header.
// RUN: mkdir -p %t/garbage && cp %t/good/config.json %t/garbage/ && %python -c "open('%t/garbage/model.safetensors','wb').write(b'\x10\x00\x00\x00\x00\x00\x00\x00{not json at all')"
// RUN: not rotq-import %t/garbage -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=GARBAGE
// GARBAGE: error: {{.*}}garbage/model.safetensors: malformed JSON header
//
// Header length larger than the file.
// RUN: mkdir -p %t/long && cp %t/good/config.json %t/long/ && %python -c "open('%t/long/model.safetensors','wb').write(b'\xff\xff\xff\x00\x00\x00\x00\x00{}')"
// RUN: not rotq-import %t/long -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=LONG
// LONG: error: {{.*}}long/model.safetensors: header length {{[0-9]+}} exceeds the file size 10
//
// Config and weights disagree on a shape.
// RUN: cp -r %t/good %t/shape && %python -c "import json; p='%t/shape/config.json'; c=json.load(open(p)); c['intermediate_size']=64; json.dump(c, open(p,'w'))"
// RUN: not rotq-import %t/shape -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: error: {{.*}}shape/model.safetensors: tensor 'model.layers.0.mlp.{{down|gate|up}}_proj.weight' has shape [{{[0-9x]+}}], the config implies [{{[0-9x]+}}]
//
// A missing tensor.
// RUN: mkdir -p %t/missing && cp %t/good/config.json %t/missing/ && %python -c "import sys; sys.path.insert(0, '%inputs'); import hf_model; w = hf_model.read_safetensors('%t/good/model.safetensors'); del w['model.norm.weight']; hf_model.write_safetensors('%t/missing/model.safetensors', w)"
// RUN: not rotq-import %t/missing -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: {{.*}}missing: tensor 'model.norm.weight' is missing from the checkpoint
//
// An unsupported dtype and an unexpected tensor.
// RUN: mkdir -p %t/i8 && cp %t/good/config.json %t/i8/ && %python -c "h=b'{\"model.norm.weight\":{\"dtype\":\"I8\",\"shape\":[48],\"data_offsets\":[0,48]}}   '; open('%t/i8/model.safetensors','wb').write(len(h).to_bytes(8,'little') + h + bytes(48))"
// RUN: not rotq-import %t/i8 -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: error: {{.*}}i8/model.safetensors: tensor 'model.norm.weight' is I8; model weights must be F32, F16, BF16 or F64
// RUN: cp -r %t/good %t/extra && %python -c "import sys; sys.path.insert(0, '%inputs'); import hf_model, numpy as np; hf_model.write_safetensors('%t/extra/more.safetensors', {'model.layers.7.mlp.up_proj.weight': np.zeros((2,2))})"
// RUN: not rotq-import %t/extra -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=EXTRA
// EXTRA: error: {{.*}}extra/more.safetensors: unexpected tensor 'model.layers.7.mlp.up_proj.weight' for a LlamaForCausalLM with this config
//
// Unsupported configs.
// RUN: mkdir -p %t/gpt2 && %python -c "import json; json.dump({'architectures': ['GPT2LMHeadModel']}, open('%t/gpt2/config.json','w'))" && cp %t/good/model.safetensors %t/gpt2/
// RUN: not rotq-import %t/gpt2 -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=ARCH
// ARCH: error: {{.*}}gpt2/config.json: unsupported architecture 'GPT2LMHeadModel' (supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM)
// Rope settings rotq does not implement are errors naming the key.
// RUN: cp -r %t/good %t/rope && %python -c "import json; p='%t/rope/config.json'; c=json.load(open(p)); c['rope_parameters']={'rope_type': 'longrope', 'rope_theta': 1e4}; json.dump(c, open(p,'w'))"
// RUN: not rotq-import %t/rope -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=ROPE
// ROPE: error: {{.*}}rope/config.json: rope_parameters.rope_type: unsupported rope type 'longrope' (supported: default, linear, dynamic, yarn, llama3)
// RUN: cp -r %t/good %t/ropekey && %python -c "import json; p='%t/ropekey/config.json'; c=json.load(open(p)); c['rope_scaling']={'type': 'linear', 'factor': 2.0, 'mrope_section': [1, 2]}; json.dump(c, open(p,'w'))"
// RUN: not rotq-import %t/ropekey -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=ROPEKEY
// ROPEKEY: error: {{.*}}ropekey/config.json: rope_scaling.mrope_section: not supported for rope type 'linear'
// RUN: cp -r %t/good %t/ropefac && %python -c "import json; p='%t/ropefac/config.json'; c=json.load(open(p)); c['rope_parameters']={'rope_type': 'llama3', 'rope_theta': 5e5, 'factor': 8.0}; json.dump(c, open(p,'w'))"
// RUN: not rotq-import %t/ropefac -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=ROPEFAC
// ROPEFAC: error: {{.*}}ropefac/config.json: rope_parameters."low_freq_factor" is required for rope type 'llama3'
// RUN: cp -r %t/good %t/partial && %python -c "import json; p='%t/partial/config.json'; c=json.load(open(p)); c['partial_rotary_factor']=0.5; json.dump(c, open(p,'w'))"
// RUN: not rotq-import %t/partial -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=PARTIAL
// PARTIAL: error: {{.*}}partial/config.json: partial_rotary_factor: only 1.0 is supported (got 0.5)
// RUN: cp -r %t/good %t/layers && %python -c "import json; p='%t/layers/config.json'; c=json.load(open(p)); c['layer_types']=['full_attention', 'sliding_attention']; json.dump(c, open(p,'w'))"
// RUN: not rotq-import %t/layers -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=LAYERS
// LAYERS: error: {{.*}}layers/config.json: layer_types: only full_attention layers are supported (sliding-window layers are not)
// RUN: cp -r %t/good %t/gqa && %python -c "import json; p='%t/gqa/config.json'; c=json.load(open(p)); c['num_key_value_heads']=2; json.dump(c, open(p,'w'))"
// RUN: not rotq-import %t/gqa -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=GQA
// GQA: error: {{.*}}gqa/config.json: num_attention_heads 3 is not a multiple of num_key_value_heads 2
// A size written as a float as large as 2^63 is refused, not converted.
// RUN: cp -r %t/good %t/huge && %python -c "import json; p='%t/huge/config.json'; c=json.load(open(p)); c['vocab_size']=0; s=json.dumps(c).replace('\"vocab_size\": 0', '\"vocab_size\": 9223372036854775808.0'); open(p,'w').write(s)"
// RUN: not rotq-import %t/huge -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=HUGE
// HUGE: error: {{.*}}huge/config.json: "vocab_size" must be a positive integer
// RUN: mkdir -p %t/badjson && echo '{"architectures": [' > %t/badjson/config.json
// RUN: not rotq-import %t/badjson -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=JSON
// JSON: error: {{.*}}badjson/config.json: malformed JSON
// RUN: mkdir -p %t/deep && cp %t/good/model.safetensors %t/deep/ && %python -c "open('%t/deep/config.json','w').write('{\"a\":' + '[' * 60000 + ']' * 60000 + '}')"
// RUN: not rotq-import %t/deep -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=DEEP
// DEEP: error: {{.*}}deep/config.json: malformed {{JSON}}: nested deeper than 64 levels
// RUN: mkdir -p %t/empty && cp %t/good/config.json %t/empty/
// RUN: not rotq-import %t/empty -o %t/x.mlir 2>&1 | FileCheck %s --check-prefix=EMPTY
// EMPTY: error: {{.*}}empty: no *.safetensors files in this directory
//
// The importer never writes over its inputs.
// RUN: not rotq-import %t/good -o %t/good/config.json 2>&1 | FileCheck %s --check-prefix=OVERWRITE
// OVERWRITE: error: {{.*}}good/config.json: refusing to overwrite the input {{.*}}good/config.json
//
// Non-finite weights import with a warning naming the tensor.
// RUN: mkdir -p %t/nan && cp %t/good/config.json %t/nan/ && %python -c "import sys; sys.path.insert(0, '%inputs'); import hf_model, numpy as np; w = hf_model.read_safetensors('%t/good/model.safetensors'); w['model.norm.weight'][1] = np.inf; w['model.norm.weight'][2] = np.nan; hf_model.write_safetensors('%t/nan/model.safetensors', w)"
// RUN: rotq-import %t/nan -o %t/nan.mlir 2>&1 | FileCheck %s --check-prefix=NAN
// NAN: warning: tensor 'model.norm.weight' holds 2 non-finite value(s) (NaN or Inf)
