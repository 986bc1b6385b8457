// Placeholder until the WanDiT module lands; replaced by its first real file.
