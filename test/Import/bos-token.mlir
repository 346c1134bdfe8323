// rotq-import records the config's BOS token id on @forward (calibration
// starts its random sequences with it): 0 is a valid id; no id in the
// config, no attribute (and no guess); a negative one is an error.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import json, sys; c = json.load(open(sys.argv[1])); c['bos_token_id'] = 0; json.dump(c, open(sys.argv[2] + '/zero.json', 'w')); del c['bos_token_id']; json.dump(c, open(sys.argv[2] + '/none.json', 'w')); c['bos_token_id'] = -3; json.dump(c, open(sys.argv[2] + '/neg.json', 'w'))" %inputs/models/llama-mha.json %t
// RUN: rotq-import --synthesize %t/zero.json --seed 1 -o %t/zero
// RUN: rotq-import %t/zero -o - | FileCheck %s --check-prefix=ZERO
// ZERO: func.func @forward({{.*}}rotq.bos_token_id = 0 : i64
// RUN: rotq-import --synthesize %t/none.json --seed 1 -o %t/none
// RUN: rotq-import %t/none -o - | FileCheck %s --check-prefix=NONE
// NONE: func.func @forward
// NONE-NOT: rotq.bos_token_id
// RUN: not rotq-import --synthesize %t/neg.json --seed 1 -o %t/neg 2>&1 | FileCheck %s --check-prefix=NEG
// NEG: "bos_token_id" must be a non-negative integer
