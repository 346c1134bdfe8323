//===- Passes.td - rotq conversion passes --------------------*- tablegen -*-===//
#ifndef ROTQ_CONVERSION_PASSES_TD
#define ROTQ_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertRotqToLinalg : Pass<"convert-rotq-to-linalg"> {
  let summary = "Lower rotq ops to linalg, tensor, arith and math";
  let description = [{
    Rewrites every rotq op into upstream tensor-level dialects, so that the
    standard bufferization and LLVM lowering can run the result on a CPU:

    * `rotq.hadamard`: sign multiply, then one `linalg.generic` per dense
      Kronecker factor `K` (a `K x K` product along one axis of the reshaped
      row) and one radix-2 butterfly `linalg.generic` per stage of the
      `2^m` Sylvester part, then the `1/sqrt(n)` scale: O(n (sum K + log n))
      work per row, never a dense `n x n` product;
    * `rotq.rotate`: a contraction with the (block) matrix;
    * `rotq.permute`: a gather along the last dimension;
    * `rotq.quantize` / `rotq.dequantize`: reductions for the dynamic
      scales, then element-wise rounding (ties to even), clamping in float
      and conversion, exactly as the op documentation specifies;
    * `rotq.qmatmul`: an `i32` contraction per scale group and an `f32`
      epilogue;
    * `rotq.pack` / `rotq.unpack`: bit manipulation on `i8`.

    Computation happens in `f32` (`f64` for `f64` data); narrower float
    inputs are extended first and the result truncated at the end.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def RotqFuseElementwise : Pass<"rotq-fuse-elementwise"> {
  let summary = "Fuse element-wise linalg ops and reshapes, sparing contractions";
  let description = [{
    Upstream's element-wise fusion and reshape propagation (fusion of
    single-use element-wise producers into their consumers, reshapes folded
    into generics by expanding their iteration space), with one rule of
    rotq's: contractions (matmuls and generic contractions) are neither
    re-expressed by a reshape nor made to recompute an element-wise
    producer inside their reduction. A `linalg.matmul` thus stays a
    matmul, which `rotq-linalg-to-ukernels` hands to a microkernel, and
    `rotq.attention`'s score contraction does not recompute RoPE for every
    key.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def ConvertAttentionToUkernel : Pass<"rotq-attention-to-ukernel", "::mlir::ModuleOp"> {
  let summary = "Call the CPU attention microkernel for f32 rotq.attention";
  let description = [{
    Replaces each `rotq.attention` whose operands and result are `f32` by a
    call to `rotq_ukernel_attention_f32` (librotq_cpu_runtime): one pass
    over each query row (scores, masked maximum, exponentials, weighted sum
    of values) with vectorized dot products, spread over threads by head
    and row block, instead of the six loop nests and `H x S x T` score
    buffers of the linalg lowering. Same mask and the same formula per row
    (see the op's documentation). The operands go through
    `bufferization.to_buffer`, the result is a fresh buffer handed back
    with `bufferization.to_tensor` (restrict), so the pass runs on tensor
    IR before `convert-rotq-to-linalg` and bufferization. Other element
    types are left to `convert-rotq-to-linalg`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def ConvertLinalgToUkernels : Pass<"rotq-linalg-to-ukernels", "::mlir::ModuleOp"> {
  let summary = "Call CPU microkernels for matmuls on buffers";
  let description = [{
    Replaces each `linalg.matmul` on buffers whose operands are `f32` x
    `f32` -> `f32` or `i8` x `i8` -> `i32` (signed), with `B` transposed or
    not, by a call to rotq's CPU microkernel library
    (`librotq_cpu_runtime.so`: `rotq_ukernel_matmul_tb_f32`,
    `rotq_ukernel_matmul_tb_i8i8i32`), which packs the operands, runs a
    vectorized register-tiled kernel picked for the host's ISA and spreads
    the work over threads. A plain matmul passes `B` through
    `memref.transpose`; every operand is cast to a fully dynamic strided
    layout, so any view works. Other contractions stay as they are.

    Runs after bufferization, before `convert-linalg-to-loops`. Code that
    contains such calls needs the library at run time (the JIT and
    `rotq-compile` provide it; for `mlir-runner`, pass it with
    `--shared-libs`).
  }];
  let dependentDialects = [
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

def RotqDeallocateEarly : Pass<"rotq-deallocate-early", "::mlir::ModuleOp"> {
  let summary = "Free each buffer right after its last use in the block";
  let description = [{
    Buffer deallocation frees a block's buffers at the block's end, so a
    lowered model would hold every layer's activations until it returns.
    This pass moves each `memref.dealloc` of a `memref.alloc` of the same
    block to just after the last operation of that block that reads the
    buffer or a value that may alias it (conservatively: any memref an
    operation makes from an alias). Buffers that escape the block or reach
    another dealloc stay where they are. For host code only: a GPU kernel
    may still run after its launch has returned.
  }];
}

def RotqOutlineSegments : Pass<"rotq-outline-segments", "::mlir::ModuleOp"> {
  let summary = "Split long function bodies into private, never-inlined functions";
  let description = [{
    A lowered model is one function of tens of thousands of operations, and
    parts of LLVM's optimizer and code generator cost more than linearly in
    a function's size (dominator-tree updates, the machine scheduler): on a
    135M-parameter model they took most of the JIT's time. This pass cuts
    each function whose single block holds more than `max-ops` operations
    (counting nested ones) into consecutive segments of about `max-ops`,
    moves each into a private function marked `noinline`, and calls them
    in order. A segment's arguments are the values it reads from before
    it, its results the values read after it; constants are cloned rather
    than passed. No cut lets a stack buffer (`memref.alloca` or a view of
    one) outlive its segment. Functions with several blocks are left
    alone. Runs on buffers, after deallocation (so every buffer's owner is
    explicit), before lowering to loops; `max-ops=0` disables it.
  }];
  let options = [
    Option<"maxOps", "max-ops", "int64_t", /*default=*/"200",
           "Operations per segment (0: do not outline)">,
  ];
  let dependentDialects = [
    "::mlir::func::FuncDialect",
  ];
}

def ConvertRotqToGPU : Pass<"convert-rotq-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Lower row-wise rotq ops to hand-scheduled GPU kernels";
  let description = [{
    Rewrites the rotq ops that have a dedicated GPU kernel into `gpu.launch`
    regions on buffers (bracketed by `bufferization.to_buffer` /
    `to_tensor`, so the pass runs on tensor IR before bufferization):

    * `rotq.quantize` of a `rotq.hadamard` result (the hadamard having no
      other use), dynamic per-row (`granularity = row`): one **fused**
      kernel that reads each activation row once and writes its codes and
      scale (and zero point) once;
    * `rotq.hadamard`: an online fast Walsh-Hadamard transform, one block
      per row, the first stages in registers and across warp lanes
      (`gpu.shuffle xor`), the rest through shared memory, the dense
      Kronecker factors as unrolled `+-1` sums (order <= 32) or small matrix
      loops, the signs and `1/sqrt(n)` folded in, f32 arithmetic on
      f16/bf16/f32 data;
    * DuQuant's online transform, `rotq.rotate` (one shared `[b, b]`
      block, not transposed), `rotq.permute`, `rotq.rotate` (any of them),
      with the dynamic per-row `rotq.quantize` reading it when there is
      one: the same one-block-per-row kernel, the matrix staged in shared
      memory, the gather folded into the second rotation's reads;
    * `rotq.quantize`, dynamic per-row: the same kernel without the
      transform;
    * `rotq.qmatmul` without zero points (sm_80 and newer): int8 tensor
      cores (`nvgpu.mma.sync` m16n8k32 s8), 128x128 block tiles staged in
      shared memory, i32 accumulation per scale group, scales and bias in an
      f32 epilogue; with weights from a 4-bit `rotq.unpack`, the packed bytes
      are read and unpacked to int8 in registers. With `mma=wgmma`
      (sm_90a): one warpgroup per 64x64 tile, operands staged in the
      unswizzled core-matrix layout and multiplied by
      `nvvm.wgmma.mma_async` m64n64k32 s8 from shared-memory descriptors.

    Ops the kernels do not cover (f64 data, other granularities, static
    scales, rows too long for the chip's shared memory) are left for
    `convert-rotq-to-linalg`.

    Buffer deallocation rejects GPU ops, so a kernel is first a `func.call`
    to a private declaration whose `rotq.row_kernel` attribute holds its
    parameters; `rotq-gpu-materialize-kernels` emits the `gpu.launch` after
    bufferization.
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"",
           "Target GPU (sets the shared memory a kernel may use)">,
    Option<"mma", "mma", "std::string", /*default=*/"\"mma.sync\"",
           "Tensor-core instruction for rotq.qmatmul: mma.sync (sm_80+) or "
           "wgmma (sm_90a, one scale group; not yet validated on hardware)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def RotqGpuMaterializeKernels : Pass<"rotq-gpu-materialize-kernels", "::mlir::ModuleOp"> {
  let summary = "Emit the GPU kernels that convert-rotq-to-gpu left as calls";
  let description = [{
    Replaces each call to a `rotq.row_kernel` declaration (made by
    `convert-rotq-to-gpu`, run after bufferization and deallocation) by the
    kernel's `gpu.launch`, and erases the declarations.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::math::MathDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def RotqGpuMapParallelLoops : Pass<"rotq-gpu-map-parallel-loops", "::mlir::func::FuncOp"> {
  let summary = "Map outermost scf.parallel loops to GPU blocks and threads";
  let description = [{
    Prepares the loops that `convert-linalg-to-parallel-loops` made for
    `convert-parallel-loops-to-gpu`: every outermost `scf.parallel` without
    reductions (and outside any `gpu.launch`) is collapsed to one dimension,
    tiled by `block-size` and mapped to block x (tiles) and thread x
    (elements of a tile, with a bounds check); loops nested in it run
    sequentially in each thread. So every element-wise op, norm, softmax or
    contraction of a model runs with one GPU thread per output element.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"200",
           "Threads per block">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def RotqGpuDeviceMemory : Pass<"rotq-gpu-device-memory", "::mlir::func::FuncOp"> {
  let summary = "Place host-side buffers where GPU kernels can read them";
  let description = [{
    After bufferization (and before linalg becomes kernels), rewrites the
    host code of a function so that every buffer lives in GPU memory:

    * `memref.alloc` / `memref.dealloc` become `gpu.alloc` / `gpu.dealloc`;
    * `memref.get_global` (weights and other constants) is copied into such
      a buffer where it is read, and freed at the end of its block;
    * `memref.copy` becomes `gpu.memcpy` between contiguous buffers and
      `linalg.copy` (a kernel, later) otherwise.

    `memory=device` allocates plain device memory: the host never touches
    the data. `memory=managed` allocates CUDA managed memory (`host_shared`),
    which host code can read too. `memory=auto` (the default) picks device
    memory unless the function's host code reads or writes buffers itself
    (memref/vector/affine loads and stores, calls taking buffers, or a
    linalg op without parallel dimensions, which would become a host loop).

    Function arguments must be GPU-accessible: `rotq-run --device=cuda`
    passes them in managed memory and reads results with `cuMemcpy`.
  }];
  let options = [
    Option<"memory", "memory", "std::string", /*default=*/"\"auto\"",
           "auto, device or managed">,
  ];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

#endif // ROTQ_CONVERSION_PASSES_TD
