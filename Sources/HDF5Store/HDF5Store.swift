// HDF5Store module: placeholder from the package skeleton; replaced by the module's implementation.
