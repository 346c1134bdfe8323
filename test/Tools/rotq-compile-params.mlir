// A CPU library from rotq-compile reads the model's checkpoint tensors from
// their file at run time (listed in rotq_params_FUNC, mapped by
// rotq_lib.py) instead of carrying them: it is smaller than the weights,
// and from Python it gives rotq-run's logits; --inline-params embeds them
// (the library then outgrows the weights) with the same logits.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-import --synthesize %inputs/models/mistral-gqa.json --seed 4 -o %t/ck
// RUN: rotq-import %t/ck -o %t/model.mlir
// RUN: %python %inputs/tokens.py %t/tok.npy 7 300 2
// RUN: rotq-compile %t/model.mlir -e forward -o %t/bound.so
// RUN: rotq-compile %t/model.mlir -e forward -o %t/inline.so --inline-params
// RUN: %python %rotq_lib %t/bound.so forward --input %t/tok.npy --output %t/lib.npy
// RUN: %python %rotq_lib %t/inline.so forward --input %t/tok.npy --output %t/lib-inline.npy
// RUN: rotq-run %t/model.mlir -e forward --input %t/tok.npy --output %t/run.npy
// RUN: %python %inputs/compare.py %t/lib.npy %t/run.npy 1e-5
// RUN: %python %inputs/compare.py %t/lib.npy %t/lib-inline.npy 1e-5
// RUN: %python -c "import os, sys; w = os.path.getsize(sys.argv[1]); b = os.path.getsize(sys.argv[2]); i = os.path.getsize(sys.argv[3]); print('smaller' if b < w < i else (w, b, i))" %t/ck/model.safetensors %t/bound.so %t/inline.so | FileCheck %s
// RUN: %python -c "import sys; sys.path.insert(0, '%S/../../python'); import rotq_lib; \
// RUN:   l = rotq_lib.Library('%t/bound.so', 'forward'); print(len(l.params), l.params[0].dtype)" | FileCheck %s --check-prefix=PARAMS
// CHECK: smaller
// PARAMS: {{[1-9][0-9]*}} uint16
