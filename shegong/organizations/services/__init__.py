"""The only writers of the organizations app (see each module)."""
