// Tests for Plotting live in this bundle.
