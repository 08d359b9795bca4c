"""The index folder: generations, lock, manifest and incremental updates behind one Index object."""
