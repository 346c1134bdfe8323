// Without a usable GPU, --device=cuda fails with the reason and
// --cuda-check says why; the GPU lowering's options are checked.
// UNSUPPORTED: cuda
// RUN: not rotq-run %s -e f --random-inputs --device=cuda 2>&1 | FileCheck %s --check-prefix=ERR
// RUN: not rotq-run --cuda-check | FileCheck %s --check-prefix=CHECK-GPU
// RUN: not rotq-run %s -e f --random-inputs --device=tpu 2>&1 | FileCheck %s --check-prefix=DEV
// RUN: not rotq-opt %s --rotq-lower-to-nvvm="chip=sm_9x" 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not rotq-opt %s --rotq-lower-to-nvvm="format=elf" 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: rotq-opt %s --rotq-lower-to-nvvm="format=isa" | mlir-translate --mlir-to-llvmir | FileCheck %s --check-prefix=LLVM
// ERR: rotq-run: error: cannot run on the GPU: {{.+}}
// CHECK-GPU: no GPU: {{.+}}
// DEV: unknown device 'tpu' (expected cpu or cuda)
// CHIP: rotq-lower-to-nvvm: unknown chip 'sm_9x' (expected sm_XY, e.g. sm_80, sm_90a)
// FORMAT: rotq-lower-to-nvvm: unknown format 'elf' (expected isa, bin or fatbin)
// The host side calls the runtime's ABI: module load (PTX JIT), launch.
// LLVM: @rotq_fwht_binary = internal constant
// LLVM: call void @mgpuLaunchKernel(
// LLVM: call ptr @mgpuModuleLoadJIT(ptr @rotq_fwht_binary
func.func @f(%x: tensor<3x64xf32>) -> tensor<3x64xf32> {
  %y = rotq.hadamard %x : tensor<3x64xf32>
  return %y : tensor<3x64xf32>
}
