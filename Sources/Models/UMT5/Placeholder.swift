// Placeholder until the UMT5 module lands; replaced by its first real file.
