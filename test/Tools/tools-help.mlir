// Each tool's --help lists its own options, not every LLVM library option
// linked into it (those stay accepted).
// RUN: rotq-import --help | FileCheck %s --check-prefixes=COMMON,IMPORT
// RUN: rotq-materialize --help | FileCheck %s --check-prefixes=COMMON,MATERIALIZE
// RUN: rotq-tokenize --help | FileCheck %s --check-prefixes=COMMON,TOKENIZE
// RUN: rotq-export --help | FileCheck %s --check-prefixes=COMMON,EXPORT
// RUN: rotq-hadamard --help | FileCheck %s --check-prefixes=COMMON,HADAMARD
//
// COMMON-NOT: --aarch64
// IMPORT: rotq-import options:
// IMPORT: --synthesize
// MATERIALIZE: rotq-materialize options:
// MATERIALIZE: --quiet
// TOKENIZE: rotq-tokenize options:
// TOKENIZE: --seq-len
// EXPORT: rotq-export options:
// EXPORT: --online
// HADAMARD: rotq-hadamard options:
// COMMON-NOT: --x86-
