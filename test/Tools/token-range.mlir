// One rule for token ids in every tool: an id outside the model's
// vocabulary is an error naming the file and the position, before anything
// runs (imported models would otherwise clamp it to a valid row silently).
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-import --synthesize %inputs/models/llama-mha.json --seed 1 -o %t/ck
// RUN: rotq-import %t/ck -o %t/model.mlir
// RUN: %python -c "import numpy as np; np.save('%t/big.npy', np.array([[1, 5, 9], [2, 256, 3]], dtype=np.int64)); np.save('%t/neg.npy', np.array([-1, 4], dtype=np.int64)); np.save('%t/max.npy', np.array([3, 2**63 - 1], dtype=np.int64))"
// RUN: not rotq-eval %t/model.mlir %t/model.mlir --input %t/big.npy 2>&1 | FileCheck %s --check-prefix=BIG
// BIG: big.npy: token id 256 at position [1, 1] is outside the vocabulary [0, 256)
// RUN: not rotq-eval %t/model.mlir %t/model.mlir --input %t/neg.npy 2>&1 | FileCheck %s --check-prefix=NEG
// NEG: neg.npy: token id -1 at position [0] is outside the vocabulary [0, 256)
// RUN: not rotq-outliers %t/model.mlir --input %t/max.npy 2>&1 | FileCheck %s --check-prefix=MAX
// MAX: max.npy: token id 9223372036854775807 at position [1] is outside the vocabulary [0, 256)
// RUN: rotq-opt %t/model.mlir --rotq-raise-model -o %t/raised.mlir
// RUN: not rotq-opt %t/raised.mlir --rotq-calibrate="calibration=%t/neg.npy" 2>&1 | FileCheck %s --check-prefix=CALIB
// CALIB: error: calibration tokens: {{.*}}neg.npy: token id -1 at position [0] is outside the vocabulary [0, 256)
