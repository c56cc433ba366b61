// Tests for HDF5Store live in this bundle.
