// rotq-outliers measures every linear's input before and after QuaRot on a
// realistic-outlier model: its figures for the original model match the
// float64 NumPy reference, and every input with outliers (max/median over
// 100: the q/k/v, gate/up and down_proj inputs) loses them by at least 10x.
// REQUIRES: numpy
// RUN: rm -rf %t && mkdir -p %t
// RUN: rotq-import --synthesize %inputs/models/llama-mha.json --seed 8 --outliers realistic -o %t/ck
// RUN: rotq-import %t/ck -o %t/model.mlir
// RUN: rotq-opt %t/model.mlir --rotq-quarot=seed=1 -mlir-print-debuginfo -o %t/rot.mlir
// RUN: %python %inputs/tokens.py %t/tok.npy 16 256 4 --bos 1
// RUN: rotq-outliers %t/model.mlir %t/rot.mlir --input %t/tok.npy | FileCheck %s --check-prefix=TABLE
// RUN: rotq-outliers %t/model.mlir %t/rot.mlir --input %t/tok.npy --json --block-size 16 > %t/stats.json
// RUN: %python %S/Inputs/check_outliers_json.py %t/stats.json %t/ck %t/tok.npy 16 | FileCheck %s
// DuQuant's permutation evens out the outlier mass between blocks: the
// between-block variance of the mean |x| falls at the q/k/v and gate/up
// inputs (where the normal outlier channels are).
// RUN: rotq-opt %t/model.mlir --rotq-duquant="block-size=16 seed=1" -o %t/dq.mlir
// RUN: rotq-outliers %t/model.mlir %t/dq.mlir --input %t/tok.npy --json --block-size 16 > %t/dq.json
// RUN: %python -c "import json, sys; rows = json.load(open(sys.argv[1])); fell = [r['model']['block_mean_var_rel'] / r['rotated']['block_mean_var_rel'] for r in rows if 'q_proj' in r['input_of'] or 'gate_proj' in r['input_of']]; print('block variance fell %.0fx' % min(fell)); assert min(fell) > 10, fell" %t/dq.json | FileCheck %s --check-prefix=DQ
// DQ: block variance fell
// The permutation's own share: against DuQuant without it (same seed), the
// variance falls at the inputs that carry outlier channels (q/k/v, gate/up,
// down_proj).
// RUN: rotq-opt %t/model.mlir --rotq-duquant="block-size=16 seed=1 permutation=none" -o %t/dq-none.mlir
// RUN: rotq-outliers %t/model.mlir %t/dq-none.mlir --input %t/tok.npy --json --block-size 16 > %t/none.json
// RUN: %python -c "import json, sys; a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2])); rows = [(x['input_of'], x['rotated']['block_mean_var_rel'], y['rotated']['block_mean_var_rel']) for x, y in zip(a, b) if any(k in x['input_of'] for k in ('q_proj', 'gate_proj', 'down_proj'))]; [print('%%s: %%.3g -> %%.3g' %% r) for r in rows]; assert all(z < n for _, n, z in rows), rows; print('permutation lowers it')" %t/none.json %t/dq.json | FileCheck %s --check-prefix=PERM
// PERM: permutation lowers it
// Without names in the IR the rows are numbered.
// RUN: rotq-opt %t/model.mlir -o %t/anon.mlir
// RUN: rotq-outliers %t/anon.mlir --input %t/tok.npy | FileCheck %s --check-prefix=ANON
// RUN: not rotq-outliers %t/model.mlir --input %t/missing.npy 2>&1 | FileCheck %s --check-prefix=MISSING
//
// TABLE: input of {{.*}} block var |{{.*}}| ratio fell
// TABLE: model.layers.0.self_attn.q_proj,k_proj,v_proj |
// TABLE: model.layers.0.mlp.down_proj |
// TABLE: lm_head |
// CHECK: model.layers.0.mlp.down_proj: ratio {{.*}} outliers
// CHECK: OK
// ANON: linear#0,linear#1,linear#2 |
// MISSING: error: {{.*}}missing.npy
