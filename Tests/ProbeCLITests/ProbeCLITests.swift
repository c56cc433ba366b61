// Tests for ProbeCLI live in this bundle.
