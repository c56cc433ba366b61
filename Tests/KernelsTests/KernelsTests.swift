// Tests for Kernels live in this bundle.
