"""The only writers of appeals. Split by concern; import from the submodules."""
