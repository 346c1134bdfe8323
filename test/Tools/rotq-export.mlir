// rotq-export: a QuaRot model with every transform fused is a plain Hugging
// Face checkpoint: transformers' logits on the export equal rotq's on the
// original (the rotation is exact). With online Hadamards (QuaRot's
// defaults) or quantization it refuses, writing nothing, and --online lists
// what a runtime would have to apply.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-import --synthesize %inputs/models/qwen2-tied.json --seed 3 --outliers realistic -o %t/ck
// RUN: rotq-import %t/ck -o %t/float.mlir
// RUN: rotq-opt %t/float.mlir --rotq-quarot="seed=2 online-ffn=false online-attn-output=false online-qk=false" -mlir-print-debuginfo -o %t/fused.mlir
// RUN: rotq-export %t/fused.mlir --online | FileCheck %s --check-prefix=NONE
// NONE: "count": 0
// RUN: rotq-export %t/fused.mlir --config %t/ck/config.json -o %t/hf 2>&1 | FileCheck %s --check-prefix=OK
// OK: rotq-export: {{[0-9]+}} tensors
// RUN: %python %S/Inputs/check_export.py %t/ck %t/hf | FileCheck %s --check-prefix=SAME-LOGITS
// SAME-LOGITS: OK
//
// RUN: rotq-opt %t/float.mlir --rotq-quarot=seed=2 -mlir-print-debuginfo -o %t/online.mlir
// RUN: not rotq-export %t/online.mlir --config %t/ck/config.json -o %t/hf2 2>&1 | FileCheck %s --check-prefix=ONLINE
// ONLINE: error: @forward applies {{[0-9]+}} online operation(s) (rotq.hadamard, first in model.layers.0
// RUN: test ! -e %t/hf2/config.json && test ! -e %t/hf2/model.safetensors
// RUN: rotq-export %t/online.mlir --online -o %t/online.json
// RUN: FileCheck %s --check-prefix=LIST < %t/online.json
// LIST: "input_of": "model.layers.0.mlp.down_proj"
// LIST: "op": "rotq.hadamard"
//
// Without the importer's locations the weights have no names.
// RUN: rotq-opt %t/float.mlir --rotq-raise-model -o %t/noloc.mlir
// RUN: not rotq-export %t/noloc.mlir --config %t/ck/config.json -o %t/hf3 2>&1 | FileCheck %s --check-prefix=NOLOC
// NOLOC: has no module name
// RUN: not rotq-export %t/fused.mlir -o %t/hf4 2>&1 | FileCheck %s --check-prefix=NOCFG
// NOCFG: error: give the source model's --config
// The export never writes over what it reads.
// RUN: not rotq-export %t/fused.mlir --config %t/ck/config.json -o %t/ck 2>&1 | FileCheck %s --check-prefix=SAME
// SAME: error:
