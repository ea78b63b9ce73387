package io.ndevid.training.util;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The C library's heap under libtorch's CPU tensors: how freed tensor memory is kept for reuse (docs/ENGINE.md,
 * "Freed tensor memory goes back to the kernel every step").
 */
public final class NativeHeap {

    /** Just under glibc's cap (32 MiB) on how far freeing a mapped block raises its dynamic thresholds. */
    static final long RAISER_BYTES = 31L << 20;

    private NativeHeap() {}

    /**
     * Makes glibc's allocator keep freed tensor memory for reuse instead of handing it back to the kernel after every
     * training step and faulting it in again, page by page, in the next step's ops: allocates one uninitialised CPU
     * tensor of just under 32 MiB, which glibc maps on its own, and frees it. Freeing a mapped block raises the
     * process's mmap threshold to the block's size and the trim threshold to twice that (mallopt(3), "dynamic mmap
     * threshold"), so blocks below 31 MiB then come from the heap and the heap's top is trimmed only when more than
     * 62 MiB of it is free. No page of the block is touched and no value anywhere changes. Without it, a training
     * step's intermediates of a few MiB each are trimmed from the top of the thread's heap as the step's scope frees
     * them: cpu-small MoCoGAN took ≈ 2,400 page faults per step, ≈ 60 with it. In effect a no-op where the thresholds
     * are already that high, where they were fixed by {@code MALLOC_MMAP_THRESHOLD_} or {@code GLIBC_TUNABLES}, and
     * where the C library is not glibc. Cheap (one mapping, never touched), so callers need not remember a first call.
     */
    public static void keepFreedTensorMemory(NDManager manager) {
        try (NDManager m = manager.newSubManager(Device.cpu())) {
            NDArray block = m.create(new Shape(RAISER_BYTES / Float.BYTES), DataType.FLOAT32); // torch::empty
            block.close();
        }
    }
}
