"""Records, repository protocols and storage backends (in-memory, TinyDB)."""
