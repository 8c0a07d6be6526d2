// Keeps a layer library well-formed before it has sources of its own.
