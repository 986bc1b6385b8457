// Placeholder until the Sampling module lands; replaced by its first real file.
